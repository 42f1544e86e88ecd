"""Property tests: random bytes and random source never crash the parser; budgets are never exceeded."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from onboard import api
from onboard.config import Settings
from onboard.models import SourceFile
from onboard.pack import count_tokens, pack_context
from onboard.parse import chunk_file, parse_file
from onboard.retrieve import RankedFile
from onboard.scan import redact
from tests.conftest import FIXTURES, ROOT

LANGUAGES = ["python", "javascript", "typescript", "tsx", "go", "java", "rust", "c", "cpp", "ruby", "csharp",
             "markdown"]
CODE_ALPHABET = st.sampled_from(list("abcxyz_(){}[]<>:;,.=+-*/\\'\"#@!?&|^%$ \t\n0123456789") +
                                ["def ", "class ", "fn ", "func ", "import ", "from ", "return ", "struct ", "{\n",
                                 "}\n", "    ", "\"\"\"", "/*", "*/", "//", "#include ", "\u00e9", "\u4e2d", "\U0001f600"])


def source(text: str, language: str) -> SourceFile:
    return SourceFile(f"fuzz.{language}", Path("fuzz"), language, len(text.encode()),
                      hashlib.sha256(text.encode()).hexdigest(), text)


def check_chunks(text: str, language: str) -> None:
    parsed = parse_file(source(text, language))
    chunks = chunk_file(parsed.path, text, parsed.symbols)
    lines = text.split("\n")
    expected = len(lines) - (1 if lines and lines[-1] == "" else 0)
    assert [n for c in chunks for n in range(c.start_line, c.end_line + 1)] == list(range(1, expected + 1))
    for symbol in parsed.symbols:
        assert 1 <= symbol.start_line <= symbol.end_line


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=2000), language=st.sampled_from(LANGUAGES))
def test_random_bytes_never_crash(data: bytes, language: str) -> None:
    check_chunks(data.decode("utf-8", errors="replace"), language)


@settings(max_examples=150, deadline=None)
@given(pieces=st.lists(CODE_ALPHABET, max_size=300), language=st.sampled_from(LANGUAGES))
def test_random_source_never_crashes(pieces: list[str], language: str) -> None:
    check_chunks("".join(pieces), language)


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=3000))
def test_redaction_keeps_lines(text: str) -> None:
    redacted, count = redact(text)
    assert redacted.count("\n") == text.count("\n")
    assert count >= 0


@pytest.fixture(scope="module")
def fuzz_index(tmp_path_factory: pytest.TempPathFactory) -> api.Index:
    base = tmp_path_factory.mktemp("fuzz")
    repo = base / "repo"
    shutil.copytree(FIXTURES, repo)
    shutil.copytree(ROOT / "onboard" / "store", repo / "store")  # some files too big for small budgets
    settings_ = Settings.from_env(home=base / "indexes")
    api.index_repo(repo, "fuzz", settings_, embed=False)
    return api.open_index("fuzz", settings_)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), budget=st.integers(min_value=50, max_value=60_000), question=st.text(max_size=200))
def test_packing_never_exceeds_budget(fuzz_index: api.Index, data, budget: int, question: str) -> None:
    paths = [f.path for f in fuzz_index.db.files()]
    chosen = data.draw(st.lists(st.sampled_from(paths), max_size=25, unique=True))
    ranked = []
    for path in chosen:
        symbols = [s.qualname for s in fuzz_index.db.symbols(path)]
        picked = data.draw(st.lists(st.sampled_from(symbols), max_size=4)) if symbols else []
        hits = data.draw(st.lists(st.tuples(st.integers(1, 400), st.integers(0, 60)), max_size=3))
        ranked.append(RankedFile(path, 1.0, ["fuzz"], picked, [(a, a + n) for a, n in hits]))
    packed = pack_context(fuzz_index, ranked, question, budget)
    assert packed.tokens_used <= budget
    assert count_tokens(packed.stable_text()) + count_tokens(packed.documents_text()) <= budget
    assert len(set(packed.paths())) == len(packed.paths())
