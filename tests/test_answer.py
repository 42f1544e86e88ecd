"""answer: the real anthropic SDK against a real local Messages API server (JSON + SSE)."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from onboard import api
from onboard.answer import Limits, ToolLoop, explain
from onboard.answer.claude import client_for
from onboard.config import ANSWER_RESERVE, Settings
from tests.conftest import write_files


@pytest.fixture
def shop_index(shop_repo: Path, settings: Settings) -> api.Index:
    api.index_repo(shop_repo, "shop", settings)
    return api.open_index("shop", settings)


def claude_settings(settings: Settings, server) -> Settings:
    return Settings.from_env(home=settings.home, api_key="sk-test-key", base_url=server.url, model="claude-test")


def test_streamed_answer_with_citations_and_cache(shop_index: api.Index, settings: Settings, fake_anthropic) -> None:
    config = claude_settings(settings, fake_anthropic)
    pieces: list[str] = []
    conversation = api.Conversation(shop_index, config, budget=6000)
    first = conversation.ask("How does checkout charge the card?", pieces.append)
    assert first.mode == "claude" and first.error is None
    assert len(pieces) > 3 and "".join(pieces) == first.text
    assert first.citations and first.citations[0].verified
    cited = first.citations[0]
    assert cited.path in first.packed.paths() and cited.start >= 1
    request = fake_anthropic.state.requests[0]
    assert request["headers"]["authorization"] == "Bearer sk-test-key"
    body = request["body"]
    assert body["model"] == "claude-test" and body["stream"] is True
    assert body["system"][-1]["cache_control"] == {"type": "ephemeral"}
    assert fake_anthropic.state.count_requests, "the prompt size is verified with count_tokens"
    assert first.usage.cache_creation_input_tokens > 0

    second = conversation.ask("And what does it return?")
    follow = fake_anthropic.state.requests[1]["body"]
    assert follow["system"] == body["system"]
    assert follow["messages"][0] == body["messages"][0]
    assert follow["messages"][1] == {"role": "assistant", "content": [{"type": "text", "text": first.text}]}
    assert follow["messages"][-1] == {"role": "user", "content": [
        {"type": "text", "text": "And what does it return?", "cache_control": {"type": "ephemeral"}}]}
    assert second.usage.cache_read_input_tokens > 0


@pytest.mark.parametrize(("status", "message"), [
    (401, "rejected the API key"), (429, "Rate limited"), (529, "overloaded"),
])
def test_api_errors_are_clear(shop_index: api.Index, settings: Settings, fake_anthropic, status: int,
                              message: str) -> None:
    fake_anthropic.state.fail(status, times=3)  # more than the SDK's two retries
    answer = api.ask(shop_index, "What is a cart?", budget=3000, settings=claude_settings(settings, fake_anthropic))
    assert answer.error and message in answer.error
    assert answer.text == ""
    expected_tries = 1 if status == 401 else 3
    assert len(fake_anthropic.state.requests) == expected_tries


def test_retry_then_success(shop_index: api.Index, settings: Settings, fake_anthropic) -> None:
    fake_anthropic.state.fail(529, times=1)
    answer = api.ask(shop_index, "What is a cart?", budget=3000, settings=claude_settings(settings, fake_anthropic))
    assert answer.error is None and answer.text
    assert len(fake_anthropic.state.requests) == 2


def test_broken_stream_keeps_what_arrived(shop_index: api.Index, settings: Settings, fake_anthropic) -> None:
    fake_anthropic.state.fail(0)  # break the stream mid-answer
    pieces: list[str] = []
    answer = api.ask(shop_index, "What is a cart?", budget=3000, on_text=pieces.append,
                     settings=claude_settings(settings, fake_anthropic))
    assert answer.error and "ended early" in answer.error
    assert answer.text and answer.text == "".join(pieces)
    assert len(answer.text) < len(fake_anthropic.state.requests[0]["body"]["messages"][0]["content"][0]["text"])


def test_count_tokens_trims_when_the_real_prompt_is_too_big(shop_index: api.Index, settings: Settings,
                                                            fake_anthropic) -> None:
    config = claude_settings(settings, fake_anthropic)
    packed = api.retrieve(shop_index, "How does checkout charge the card?", 6000)
    assert len(packed.documents) >= 2
    before = len(packed.documents)
    client = client_for(config)
    loop = ToolLoop(client, config, packed, [], packed.question, None, Limits())
    request = {k: v for k, v in loop.request().items() if k != "max_tokens"}
    counted = client.messages.count_tokens(**request).input_tokens
    # a window one token too small forces the check to drop the lowest-ranked documents
    loop.window = ANSWER_RESERVE + counted - 1
    reply = loop.run()
    assert reply.error is None
    assert len(packed.documents) < before
    assert len(fake_anthropic.state.count_requests) == 1 + before - len(packed.documents) + 1


def test_unreachable_api_is_a_clear_error(shop_index: api.Index, settings: Settings) -> None:
    config = Settings.from_env(home=settings.home, api_key="k", base_url="http://127.0.0.1:9")
    packed = api.retrieve(shop_index, "cart?", 2000)
    reply = ToolLoop(client_for(config, max_retries=0, timeout=5), config, packed, [], "cart?", None, Limits()).run()
    assert reply.error and "Could not reach the Anthropic API" in reply.error


def test_retrieval_only_answer_is_a_digest(shop_index: api.Index) -> None:
    """The files that matter (3-5), why, key symbols as citations, a reading order, the rest in one line."""
    pieces: list[str] = []
    answer = api.ask(shop_index, "How does checkout charge the card?", budget=4000, on_text=pieces.append)
    assert answer.mode == "retrieval-only" and pieces == [answer.text]
    assert answer.text.startswith(api.RETRIEVAL_ONLY_LABEL)
    tokens = MarkdownIt().parse(answer.text)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings == ["The files that matter most", "Suggested reading order"]
    top = re.findall(r"^\d+\. \*\*`([^`]+)`\*\*: (.+)$", answer.text, re.M)
    assert 3 <= len(top) <= 5
    assert [path for path, _ in top[:2]] == ["shop/cart.py", "shop/payments/gateway.py"]
    assert top[0][1].startswith("Shopping carts. Found because: ")  # the file's own summary, then why
    assert "`Cart.checkout` (`shop/cart.py:19-20`)" in answer.text  # the symbol the question touches
    assert "`charge` (`shop/payments/gateway.py:8-11`)" in answer.text
    order = answer.text.split("### Suggested reading order", 1)[1]
    assert order.index("`shop/cart.py`: uses `shop/payments/gateway.py`") < order.index(
        "`shop/payments/gateway.py`: used by `shop/cart.py`")  # where the flow starts, then what it uses
    rest = re.search(r"\*\*Also in the context \((\d+) files\):\*\* (.+)", answer.text)
    assert rest and int(rest.group(1)) == len(answer.packed.all_documents()) - len(top)
    assert not [t for t in tokens if t.type == "fence"]  # no wall of snippets
    assert answer.citations and all(c.verified for c in answer.citations)  # links only to lines that exist


def test_a_huge_one_word_question_answers_without_a_hang(shop_index: api.Index, settings: Settings) -> None:
    """A pasted long word (a hash, a blob) held the web server: the citation scan backtracked over every start of a
    run of path characters (20k characters: 10 s; quadratic) and the search sliced every prefix of the word to
    find the abbreviations code writes (100k: 3.8 s; quadratic). Both are linear in the question now."""
    code = ("import sys\nfrom onboard import api\nfrom onboard.config import Settings\n"
            "index = api.open_index('shop', Settings.from_env(home=sys.argv[1]))\n"
            "answer = api.ask(index, 'x' * 600_000 + ' shop/cart.py:19', budget=4000)\n"
            "print(sorted({(c.path, c.start) for c in answer.citations}))\n")
    # In its own process: a regex holds the interpreter, so only a process can be stopped. Quadratic, the prefixes
    # alone took 100 s here and the scan hours; linear, the answer takes about a second after the imports.
    done = subprocess.run([sys.executable, "-c", code, str(settings.home)], capture_output=True, text=True,
                          timeout=45)
    assert done.returncode == 0 and "('shop/cart.py', 19)" in done.stdout, done.stderr[-2000:]


def test_retrieval_only_answer_shows_the_question_and_repository_text_as_written(tmp_path: Path,
                                                                                 settings: Settings) -> None:
    """The digest is Markdown: a question's ``__init__`` must not turn bold, a docstring's link must not become one,
    and a vendored file says it is one."""
    repo = write_files(tmp_path / "lit", {
        "lit/vendor/ledger_rows.py": '"""Ledger rows <b>[click here](http://example.invalid/x)</b>."""\n\n\n'
                                "class Ledger:\n    def __init__(self, rows):\n        self.rows = rows * 2\n",
    })
    api.index_repo(repo, "lit", settings, embed=False)
    question = "Why does Ledger.__init__ double the rows?\n- it is *always* twice in lit/vendor/ledger_rows.py:6"
    answer = api.ask(api.open_index("lit", settings), question, budget=4000)
    html = MarkdownIt().render(answer.text)
    assert "Ledger.__init__ double the rows?<br />" in html and "- it is *always* twice in" in html
    assert "<strong>init</strong>" not in html and "<em>always</em>" not in html
    assert 'href="http://example.invalid/x"' not in html and "<b>" not in html
    assert "Ledger rows &lt;b&gt;[click here](http://example.invalid/x)&lt;/b&gt;" in html
    assert "role: vendored" in html
    # an underscore inside a word stays as it is, so the path the question cites is still a citation
    assert ("lit/vendor/ledger_rows.py", 6, True) in [(c.path, c.start, c.verified) for c in answer.citations]


