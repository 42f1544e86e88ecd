"""Retrieval on the kind of questions large repositories get: roles, tracebacks, settings, messages,
flags, code snippets; and packing that keeps definitions whole. Each test indexes a small real
repository written here, so the file that must win is known."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from onboard import api
from onboard.config import Settings
from onboard.pack import pack_context
from onboard.pack.packer import MAX_SYMBOL_LINES, TAIL_DOC, PackedDoc, _focused
from onboard.retrieve import RankedFile, retriever_for
from onboard.retrieve.companions import Companions
from onboard.retrieve.cues import read_cues
from onboard.retrieve.families import FAMILY_FREE, family
from onboard.scan.roles import file_role
from tests.conftest import write_files

FILLER = "\n".join(f"def helper_{i}(value):\n    \"\"\"Convert the value for the table.\"\"\"\n    return value + {i}\n"
                   for i in range(40))
# An issue about the ledger modules below, and the same words as a one-line question.
LEDGER_ISSUE = ("Reducing the ledger step by step loses entries\n"
                "When apply_entry runs for each step the ledger is short.")


def ledger_steps(book: str) -> str:
    """A module of 40 ledger-reducing functions of 50 lines each: ~25k tokens, too big to go whole at 27k."""
    return "".join(f"def reduce_{book}_step_{i}(ledger):\n    \"\"\"Reduce the ledger by one step.\"\"\"\n"
                   + "".join(f"    ledger = ledger.apply_entry({i}, {j})\n" for j in range(50))
                   + "    return ledger\n\n\n" for i in range(40))


@pytest.mark.parametrize(("path", "role"), [
    ("src/pkg/core.py", "source"),
    ("pkg/tests/test_core.py", "test"),
    ("tests/roots/test-ext/conf.py", "fixture"),
    ("lib/matplotlib/tests/baseline_images/a.svg", "fixture"),
    ("core_test.go", "test"),
    ("web/app.spec.ts", "test"),
    ("sphinx/themes/basic/static/jquery-3.5.1.js", "vendored"),
    ("sphinx/themes/basic/static/underscore-1.13.1.js", "vendored"),
    ("app/static/app.min.js", "vendored"),
    ("third_party/zlib/zlib.h", "vendored"),
    ("pkg/api_pb2.py", "generated"),
    ("pycparser/yacctab.py", "source"),
    ("pkg/parsetab.py", "generated"),
    ("poetry.lock", "generated"),
    ("docs/usage.rst", "docs"),
    ("CHANGES.md", "docs"),
    ("examples/basic/app.py", "example"),
    ("galleries/examples/lines.py", "example"),
])
def test_file_roles_follow_the_usual_conventions(path: str, role: str) -> None:
    assert file_role(path) == role


@pytest.fixture
def large_like(tmp_path: Path, settings: Settings) -> api.Index:
    """Implementation, tests that repeat its words, a vendored library, settings, messages and flags."""
    repo = write_files(tmp_path / "proj", {
        "proj/__init__.py": "from proj.tables import number_tables\n",
        "proj/tables.py": "from proj.numbering import assign\n\n\ndef number_tables(doc):\n"
                          "    \"\"\"Give each table in the document its number.\"\"\"\n"
                          "    for table in doc.tables:\n        assign(table)\n" + FILLER,
        "proj/numbering.py": "import logging\n\nlog = logging.getLogger(__name__)\n\n\ndef assign(node):\n"
                             "    if node.number is None:\n"
                             "        log.warning('no number is assigned for %s: %s', node.kind, node.id)\n"
                             "    return node.number\n" + FILLER,
        "proj/config.py": "def setup(app):\n    app.add_config_value('autodoc_typehints', 'signature', True)\n"
                          "    app.add_config_value('numfig', False, 'env')\n" + FILLER,
        "proj/cli.py": "import argparse\n\n\ndef parser():\n    p = argparse.ArgumentParser()\n"
                       "    p.add_argument('--collect-only', action='store_true')\n    return p\n" + FILLER,
        "proj/deep/inner/render.py": "def render_axis(ax, limits):\n    ax.set_xlim(*limits)\n    return ax\n",
        "proj/axes.py": "class Axes:\n    def set_xlim(self, left=None, right=None):\n        self.xlim = (left, right)\n"
                        "        return self.xlim\n" + FILLER,
        "tests/test_tables.py": "from proj.tables import number_tables\n\n" + "\n".join(
            f"def test_number_tables_{i}():\n    \"\"\"Each table in the document gets its number.\"\"\"\n"
            f"    assert number_tables(doc_with_tables({i}))\n" for i in range(30)),
        "proj/themes/static/jquery-3.5.1.js": "function numberTables(doc) { /* table number document */ }\n" * 40,
    })
    api.index_repo(repo, "proj", settings, embed=False)
    return api.open_index("proj", settings)


def top(index: api.Index, question: str, n: int = 3) -> list[str]:
    return [r.path for r in retriever_for(index).rank(question)[:n]]


def test_implementation_outranks_tests_and_vendored_copies(large_like: api.Index) -> None:
    ranked = top(large_like, "How does each table in the document get its number?", 10)
    assert ranked[0] == "proj/tables.py"
    assert ranked.index("proj/tables.py") < ranked.index("tests/test_tables.py")
    assert "proj/themes/static/jquery-3.5.1.js" not in ranked[:5]
    asked = top(large_like, "Which tests check that each table in the document gets its number?", 2)
    assert "tests/test_tables.py" in asked
    why = next(r for r in retriever_for(large_like).rank("tables tests") if r.path == "tests/test_tables.py")
    assert "role: test" in why.reasons


def test_traceback_frames_find_the_file_even_from_site_packages(large_like: api.Index) -> None:
    question = ("Crash when rendering:\n```\nTraceback (most recent call last):\n"
                '  File "/usr/lib/python3.11/site-packages/proj/deep/inner/render.py", line 2, in render_axis\n'
                "TypeError: bad limits\n```")
    ranked = retriever_for(large_like).rank(question)
    assert ranked[0].path == "proj/deep/inner/render.py"
    assert any("named in the question" in reason for reason in ranked[0].reasons)


def test_a_setting_defined_by_a_string_finds_the_file_that_registers_it(large_like: api.Index) -> None:
    ranked = retriever_for(large_like).rank("autodoc_typehints = 'description' has no effect on overloads")
    assert ranked[0].path == "proj/config.py"
    assert "defines the string 'autodoc_typehints'" in ranked[0].reasons


def test_a_setting_read_everywhere_finds_the_file_that_keys_it(tmp_path: Path, settings: Settings) -> None:
    """A setting read in a dozen modules names nothing by its string alone; the one file where it is a key
    (``"render.classic_mode": validate_bool``) defines it, though tests set it in dicts of their own
    (``rc_context({"render.classic_mode": True})``: matplotlib's rcsetup.py ranked 14th behind them)."""
    files = {f"draw/part_{i:02}.py": f"def draw_{i}(params):\n    if params['render.classic_mode']:\n"
                                     f"        return {i}\n    return -{i}\n" for i in range(12)}
    files |= {f"tests/test_part_{i}.py": f"from draw.part_{i:02} import draw_{i}\n\n\ndef test_classic():\n"
                                         f"    assert draw_{i}({{'render.classic_mode': True}}) == {i}\n"
              for i in range(4)}
    files["draw/defaults.py"] = ("def validate_bool(value):\n    return bool(value)\n\n\n"
                                 "VALIDATORS = {\n    'render.classic_mode': validate_bool,\n    'render.dpi': int,\n}\n")
    api.index_repo(write_files(tmp_path / "keyed", files), "keyed", settings, embed=False)
    retriever = retriever_for(api.open_index("keyed", settings))
    # quoted or not: a dotted name in prose is a setting's key as often as code (matplotlib's savefig.bbox)
    for question in ("What does the 'render.classic_mode' parameter change in how parts are drawn?",
                     "What does the render.classic_mode parameter change in how parts are drawn?"):
        ranked = retriever.rank(question)
        assert ranked[0].path == "draw/defaults.py", question
        assert "defines the string 'render.classic_mode'" in ranked[0].reasons


def test_a_question_in_words_finds_the_code_that_abbreviates_them(tmp_path: Path, settings: Settings) -> None:
    """Code writes ``repr``, ``cfg``-like shortenings of the words a question uses: "string representation"
    must find the printer of reprs, not a file that happens to hold the words in prose."""
    repo = write_files(tmp_path / "calc", {
        "calc/printing/reprs.py": "def repr_matrix(m):\n    return 'Matrix(%r)' % (m.rows,)\n\n\n"
                                  "def str_matrix(m):\n    return str(m.rows)\n\n\n"
                                  "def repr_vector(v):\n    return 'Vector(%r)' % (v.items,)\n",
        "calc/matrix.py": "class Matrix:\n    \"\"\"A matrix of rows.\"\"\"\n\n    def __init__(self, rows):\n"
                          "        self.rows = rows\n\n    def transpose(self):\n        return Matrix(list(zip(*self.rows)))\n",
        "calc/groups.py": "# A matrix group: its representation on a vector space is a matrix.\n"
                          "def group_matrix(group):\n    return [g.matrix for g in group]\n",
    })
    api.index_repo(repo, "calc", settings, embed=False)
    ranked = retriever_for(api.open_index("calc", settings)).rank(
        "Where is the string representation of a matrix produced?")
    assert ranked[0].path == "calc/printing/reprs.py"


def test_a_quoted_message_finds_the_file_that_emits_it(large_like: api.Index) -> None:
    ranked = retriever_for(large_like).rank("Since upgrading I get WARNING: no number is assigned for table: id3")
    assert ranked[0].path == "proj/numbering.py"


def test_a_command_line_flag_finds_its_definition(large_like: api.Index) -> None:
    assert top(large_like, "Running with --collect-only still executes fixtures", 1) == ["proj/cli.py"]


def test_a_method_called_in_a_snippet_finds_its_definition(large_like: api.Index) -> None:
    question = "Limits are ignored:\n```python\nfig, ax = plt.subplots()\nax.set_xlim(0, 1)\n```"
    ranked = retriever_for(large_like).rank(question)
    assert "proj/axes.py" in [r.path for r in ranked[:2]]
    assert "Axes.set_xlim" in next(r for r in ranked if r.path == "proj/axes.py").symbols


def test_an_issue_title_outweighs_a_long_body_about_something_else(tmp_path: Path, settings: Settings) -> None:
    """An issue's first line says what it is about; its reproduction and log repeat the words of other code."""
    repo = write_files(tmp_path / "plots", {
        "plots/legend.py": "class Legend:\n    \"\"\"The box that names each line.\"\"\"\n\n"
                           "    def __getstate__(self):\n        state = dict(self.__dict__)\n"
                           "        state.pop('frame_pickled', None)  # pickling drops the legend frame\n"
                           "        return state\n\n\n" + FILLER +
                           "\n\ndef draw_legend(figure, axes, subplots, data):\n    \"\"\"The figure canvas shows the axes, "
                           "subplots and data; savefig and show the figure.\"\"\"\n    return figure.draw(axes, subplots, data)\n",
        "plots/figure.py": "\n".join(f"def figure_step_{i}(figure, data):\n    \"\"\"Draw the data of the figure: "
                                     f"canvas, axes, subplots, savefig, show.\"\"\"\n    return figure.draw(data, {i})\n"
                                     for i in range(30)),
        "plots/canvas.py": "def show(figure, axes, subplots):\n    return figure.canvas(axes, subplots)\n" + FILLER,
    })
    api.index_repo(repo, "plots", settings, embed=False)
    index = api.open_index("plots", settings)
    question = ("Legend frame lost after pickling\n"
                "I draw a figure with subplots and axes, then savefig and show the figure canvas:\n"
                "the figure shows its axes, the subplots show the data, the canvas shows the figure data.\n"
                "Drawing the figure data on the canvas axes again with savefig and show still shows the figure.")
    ranked = retriever_for(index).rank(question)
    assert ranked[0].path == "plots/legend.py"
    assert "the question's first line matches the code" in ranked[0].reasons
    assert ranked[0].symbols[0] == "Legend"  # what the title matched heads the file's hits, so its excerpt


def test_a_class_only_a_vendored_copy_defines_ranks_its_file_first(tmp_path: Path, settings: Settings) -> None:
    """Vendored code ranks low, unless the question names what only it defines: then it is what is asked."""
    repo = write_files(tmp_path / "rel", {
        "rel/externals/packaging/version.py": (
            "class InfinityType:\n    def __lt__(self, other):\n        return False\n\n"
            "    def __neg__(self):\n        return NegativeInfinityType()\n\n\n"
            "class NegativeInfinityType:\n    def __lt__(self, other):\n        return True\n\n\n"
            "class Version:\n    def __init__(self, text):\n        self._key = parse(text)\n\n"
            "    @property\n    def pre(self):\n        return self._key.pre\n"),
        **{f"rel/release_{i}.py": "".join(
            f"def version_step_{i}_{j}(release):\n    \"\"\"Order each release by its version: the value sorts "
            f"after every other value.\"\"\"\n    return release.version < {j}\n\n\n"
            for j in range(8)) for i in range(6)},
    })
    api.index_repo(repo, "rel", settings, embed=False)
    index = api.open_index("rel", settings)
    vendored = "rel/externals/packaging/version.py"
    assert top(index, "How does InfinityType keep its order after every other value when negated?", 1) == [vendored]
    ranked = retriever_for(index).rank("Why does the Version class read pre, post and dev values on access?")
    assert ranked[0].path == vendored
    assert "Version" in ranked[0].symbols and "role: vendored" in ranked[0].reasons
    assert vendored not in top(index, "How are release versions ordered after every other value?", 5)


def test_words_that_spell_out_a_class_only_the_docs_define_do_not_ask_about_the_docs(tmp_path: Path,
                                                                                     settings: Settings) -> None:
    """"plugin arguments" spells `PluginArguments`, a class only a Sphinx extension under docs/ defines; the question
    is about the plugins' arguments, not the docs, so the docs file keeps its role's weight (streamlink ranked its docs
    extension first for such a question). Written as code, `PluginArguments` asks about that file."""
    repo = write_files(tmp_path / "plug", {
        "docs/ext/ext_plugins.py": "class PluginArguments:\n    def visit(self, node):\n        return node\n",
        "plug/registry.py": "def register(plugin):\n    return plugin.arguments.add(\"--twitch-disable-ads\")\n",
        **{f"plug/other_{i}.py": f"def other_{i}(plugin):\n    return plugin\n" for i in range(4)},
    })
    api.index_repo(repo, "plug", settings, embed=False)
    index = api.open_index("plug", settings)
    spelled, written = "Where are plugin arguments like --twitch-disable-ads registered and parsed?", \
        "What does `PluginArguments` do?"
    both = "Where are plugin arguments (`PluginArguments`) visited?"
    asked: dict[str, set[str]] = {spelled: set(), written: set(), both: set()}
    for question, named in asked.items():
        retriever_for(index)._symbol_signal(question, read_cues(question), {}, named)
    docs = {"docs/ext/ext_plugins.py"}
    assert asked == {spelled: set(), written: docs, both: docs}  # weighed as asked about only when written as code
    assert top(index, spelled, 1) == ["plug/registry.py"] and top(index, written, 1) == ["docs/ext/ext_plugins.py"]


def test_cues_read_from_a_realistic_issue() -> None:
    cues = read_cues("`xr.where(cond, x, y, keep_attrs=True)` fails in xarray/core/computation.py\n"
                     "Setting `numfig = True` prints \"no number is assigned\" with --collect-only.")
    assert "xarray/core/computation.py" in cues.paths and "where" in cues.code_names
    assert {"no number is assigned", "--collect-only", "keep_attrs"} <= set(cues.literals)
    prose = read_cues("Is savefig.bbox read before setup.py runs, e.g. in plt.show()?").literals
    assert "savefig.bbox" in prose and not {"setup.py", "e.g", "plt.show"} & set(prose), prose
    assert read_cues("How are the tests organised?").roles == {"test"}
    assert read_cues("Why does test_mean_shift pass a global dtype?").roles == {"test"}
    assert read_cues("What does TestParser cover?").roles == {"test"}
    assert read_cues("Is this design testable?").roles == set()


def test_excerpts_keep_whole_definitions_and_what_they_call(tmp_path: Path, settings: Settings) -> None:
    long_body = "\n".join(f"    step_{i} = normalise(value, {i})" for i in range(120))
    repo = write_files(tmp_path / "big", {"big/engine.py": FILLER + "\n\ndef normalise(value, n):\n    return value * n\n\n\n"
                                    f"def transform_everything(value):\n{long_body}\n    return value\n\n" + FILLER})
    api.index_repo(repo, "big", settings, embed=False)
    index = api.open_index("big", settings)
    question = "What does transform_everything do with the value?"
    ranked = retriever_for(index).rank(question)
    for budget in (4_000, 13_000):
        packed = pack_context(index, ranked, question, budget)
        doc = next(d for d in packed.documents if d.path == "big/engine.py")
        held = {int(n) for n in re.findall(r"^(\d+)\|", doc.text, re.M)}
        symbols = {s.name: s for s in index.db.symbols("big/engine.py")}
        whole = symbols["transform_everything"]
        assert set(range(whole.start_line, whole.end_line + 1)) <= held  # never cut in half
        callee = symbols["normalise"]
        assert set(range(callee.start_line, callee.end_line + 1)) <= held  # what it calls comes along
        assert packed.tokens_used <= budget


def excerpt_at_13k(tmp_path: Path, settings: Settings, path: str, code: str,
                   question: str) -> tuple[api.Index, PackedDoc]:
    """Index ``code`` after 900 one-line converters (~18k tokens, too big to go whole at 13k) and pack
    ``question`` at 13k: the index and the file's excerpt."""
    converters = "".join(f"def convert_{i}(value):\n    return value + {i}\n\n\n" for i in range(900))
    name = path.split("/")[0]
    api.index_repo(write_files(tmp_path / name, {path: converters + code}), name, settings, embed=False)
    index = api.open_index(name, settings)
    packed = pack_context(index, retriever_for(index).rank(question), question, 13_000)
    assert packed.tokens_used <= 13_000
    doc = next(d for d in packed.documents if d.path == path)
    assert not doc.whole
    return index, doc


def test_an_excerpt_holds_a_big_class_the_question_names_whole_where_it_fits(tmp_path: Path,
                                                                               settings: Settings) -> None:
    """A class of more than MAX_SYMBOL_LINES is not a unit of an excerpt, its methods are; but a question about
    the class (an issue about one of its parameters) needs all of it: its docstring and class attributes too."""
    params = "\n".join(f"    option_{i} : int\n        How many rows option {i} keeps." for i in range(30))
    reader = (f"class LedgerReader:\n    \"\"\"Reads a ledger.\n\n    Parameters\n    ----------\n{params}\n    \"\"\"\n\n"
              "    _constraints = {\n" + "".join(f"        'option_{i}': [int],\n" for i in range(30)) + "    }\n\n"
              "    def __init__(self, keep_history=False):\n        self.keep_history = keep_history\n\n"
              "    def read(self, ledger):\n        return [entry for entry in ledger if self.keep_history]\n")
    index, doc = excerpt_at_13k(tmp_path, settings, "books/reader.py", reader,
                                "LedgerReader.read drops every entry unless keep_history is set")
    held = {int(n) for n in re.findall(r"^(\d+)\|", doc.text, re.M)}
    cls = next(s for s in index.db.symbols("books/reader.py") if s.name == "LedgerReader")
    assert cls.end_line - cls.start_line > MAX_SYMBOL_LINES
    assert set(range(cls.start_line, cls.end_line + 1)) <= held


def test_an_excerpt_keeps_a_definitions_decorators(tmp_path: Path, settings: Settings) -> None:
    """A definition starts at its ``def``; shown without ``@property`` it reads as something else."""
    ledger = ("class Ledger:\n    @property\n    def balance_total(self):\n        return sum(self.rows)\n\n"
              "    @pytest.mark.parametrize(\n        'rows', [[1], [2, 3]],\n    )\n    @staticmethod\n"
              "    def check_balance_rows(rows):\n        return all(rows)\n")
    _, doc = excerpt_at_13k(tmp_path, settings, "deco/ledger.py", ledger,
                            "How are balance_total and check_balance_rows computed?")
    text = "\n".join(line.split("|", 1)[1] for line in doc.text.splitlines() if re.match(r"^\d+\|", line))
    assert "    @property\n    def balance_total(self):" in text
    assert "    @staticmethod\n    def check_balance_rows(rows):" in text
    assert "    )\n    @staticmethod" not in text  # a decorator longer than the lines searched is left out whole


def test_a_large_budget_fills_with_many_files_by_rank(tmp_path: Path, settings: Settings) -> None:
    files = {f"pkg/mod_{i}.py": f"def table_{i}(value):\n    return value\n" + FILLER for i in range(60)}
    repo = write_files(tmp_path / "wide", files)
    api.index_repo(repo, "wide", settings, embed=False)
    index = api.open_index("wide", settings)
    ranked = retriever_for(index).rank("How is the table value converted?")
    assert len(ranked) == 60  # files no signal reached follow by centrality
    small, large = (pack_context(index, ranked, "How is the table value converted?", b) for b in (13_000, 150_000))
    assert len(large.documents) == 60 > len(small.documents)
    assert large.tokens_used <= 150_000


def test_retrievers_of_many_indexes_stay_within_the_memory_bound(tmp_path: Path, settings: Settings,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from onboard.retrieve.hybrid import cached_retrievers

    for n in range(3):
        write_files(tmp_path / f"r{n}", {f"pkg/mod_{n}.py": FILLER})
        api.index_repo(tmp_path / f"r{n}", f"r{n}", settings, embed=False)
    monkeypatch.setenv("ONBOARD_RETRIEVER_MEMORY_MB", "0")  # room for the one in use only
    for n in range(3):
        retriever_for(api.open_index(f"r{n}", settings)).rank("table value")
    held = [path for path, _ in cached_retrievers() if path.startswith(str(settings.home.resolve()))]
    assert held == [str(settings.index_dir("r2").resolve())]
    monkeypatch.setenv("ONBOARD_RETRIEVER_MEMORY_MB", "1024")
    for n in range(3):
        retriever_for(api.open_index(f"r{n}", settings))
    assert len([p for p, _ in cached_retrievers() if p.startswith(str(settings.home.resolve()))]) == 3


def test_what_the_matching_code_calls_ranks_next_with_its_definitions(tmp_path: Path, settings: Settings,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The question's words match one function; the helpers it calls, in files whose words match
    nothing, follow it (below it), with the called definitions marked for the excerpt. (The signal is
    for big repositories; this one stands for one.)"""
    from onboard.retrieve import hybrid

    monkeypatch.setattr(hybrid, "CALL_MIN_FILES", 10)
    helpers = {f"proj/util_{i}.py": f"def unrelated_{i}(x):\n    return x\n" for i in range(12)}
    repo = write_files(tmp_path / "calls", {
        **helpers,
        "proj/report.py": "".join(f"from proj.util_{i} import unrelated_{i}\n" for i in range(12))
        + "from proj.totals import accumulate_amounts\n\n\n"
        "def render_invoice_summary(invoice):\n    \"\"\"Render the invoice summary shown to customers.\"\"\"\n"
        "    return accumulate_amounts(invoice.lines)\n\n\n"
        + "".join(f"def other_{i}(x):\n    return unrelated_{i}(x)\n\n\n" for i in range(12)),
        "proj/totals.py": FILLER + "\n\ndef accumulate_amounts(rows):\n    return sum(r.amount for r in rows)\n",
    })
    api.index_repo(repo, "calls", settings, embed=False)
    ranked = retriever_for(api.open_index("calls", settings)).rank("How is the invoice summary rendered for customers?")
    order = [r.path for r in ranked]
    assert order[0] == "proj/report.py"
    assert order.index("proj/totals.py") < min(order.index(p) for p in helpers)
    callee = ranked[order.index("proj/totals.py")]
    assert "accumulate_amounts" in callee.symbols
    assert any("matching code in proj/report.py" in reason for reason in callee.reasons)


def test_cython_sources_are_searchable(tmp_path: Path, settings: Settings) -> None:
    repo = write_files(tmp_path / "cy", {"pkg/_splitter.pyx": "cdef class BestSplitter:\n"
                                   "    cdef int node_reset(self, SIZE_t start) nogil:\n        return 0\n",
                                   "pkg/core.py": FILLER})
    api.index_repo(repo, "cy", settings, embed=False)
    assert top(api.open_index("cy", settings), "Where does BestSplitter reset a node?", 1) == ["pkg/_splitter.pyx"]


def test_an_excerpt_too_big_to_go_whole_grows_with_a_large_budget(tmp_path: Path, settings: Settings) -> None:
    """At 150k a 100k-token module cannot go whole; the depth pass shows more of its relevant definitions
    instead of leaving it at the few thousand tokens breadth gave it."""
    body = "\n".join(f"    total_{j} = ledger.balance_entry(account, {j})" for j in range(30))
    defs = "".join(f"def reconcile_ledger_{i}(ledger, account):\n    \"\"\"Reconcile the ledger balance.\"\"\"\n"
                   f"{body}\n    return ledger\n\n\n" for i in range(240))
    repo = write_files(tmp_path / "huge", {"huge/ledger.py": defs, "huge/other.py": FILLER})
    api.index_repo(repo, "huge", settings, embed=False)
    index = api.open_index("huge", settings)
    question = "How is the ledger balance reconciled for an account?"
    ranked = retriever_for(index).rank(question)
    assert ranked[0].path == "huge/ledger.py"
    doc = next(d for d in pack_context(index, ranked, question, 150_000).documents if d.path == "huge/ledger.py")
    assert not doc.whole and doc.tokens > 10_000


def test_a_big_file_nothing_matched_inside_goes_in_as_its_outline(tmp_path: Path, settings: Settings) -> None:
    """A module reached through the graph (no words of the question inside) and too big to go whole
    used to be left out; with a large budget it goes in as its signatures, so the answer knows what it
    offers."""
    methods = "".join(f"    def step_{i}(self, payload):\n" + "".join(f"        payload = payload + {j}\n"
                                                                       for j in range(100)) + "        return payload\n\n"
                      for i in range(100))  # ~80k tokens: more than one file may take of 150k
    repo = write_files(tmp_path / "outline", {
        "app/checkout.py": "import app.engine\n\n\ndef complete_checkout(basket):\n"
                           "    \"\"\"Complete the checkout of a customer basket.\"\"\"\n    return app.engine, basket\n",
        "app/engine.py": f"class Engine:\n{methods}",
    })
    api.index_repo(repo, "outline", settings, embed=False)
    index = api.open_index("outline", settings)
    question = "How is a customer basket checked out?"
    ranked = retriever_for(index).rank(question)
    assert "app/engine.py" not in pack_context(index, ranked, question, 3_000).paths()  # no room: the next file's
    packed = pack_context(index, ranked, question, 150_000)
    doc = next(d for d in packed.documents if d.path == "app/engine.py")
    assert not doc.whole and "def step_7(self, payload):" in doc.text and "payload + 3" not in doc.text
    assert doc.reason.endswith("(outline)") and "outline: signatures only" in doc.text


def test_an_issue_gets_more_of_its_best_file_than_a_one_line_question(tmp_path: Path, settings: Settings) -> None:
    """An issue (a title, then its details) is about one place in the code: from 27k up, its best files'
    excerpts hold more whole definitions than a one-line question's, which needs breadth instead."""
    repo = write_files(tmp_path / "issue", {"books/reduce.py": ledger_steps("ledger"), "books/other.py": FILLER})
    api.index_repo(repo, "issue", settings, embed=False)
    index = api.open_index("issue", settings)

    def excerpt(question: str, budget: int) -> tuple[int, int]:
        ranked = retriever_for(index).rank(question)
        doc = next(d for d in pack_context(index, ranked, question, budget).documents if d.path == "books/reduce.py")
        whole = [n for n in range(40) if all(f"apply_entry({n}, {j})" in doc.text for j in range(50))]
        assert not doc.whole and all(f"def reduce_ledger_step_{n}(" in doc.text for n in whole)
        return len(whole), doc.tokens

    one_line = "How is the ledger reduced step by step with apply_entry?"
    assert excerpt(LEDGER_ISSUE, 27_000)[0] > excerpt(one_line, 27_000)[0] >= 3
    # a small budget keeps its breadth
    assert excerpt(LEDGER_ISSUE, 13_000) == excerpt(LEDGER_ISSUE.replace("\n", " "), 13_000)


def test_an_issue_gets_more_of_its_third_best_file_than_a_one_line_question(tmp_path: Path,
                                                                          settings: Settings) -> None:
    """From 27k up, an issue's third best file's excerpt, too, holds more whole definitions than a one-line
    question's; before, only its two best files' excerpts did, and on dev_large fewer issues had their gold
    definitions whole at 27k and 50k."""
    repo = write_files(tmp_path / "issue", {f"books/reduce_{book}.py": ledger_steps(book)
                                            for book in ("cash", "bank", "card")})
    api.index_repo(repo, "issue", settings, embed=False)
    index = api.open_index("issue", settings)

    def third(question: str) -> int:
        ranked = retriever_for(index).rank(question)
        doc = next(d for d in pack_context(index, ranked, question, 27_000).documents if d.path == ranked[2].path)
        return sum(all(f"apply_entry({n}, {j})" in doc.text for j in range(50)) for n in range(40))

    assert third(LEDGER_ISSUE) > third("How is the ledger reduced step by step with apply_entry?") >= 1


def test_an_outline_too_long_for_its_room_keeps_the_top_level_signatures(tmp_path: Path, settings: Settings) -> None:
    """Signatures are sized at a guessed dozen tokens a line; long ones overshoot the guess, and a file
    nothing matched inside was then left out of the pack (sqlfluff's cli/commands.py, ranked 34 at 200k).
    Its top-level definitions fit, so they go in."""
    long_args = ", ".join(f"option_number_{k}=None" for k in range(8))  # ~70 tokens a signature
    methods = "".join(f"    def handle_request_{i}(self, {long_args}):\n        return {i}\n\n" for i in range(15))
    repo = write_files(tmp_path / "long", {"svc/server.py": "".join(f"class Handler{c}:\n{methods}\n" for c in range(2))})
    api.index_repo(repo, "long", settings, embed=False)
    index = api.open_index("long", settings)
    found_by_the_graph = RankedFile("svc/server.py", 0.1, ["linked in the dependency graph to svc/app.py"])
    lines = (repo / "svc/server.py").read_text().split("\n")[:-1]
    doc = _focused(index, found_by_the_graph, lines, 400, "ranked", last_resort=True)
    assert doc is not None and doc.tokens <= 400 and doc.reason.endswith("(outline)")
    assert "class Handler1:" in doc.text and "def handle_request_" not in doc.text


@pytest.mark.parametrize(("budget", "body_lines", "files_at_least"),
                         [(150_000, 12, 120), (150_000, 40, 70), (27_000, 12, 18), (27_000, 40, 14)])
def test_a_budget_ends_with_a_long_tail_of_short_excerpts(tmp_path: Path, settings: Settings, budget: int,
                                                          body_lines: int, files_at_least: int) -> None:
    """Past what breadth and depth hold, a budget from 10k keeps a share for many more files as short
    excerpts, or as outlines where no relevant definition fits (the 40-line definitions here): the gold file
    of a long question often ranks 40-100 at 200k, 8-20 at 27k. (Breadth and depth alone held 44 and 32 files at
    150k; at 27k, before the tail came to budgets under 100k, 12 and 5 files, none of them short.)"""
    def module(i: int) -> str:
        return "".join(f"def settle_invoice_{i}_{j}(invoice, ledger):\n    \"\"\"Settle the invoice in the ledger.\"\"\"\n"
                       + "".join(f"    ledger = ledger.post(invoice, {k})\n" for k in range(body_lines))
                       + "    return ledger\n\n\n" for j in range(12))
    repo = write_files(tmp_path / "tail", {f"billing/part_{i:03}.py": module(i) for i in range(150)})
    api.index_repo(repo, "tail", settings, embed=False)
    index = api.open_index("tail", settings)
    question = "How is an invoice settled in the ledger?"
    ranked = retriever_for(index).rank(question)
    packed = pack_context(index, ranked, question, budget)
    tail = [d for d in packed.documents if d.tokens <= TAIL_DOC]
    assert len(packed.documents) >= files_at_least and len(tail) >= files_at_least // 2
    assert all(not d.whole and d.reason.endswith(("(excerpt)", "(outline)")) for d in tail)
    assert packed.tokens_used <= budget


@pytest.mark.parametrize("decorator", ["", "@functools.cache\n"])
def test_a_file_of_too_many_definitions_for_an_outline_keeps_the_signatures_of_its_relevant_ones(
        tmp_path: Path, settings: Settings, decorator: str) -> None:
    """A big C++-style file of 120 top-level definitions found by the words of the question, in the pack's
    tail where each file has 400 tokens: its relevant definition does not fit whole and all its signatures
    would not either, so it was left out (matplotlib's src/tri/_tri.cpp at rank 36 of 200k). The signature
    of what matched says where the answer lives."""
    body = "".join(f"    total = total + weight_{j}\n" for j in range(60))
    functions = "".join(f"def helper_number_{i}(total):\n    return total + {i}\n\n\n" for i in range(119))
    repo = write_files(tmp_path / "tri", {"tri/contour.py": functions + decorator + "def contour_segments_and_kinds(total):\n"
                                                                        f"    '''Contour segments.'''\n{body}    return total\n"})
    api.index_repo(repo, "tri", settings, embed=False)
    index = api.open_index("tri", settings)
    ranked = next(r for r in retriever_for(index).rank("contour segments and kinds") if r.path == "tri/contour.py")
    lines = (repo / "tri/contour.py").read_text().split("\n")[:-1]
    doc = _focused(index, ranked, lines, 400, "ranked", last_resort=True)
    assert doc is not None and doc.tokens <= 400 and doc.reason.endswith("(outline)")
    assert "def contour_segments_and_kinds(total):" in doc.text and "weight_3" not in doc.text


def test_an_issue_packs_code_instead_of_the_readme(tmp_path: Path, settings: Settings) -> None:
    """A bug report needs the code it is about: its orientation files get 3 % of the budget, not 10 %, and the
    room goes to more of that code (on dev_large more issues had their gold definitions whole at 13k-50k). A
    one-line question about the project still starts from the README and the manifest."""
    readme = "# Books\n\n" + "The books project keeps ledgers of accounts and reconciles them.\n" * 200
    steps = ledger_steps("ledger")
    repo = write_files(tmp_path / "issue", {
        "books/reduce.py": steps, "books/audit.py": steps.replace("reduce", "audit"),
        "books/close.py": steps.replace("reduce", "close"), "README.md": readme,
        "pyproject.toml": "[project]\nname = \"books\"\n"})
    api.index_repo(repo, "issue", settings, embed=False)
    index = api.open_index("issue", settings)

    def packed(question: str) -> api.PackedContext:
        return pack_context(index, retriever_for(index).rank(question), question, 13_000)

    issue, one_line = packed(LEDGER_ISSUE), packed(LEDGER_ISSUE.replace("\n", " "))
    assert {d.path for d in one_line.orientation} == {"README.md", "pyproject.toml"}
    assert sum(d.tokens for d in issue.orientation) <= 0.03 * 13_000
    assert sum(d.tokens for d in one_line.orientation) > 0.05 * 13_000
    assert sum(d.tokens for d in issue.documents) > sum(d.tokens for d in one_line.documents)


def test_a_family_of_alike_files_does_not_crowd_out_the_module_asked_about(tmp_path: Path,
                                                                          settings: Settings) -> None:
    """Six dialect modules share the question's words; the grammar module it is about comes right after
    the first of them, not after all six. A type stub beside its module ranks below the module's
    neighbours unless the question asks about stubs."""
    dialect = ("class SelectStatementSegment:\n    \"\"\"A select statement segment: its match grammar holds "
               "the optional clauses.\"\"\"\n    match_grammar = Sequence('SELECT', OptionalClause('WHERE'))\n\n\n"
               "class CreateTableSegment:\n    \"\"\"The match grammar of a create table statement segment, "
               "with optional clauses.\"\"\"\n    match_grammar = Sequence('CREATE', OptionalClause('TABLE'))\n")
    repo = write_files(tmp_path / "sql", {
        **{f"sql/dialects/dialect_{name}.py": dialect.replace("Select", f"Select{name.title()}")
           for name in ("ansi", "tsql", "mysql", "oracle", "hive", "trino")},
        "sql/grammar/sequence.py": (
            "class Sequence:\n    \"\"\"Match elements in order.\"\"\"\n\n    def match(self, segments):\n"
            "        for element in self.elements:\n            if element.optional and not segments:\n"
            "                continue  # an optional clause may be absent\n            segments = element.match(segments)\n"
            "        return segments\n"),
        "sql/grammar/sequence.pyi": "class Sequence:\n    def match(self, segments) -> list: ...\n",
        "sql/grammar/base.py": "class Grammar:\n    \"\"\"Base of every grammar.\"\"\"\n\n    def match(self, segments):\n"
                               "        raise NotImplementedError\n",
    })
    api.index_repo(repo, "sql", settings, embed=False)
    index = api.open_index("sql", settings)
    ranked = [r.path for r in retriever_for(index).rank(
        "How does a create table statement segment's match grammar handle optional clauses?")]
    assert ranked.index("sql/grammar/sequence.py") <= FAMILY_FREE, ranked  # after the family's first members
    assert ranked.index("sql/grammar/sequence.pyi") > ranked.index("sql/grammar/base.py"), ranked
    asked = retriever_for(index).rank("What does the type stub of Sequence declare for match?")
    assert asked[0].path == "sql/grammar/sequence.pyi" or asked[1].path == "sql/grammar/sequence.pyi"
    assert "role: stub" in next(r for r in asked if r.path == "sql/grammar/sequence.pyi").reasons


def test_families_are_files_of_one_folder_named_alike() -> None:
    assert family("src/dialects/dialect_ansi.py") == family("src/dialects/dialect_tsql.py") == ("src/dialects", "dialect")
    assert family("rules/layout/LT09.py") == family("rules/layout/LT10.py") == ("rules/layout", "LT")
    assert family("lib/axes/_axes.py") != family("lib/axes/_base.py")
    assert family("tests/test_json_tag.py") == family("tests/test_basic.py") != family("other/test_basic.py")
    assert read_cues("Which type hints does the stub declare?").roles == {"stub"}


def test_the_tests_of_the_best_implementation_file_join_the_top_ten(tmp_path: Path, settings: Settings) -> None:
    """A question about a module's behaviour: its test module (found by name, nearest folder first)
    comes into the top 10 though it shares few of the question's words; another folder's namesake does not."""
    repo = write_files(tmp_path / "plot", {
        "plot/ticker.py": "class AutoLocator:\n    \"\"\"Choose tick locations: nice steps for the view "
                          "interval.\"\"\"\n\n    def tick_values(self, vmin, vmax):\n        return nice_steps(vmin, vmax)\n",
        **{f"plot/axis_{i}.py": f"def draw_ticks_{i}(axis):\n    \"\"\"Draw the tick locations of the view interval "
                                f"with nice steps.\"\"\"\n    return axis.ticks\n" for i in range(12)},
        "plot/tests/test_ticker.py": "def test_zero_first():\n    assert make(0, 1)[0] == 0\n",
        "other/tests/test_ticker.py": "def test_other():\n    assert True\n",
    })
    api.index_repo(repo, "plot", settings, embed=False)
    ranked = retriever_for(api.open_index("plot", settings)).rank(
        "How does AutoLocator choose tick locations with nice steps for the view interval?")
    paths = [r.path for r in ranked]
    assert paths[0] == "plot/ticker.py"
    assert "plot/tests/test_ticker.py" in paths[:10] and "other/tests/test_ticker.py" not in paths[:10], paths
    assert "the tests of plot/ticker.py" in ranked[paths.index("plot/tests/test_ticker.py")].reasons


def test_companion_tests_are_found_by_the_usual_names() -> None:
    tests = Companions(["pkg/store_test.go", "web/src/cart.test.ts", "core/src/test/java/OrderBookTest.java",
                        "sk/feature/tests/test_from_model.py", "a/tests/test_util.py", "a/b/tests/test_util.py"])
    assert tests.of("pkg/store.go") == "pkg/store_test.go"
    assert tests.of("web/src/cart.ts") == "web/src/cart.test.ts"
    assert tests.of("core/src/main/java/OrderBook.java") == "core/src/test/java/OrderBookTest.java"
    assert tests.of("sk/feature/_from_model.py") == "sk/feature/tests/test_from_model.py"
    assert tests.of("a/b/util.py") == "a/b/tests/test_util.py" and tests.of("a/util.py") == "a/tests/test_util.py"
    assert tests.of("a/b/other.py") is None


def test_an_all_caps_word_names_a_constant_not_a_method_of_another_case(tmp_path: Path, settings: Settings) -> None:
    """"SELECT" in a question about SQL is a keyword, not the `select` method of a collection class;
    `DEBUG`, assigned in that case, still finds its module."""
    repo = write_files(tmp_path / "sqlq", {
        "sqlq/collections.py": "class Rows:\n    def select(self, *predicates):\n        return [r for r in self]\n",
        "sqlq/statements.py": "class StatementSegment:\n    \"\"\"A select statement: its clauses in order.\"\"\"\n"
                              "    clauses = ('select', 'from', 'where')\n",
        "sqlq/settings.py": "DEBUG = False\n",
        **{f"sqlq/other_{i}.py": f"def helper_{i}():\n    return {i}\n" for i in range(4)},
    })
    api.index_repo(repo, "sqlq", settings, embed=False)
    ranked = retriever_for(api.open_index("sqlq", settings)).rank("Which clauses does a SELECT statement hold?")
    assert ranked[0].path == "sqlq/statements.py"
    rows = next(r for r in ranked if r.path == "sqlq/collections.py")
    assert "defines Rows.select" not in rows.reasons and ranked.index(rows) > 0, rows.reasons
    named = retriever_for(api.open_index("sqlq", settings)).rank("What does DEBUG turn on?")
    assert named[0].path == "sqlq/settings.py"  # a module constant: found where it is assigned