def test_an_endpoint_that_never_answers_is_one_sentence_without_cli_flags(shop_index: api.Index,
                                                                         settings: Settings) -> None:
    """A proxy that takes the connection and never answers: the answer said "lower --budget", a flag the web
    page does not have, and waited six minutes first (the timeout per try is what bounds that now)."""
    listener = socket.create_server(("127.0.0.1", 0))
    try:
        config = Settings.from_env(home=settings.home, api_key="k",
                                   base_url=f"http://127.0.0.1:{listener.getsockname()[1]}")
        packed = api.retrieve(shop_index, "cart?", 2000)
        client = client_for(config, max_retries=0, timeout=1)
        reply = ToolLoop(client, config, packed, [], "cart?", None, Limits()).run()
    finally:
        listener.close()
    assert reply.error and reply.error.startswith("The Anthropic API did not answer in time")
    assert "--" not in reply.error


def test_explain_covers_unknown_failures() -> None:
    assert explain(ValueError("boom")) == "The answer stream broke: boom"


def test_a_files_summary_is_its_docstring_under_a_licence_header(tmp_path: Path, settings: Settings) -> None:
    """Projects put a licence header above every module's docstring (pylint: three lines of GPL links):
    the digest and the guide say what the file is, not what licence it is under."""
    header = ("# Licensed under the GPL: https://www.gnu.org/licenses/old-licenses/gpl-2.0.html\n"
              "# For details: https://example.org/LICENSE\n# Copyright (c) https://example.org/CONTRIBUTORS.txt\n\n")
    repo = write_files(tmp_path / "lint", {
        "lint/__init__.py": header,
        "lint/checker.py": header + '"""Checks every module for unused imports.\n\nMore."""\n\n'
                           "def check_unused_imports(module):\n    return [name for name in module if name]\n",
        "lint/report.py": header + "# Writes the unused imports found as a report.\n\n"
                          "from lint.checker import check_unused_imports\n\n\n"
                          "def report_unused_imports(module):\n    return len(check_unused_imports(module))\n",
    })
    api.index_repo(repo, "lint", settings, embed=False)
    index = api.open_index("lint", settings)
    answer = api.ask(index, "Where are unused imports checked and reported?", budget=4000)
    top = dict(re.findall(r"^\d+\. \*\*`([^`]+)`\*\*: (.+)$", answer.text, re.M))
    assert top["lint/checker.py"].startswith("Checks every module for unused imports. Found because"), top
    assert top["lint/report.py"].startswith("Writes the unused imports found as a report. Found because"), top
    assert "Licensed" not in answer.text
    guide = api.guide_for(index)
    assert "Checks every module for unused imports" in "\n".join(page.body for page in guide.pages)


def test_a_files_summary_leaves_out_heading_markup_and_ends_at_a_word(tmp_path: Path, settings: Settings) -> None:
    """A reStructuredText title's underline is markup, not part of what the file says it is; a note above a
    module docstring is not either, nor is a Sphinx role's name (``:class:`~a.B``` shows as ``B``); a first sentence
    runs past "e.g." and, when long, is cut at a word; one that opens a list ends without its colon."""
    long = ("Plotting of calendar dates with sophisticated locators and formatters, standing on the shoulders of "
            "the standard library's datetime module and its friends. More.")
    repo = write_files(tmp_path / "ticks", {
        "ticks/ticker.py": '"""\nTick locating and formatting\n============================\n\nLocators."""\n\n'
                           "def locate_ticks(view):\n    return view\n",
        "ticks/dates.py": f'"""{long}"""\n\ndef locate_date_ticks(view):\n    return view\n',
        "ticks/tick_numbers.py": '"""Tick numbers of date contexts, e.g. Bernoulli ticks. More."""\n\n'
                                 "def locate_tick_numbers(view):\n    return view\n",
        "ticks/pyplot.py": "# Note: the latter part of this file is generated by a script.\n\n"
                           '"""A state-based interface to the tick locators."""\n\ndef plot_ticks(view):\n    return view\n',
        "ticks/figure.py": '"""`ticks.figure` implements the following tick classes:\n\nFigure\n    The top."""\n\n'
                           "def locate_figure_ticks(view):\n    return view\n",
        "ticks/scale.py": '"""The :mod:`ticks.scale` module: :py:class:`~ticks.scale.LogTicks` and :func:`the date '
                          'locator <ticks.dates.locate_date_ticks>`."""\n\ndef locate_scaled_ticks(view):\n    return view\n',
    })
    api.index_repo(repo, "ticks", settings, embed=False)
    answer = api.ask(api.open_index("ticks", settings), "How are ticks and date ticks located and plotted?", budget=4000)
    top = dict(re.findall(r"^\d+\. \*\*`([^`]+)`\*\*: (.+)$", answer.text, re.M))
    assert top["ticks/ticker.py"].startswith("Tick locating and formatting. Found because"), top
    assert top["ticks/pyplot.py"].startswith("A state-based interface to the tick locators. Found because"), top
    assert top["ticks/tick_numbers.py"].startswith("Tick numbers of date contexts, e.g. Bernoulli ticks. Found"), top
    figure = api.ask(api.open_index("ticks", settings), "Where are figure ticks located?", budget=4000).text
    assert "**`ticks/figure.py`**: \\`ticks.figure\\` implements the following tick classes. Found" in figure, figure
    shown = top["ticks/scale.py"].replace("\\`", "`")  # repository text is escaped: its backticks show as typed
    assert shown.startswith("The `ticks.scale` module: `LogTicks` and `the date locator`. Found because"), shown
    summary = top["ticks/dates.py"].split(" Found because")[0]
    assert summary.endswith("…") and long.startswith(summary[:-1]) and long[len(summary) - 1] == " ", summary
    guide = "\n".join(page.body for page in api.guide_for(api.open_index("ticks", settings)).pages)
    assert "====" not in guide


def test_key_symbols_name_an_overloaded_function_once_by_its_implementation(tmp_path: Path,
                                                                             settings: Settings) -> None:
    """``@overload`` stubs share the implementation's name: the digest named sympy's `simplify` three times,
    each a one-line stub, and never the function itself."""
    overloads = "".join(f"@overload\ndef settle(invoice: {kind}) -> {kind}: ...\n" for kind in ("int", "str", "bytes"))
    body = ("def settle(invoice):\n    \"\"\"Settle an invoice.\"\"\"\n"
            + "".join(f"    invoice = invoice.settled_by({j})\n" for j in range(12)) + "    return invoice\n")
    repo = write_files(tmp_path / "books", {"books/settling.py": "from typing import overload\n\n" + overloads
                                            + "\n\n" + body + "\n\ndef audit(invoice):\n    return settle(invoice)\n"})
    api.index_repo(repo, "books", settings, embed=False)
    answer = api.ask(api.open_index("books", settings), "How is an invoice settled?", budget=8000)
    symbols = re.search(r"key symbols: (.+)", answer.text)
    assert symbols and symbols.group(1).count("`settle`") == 1, answer.text
    assert "`settle` (`books/settling.py:11-25`)" in symbols.group(1), symbols.group(1)


def test_key_symbols_follow_the_search_not_the_file_order(tmp_path: Path, settings: Settings) -> None:
    """Of the definitions the search touched, the digest names those it found most relevant first, not
    the ones that come first in the file (dev_large: a gold definition among a gold file's three key symbols
    56.6 → 61.3 % of the time)."""
    def helper(i: int) -> str:
        return (f"def tidy_records_{i}(records):\n    \"\"\"Tidy the ledger records.\"\"\"\n"
                + "".join(f"    records = records.sorted_by({j})\n" for j in range(25)) + "    return records\n\n\n")
    settle = ("def settle_everything(invoice, ledger):\n    \"\"\"Settle an invoice in the ledger.\"\"\"\n"
              + "".join(f"    ledger = ledger.settle(invoice, settled_invoice_{j})\n" for j in range(25))
              + "    return ledger\n")
    repo = write_files(tmp_path / "books", {"books/posting.py": "".join(map(helper, range(4))) + settle})
    api.index_repo(repo, "books", settings, embed=False)
    index = api.open_index("books", settings)
    answer = api.ask(index, "How is an invoice settled in the ledger?", budget=8000)
    symbols = re.search(r"key symbols: (.+)", answer.text)
    assert symbols and symbols.group(1).startswith("`settle_everything`")


def test_the_reading_order_says_a_file_uses_another_only_where_an_import_backs_it(tmp_path: Path,
                                                                                 settings: Settings) -> None:
    """A reference edge links a file to any file defining a name it uses, so two unrelated methods of one name
    link two modules (Django's QuerySet module "used" the admin's list filters, both having `queryset`
    methods). The digest tells a newcomer what to read first: "uses" there must be true, so it takes an import,
    direct or through the package that re-exports the module. And it starts at what the question is about, not at
    a file that merely uses it."""
    repo = write_files(tmp_path / "orders", {
        "app/__init__.py": "",
        "app/orders.py": "from app import billing\n\n\ndef place_order(cart, view):\n"
                         "    total = billing.charge_card(cart)\n    return view.render_order_total(total)\n",
        "app/billing/__init__.py": "from app.billing.cards import charge_card\n",
        "app/billing/cards.py": "def charge_card(cart):\n    \"\"\"Charge the order's card.\"\"\"\n    return sum(cart)\n",
        "web/widgets.py": "class Summary:\n    def render_order_total(self, total):\n"
                          "        \"\"\"Render an order total.\"\"\"\n        return f'{total}'\n",
    })
    api.index_repo(repo, "orders", settings, embed=False)
    answer = api.ask(api.open_index("orders", settings), "How does placing an order charge the card and render "
                     "the order total?", budget=4000)
    order = answer.text.split("### Suggested reading order", 1)[1]
    assert "`web/widgets.py`" in order  # among the files that matter, yet used by nothing that imports it
    assert "`app/orders.py`: uses `app/billing/cards.py`" in order
    assert not re.search(r"`app/orders.py`: uses [^\n]*`web/widgets.py`", order)
    assert not re.search(r"`web/widgets.py`: used by", order)
    charged = api.ask(api.open_index("orders", settings), "How is the order's card charged?", budget=4000)
    best = re.search(r"^1\. \*\*`([^`]+)`\*\*", charged.text, re.M)
    assert best and best.group(1) == "app/billing/cards.py"  # what the question is about, used by the orders
    steps = charged.text.split("### Suggested reading order", 1)[1]
    assert steps.index("1. `app/billing/cards.py`") < steps.index("`app/orders.py`: uses")  # read it first


def _rust_fn(signature: str, doc: str = "") -> str:
    """A Rust function of a dozen lines, so that each one is a chunk of its own."""
    body = "".join(f"        let step_{n} = {n} + 1;\n" for n in range(12))
    return (f"    /// {doc}\n" if doc else "") + f"    {signature} {{\n{body}    }}\n\n"


def _rust_unit_tests(*names: str) -> str:
    return "#[cfg(test)]\nmod tests {\n    use super::*;\n\n" + "".join(
        "    #[test]\n" + _rust_fn(f"fn {name}()") for name in names) + "}\n"


def test_rust_unit_tests_inside_a_file_come_after_its_implementation(tmp_path: Path, settings: Settings) -> None:
    """Rust keeps unit tests in ``#[cfg(test)] mod tests`` of the file they test, whose path says implementation;
    their long names (``..._invalidated_by_key``) hold a question's every word. Unless the question asks about
    tests, the digest names the implementation's definitions and lines first; when it does, the tests."""
    repo = write_files(tmp_path / "crate", {
        "Cargo.toml": "[workspace]\nmembers = [\"crates/*\"]\n",
        "crates/lint/src/lib.rs": "pub mod cache;\n\n/// Runs the linter.\npub fn run() {}\n",
        "crates/lint/src/cache.rs": (
            "use std::path::PathBuf;\n\n/// Lint results kept between runs.\npub struct LintCache {\n    dir: PathBuf,\n}\n\n"
            "impl LintCache {\n"
            + _rust_fn("pub fn cache_path(&self, key: u64) -> PathBuf", "The lint cache file, under the cache folder.")
            + _rust_fn("pub fn cache_is_stale(&self, modified: u64) -> bool", "Stale once a source file changed.")
            + _rust_fn("pub fn lint_cache_key(&self) -> u64", "The settings' hash.") + "}\n\n"
            + _rust_unit_tests("lint_cache_path_is_stored_under_the_cache_dir_and_invalidated_by_key",
                               "stored_lint_cache_is_invalidated_when_the_cache_entry_is_stale")),
        "crates/resolver/src/list.rs": (
            "/// Lists the modules a search path holds.\npub fn list_modules(paths: &[String]) -> Vec<String> {\n"
            "    paths.to_vec()\n}\n\n"
            + _rust_unit_tests("stored_lint_cache_listing_is_invalidated_when_a_module_is_added",
                               "lint_cache_of_the_module_list_is_stored_and_invalidated_on_removal",
                               "invalidating_the_stored_cache_invalidates_the_lint_cache_list")),
    })
    api.index_repo(repo, "crate", settings, embed=False)
    index = api.open_index("crate", settings)
    question = "Where is the lint cache stored and when is it invalidated?"

    def digest(question: str) -> dict[str, tuple[str, list[str]]]:
        """Each top file's best match and key symbols, best file first."""
        text = api.ask(index, question, budget=6000).text
        return {path: (best, re.findall(r"`([\w.]+)` \(", symbols)) for path, best, symbols in re.findall(
            r"^\d+\. \*\*`([^`]+)`\*\*: .*best match `[^`]+:(\d+)-\d+`.*\n   - key symbols: (.+)$", text, re.M)}

    found = digest(question)
    assert next(iter(found)) == "crates/lint/src/cache.rs", found
    best, symbols = found["crates/lint/src/cache.rs"]
    assert int(best) < 60 and not any(s.startswith("tests") for s in symbols), found  # the tests start at line 60
    asked = digest(question + " Which tests cover it?")
    assert asked["crates/lint/src/cache.rs"][1][0].startswith("tests."), asked
    assert all(s.startswith("tests.") for s in asked["crates/resolver/src/list.rs"][1]), asked
