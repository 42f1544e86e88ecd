"""Every page of the Streamlit app, run for real by streamlit.testing's AppTest."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from onboard import api
from onboard.config import Settings
from tests.conftest import ROOT
from onboard.web.text import md
from tests.fakeapi import Scripted
from tests.test_web_place import rendered, wait_for_job

APP = str(ROOT / "app.py")


@pytest.fixture
def home(project_index: api.Index, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ONBOARD_HOME", str(project_index.settings.home))
    return project_index.settings.home


def app(page: str | None = None, **params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    if page:
        at.query_params["page"] = page
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_chat_retrieval_only(home: Path) -> None:
    at = app()
    assert not at.exception
    assert "Retrieval-only mode" in at.info[0].value
    at.chat_input[0].set_value("Where are secret-looking strings redacted?").run()
    assert not at.exception
    text = markdown(at)
    assert "Retrieval-only answer" in text and "### The files that matter most" in text
    assert "### Suggested reading order" in text and "**Also in the context" in text
    assert "[" + md("onboard/scan/secrets.py:") in text
    assert "(?page=source&index=onboard&path=onboard%2Fscan%2Fsecrets.py" in text
    assert at.expander and "Context sent" in at.expander[0].label
    assert not at.dataframe[0].value.empty


def test_chat_with_claude_shows_its_work_verified_citations_and_cost(home: Path, fake_anthropic,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_anthropic.url)
    monkeypatch.setenv("ONBOARD_MODEL", "claude-sonnet-test")
    fake_anthropic.state.script = [
        Scripted("Let me check the walker.", [("search_code", {"query": "symlink loop"}),
                                              ("read_file", {"path": "onboard/scan/walker.py", "start_line": 1,
                                                             "end_line": 12})]),
        Scripted("The walker starts at `onboard/scan/walker.py:1-12`; see also `onboard/scan/walker.py:9000-9001`."),
    ]
    at = app()
    assert not at.info  # no retrieval-only banner with a key
    assert any("may read further: up to 6 tool rounds" in c.value for c in at.caption)
    at.chat_input[0].set_value("How does the indexer handle a crash?").run()
    assert not at.exception
    text = markdown(at)
    assert f"[{md('onboard/scan/walker.py:1-12')}](?page=source&index=onboard&path=onboard%2Fscan%2Fwalker.py" in text
    assert "`onboard/scan/walker.py:9000-9001` ⚠️" in text  # marked, not linked
    captions = [c.value for c in at.caption]
    assert any(c.startswith("1 of 2 citations verified; ⚠️ unverified: `onboard/scan/walker.py:9000-9001` "
                            "(those lines do not exist)") for c in captions)
    assert any("cache write" in c and "estimated cost \\$" in c and "1 tool round," in c for c in captions)
    work = next(e for e in at.expander if e.label.startswith("Work: 2 steps"))
    assert [t.value for t in work.text][1].startswith("→ read onboard/scan/walker.py:1-12 (")
    at.chat_input[0].set_value("And how is it resumed?").run()
    assert [m.value for m in at.markdown].count("How does the indexer handle a crash?") == 1  # history kept
    assert len(fake_anthropic.state.requests) == 3
    assert fake_anthropic.state.usages[2]["cache_read_input_tokens"] > 0  # the follow-up reads the cache


def test_claude_text_in_the_chat_loads_no_image(home: Path, fake_anthropic, monkeypatch: pytest.MonkeyPatch) -> None:
    """An answer that ends in a Markdown image (what a hostile repository would ask Claude to write, with what it
    read in the address) rendered as an image: the browser fetched it with no click, in the answer and on reload."""
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_anthropic.url)
    fake_anthropic.state.script = [Scripted(
        "The walker is `onboard/scan/walker.py:1-12`. ![logo](http://127.0.0.1:9/p.png?d=secret) ![ref][t]\n\n"
        "[t]: http://127.0.0.1:9/t.png\n\n```rust\nlet first = vec![1, 2][0];\n```")]
    at = app()
    at.chat_input[0].set_value("How does the walker work?").run()
    assert not at.exception
    for shown in (markdown(at), markdown(app())):  # as answered, and as the saved chat shows it again
        assert "[logo](http://127.0.0.1:9/p.png?d=secret)" in shown and "[ref][t]" in shown
        assert "![" not in shown.replace("vec![1, 2][0]", "")
        assert "let first = vec![1, 2][0];" in shown  # code stays as written


def test_definitions_that_share_a_name_and_a_line_are_all_listed(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Two definitions of one name on one line (common in bundled or terse scripts) gave their buttons one key:
    the Source page died in Streamlit's duplicate-key error, on every reload of its URL."""
    repo = tmp_path / "repo"
    (repo / "pkg").mkdir(parents=True)
    (repo / "pkg" / "dup.js").write_text("function dup(){return 1}; function dup(){return 2}\n"
                                         "export function other(){ return dup() }\n")
    settings = Settings.from_env(home=tmp_path / "indexes")
    api.index_repo(repo, "dups", settings, embed=False)
    monkeypatch.setenv("ONBOARD_HOME", str(settings.home))
    at = app("source", index="dups", symbol="dup")
    assert not at.exception and not at.error
    assert [b.label for b in at.button if b.label.startswith("dup ·")] == [f"dup · {md('dup.js')}:1"] * 2


def test_source_viewer_highlights_cited_lines(home: Path) -> None:
    at = app("source", index="onboard", path="onboard/scan/secrets.py", start="20", end="24")
    assert not at.exception and not at.error
    assert at.header[0].value == md("onboard/scan/secrets.py")
    html = at.get("html")[0].proto.body
    for line in range(20, 25):  # the cited lines carry pygments' highlight background
        assert re.search(rf'background-color: #[0-9a-f]{{6}}"><span[^>]*>{line}</span>', html)
    assert not re.search(r'background-color: #[0-9a-f]{6}"><span[^>]*>19</span>', html)
    cited = (ROOT / "onboard/scan/secrets.py").read_text(encoding="utf-8").splitlines()[19:24]
    assert all(word in html for word in re.findall(r"[A-Za-z_]{6,}", " ".join(cited)))  # whatever the file says now
    uses = next(e for e in at.expander if e.label.startswith("Uses and used by"))
    callers = " ".join(m.value for m in uses.markdown)
    assert md("onboard/scan/walker.py::") in callers and "?page=source&index=onboard&path=onboard%2Fscan%2Fwalker.py" in callers


@pytest.mark.parametrize("path", ["../../etc/passwd", "/etc/passwd", "onboard/../../secret.py", "not/indexed.py"])
def test_source_viewer_refuses_paths_outside_the_index(home: Path, path: str) -> None:
    at = app("source", index="onboard", path=path, start="1", end="2")
    assert not at.exception
    assert "is not a file of the indexed repository" in at.error[0].value
    assert not at.get("html")


@pytest.mark.parametrize(("params", "said"), [
    ({"page": "source", "index": "onboard", "path": "x.py [log in](https://evil.example/login) ![t](http://l/t.png)"},
     "is not a file of the indexed repository"),
    ({"page": "chat", "index": "[log in](http:evil.example)"}, "not a valid index name"),
    ({"page": "chat", "index": "![t](http:localhost)"}, "not a valid index name"),
])
def test_a_crafted_link_shows_its_text_in_errors_not_links_or_images(home: Path, params: dict[str, str],
                                                                     said: str) -> None:
    """Every view is a link someone can send: a name or path in it was put in the error box as Markdown, so a
    crafted link showed a working "log in again" link or fetched an image. The message shows it as typed."""
    at = app(**params)
    assert not at.exception and said in at.error[0].value
    tokens = [t for block in MarkdownIt().parse(at.error[0].value) for t in (block.children or [])]
    assert not [t for t in tokens if t.type in ("link_open", "image")]


def test_map_page_renders_and_drills_down(home: Path) -> None:
    at = app("map")
    assert not at.exception
    chart = at.get("graphviz_chart")
    assert chart and "digraph onboard" in chart[0].proto.spec
    assert '"onboard/store"' in chart[0].proto.spec
    assert len(at.get("download_button")) == 3
    assert "Start here" in [s.value for s in at.subheader]
    assert "**[onboard/models.py](" in markdown(at) or "?page=source" in markdown(at)
    at.selectbox(key="map_focus").set_value("onboard/store").run()
    spec = at.get("graphviz_chart")[0].proto.spec
    assert '"onboard/store/indexer.py"' in spec and '"onboard/store"' not in spec


def test_indexes_page_lists_reindexes_and_reports_corruption(tmp_path: Path, shop_repo: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings.from_env(home=tmp_path / "indexes")
    api.index_repo(shop_repo, "shop", settings)
    api.index_repo(shop_repo, "broken", settings, embed=False)
    (settings.index_dir("broken") / "index.sqlite3").write_bytes(b"garbage" * 200)
    monkeypatch.setenv("ONBOARD_HOME", str(settings.home))
    at = app("indexes")
    assert not at.exception
    table = at.dataframe[0].value
    assert set(table["name"]) == {"broken", "shop"}
    assert any(md("onboard reindex --rebuild broken") in e.value for e in at.error)
    (shop_repo / "shop" / "extra.py").write_text("def extra():\n    return 1\n")
    at.selectbox(key="reindex_name").set_value("shop")
    at.button(key="reindex_button").click().run()
    assert not at.exception
    wait_for_job("shop", settings)  # a background job: the page shows how it ended
    at.run()
    assert md("(1 parsed, 6 unchanged") in at.success[0].value


def test_rebuild_from_scratch_twice_keeps_working_vectors(tmp_path: Path, shop_repo: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The web process holds chroma open; a rebuild must not delete the store under it (it did:
    0 vectors after the first rebuild, a raw 'readonly database' traceback after the second)."""
    settings = Settings.from_env(home=tmp_path / "indexes")
    api.index_repo(shop_repo, "shop", settings)
    monkeypatch.setenv("ONBOARD_HOME", str(settings.home))
    at = app("indexes")
    for _ in range(2):
        at.checkbox(key="reindex_rebuild").check()
        at.button(key="reindex_button").click().run()
        assert not at.exception and not at.error
        assert wait_for_job("shop", settings).state == "done"
        at.run()
        assert "vectors fill in the background" in at.success[0].value  # the job does not wait for them
        api.wait_for_vectors("shop", settings)
        index = api.open_index("shop", settings)
        assert index.vectors.count() == index.db.counts()["chunks"] > 0
        assert api.describe("shop", settings).vectors_complete
    assert api.retrieve(index, "checkout total").documents


@pytest.mark.parametrize("name", ["../other-home/x", "/tmp/x", "..", "shop/../shop", "%2e%2e"])
def test_source_viewer_index_must_be_a_name_in_this_home(tmp_path: Path, shop_repo: Path, name: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    other = Settings.from_env(home=tmp_path / "other-home")
    api.index_repo(shop_repo, "x", other, embed=False)
    here = Settings.from_env(home=tmp_path / "indexes")
    api.index_repo(shop_repo, "shop", here, embed=False)
    monkeypatch.setenv("ONBOARD_HOME", str(here.home))
    at = app("source", index=name, path="shop/cart.py", start="1", end="3")
    assert not at.exception
    assert at.error and ("looks like a path" in at.error[0].value or "not a valid index name" in at.error[0].value)
    assert not at.get("html")


def test_unexpected_failure_is_one_sentence_not_a_traceback(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api, "start_here", lambda index: 1 / 0)
    at = app("map")
    assert not at.exception
    assert "Something went wrong (ZeroDivisionError" in at.error[0].value


def test_an_index_can_be_removed_from_the_indexes_page_after_a_second_click(
        tmp_path: Path, shop_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Messages told web users to remove an index, and the app had no way to: now it has, asking once more."""
    settings = Settings.from_env(home=tmp_path / "indexes")
    api.index_repo(shop_repo, "shop", settings)  # with vectors: the app may hold their store open
    api.index_repo(shop_repo, "keep", settings, embed=False)
    before = sorted(p.relative_to(shop_repo) for p in shop_repo.rglob("*"))
    monkeypatch.setenv("ONBOARD_HOME", str(settings.home))
    at = app("chat")  # the chat opens the index, its vectors too, in this process
    at.chat_input[0].set_value("checkout total").run()
    at = app("indexes")
    at.selectbox(key="reindex_name").set_value("shop").run()
    at.button(key="remove_button").click().run()
    assert "Remove the index shop?" in rendered(at.warning[0].value)
    assert api.index_names(settings) == ["keep", "shop"]  # nothing yet
    at.button(key="remove_confirm").click().run()
    assert not at.exception
    assert api.index_names(settings) == ["keep"] and not settings.index_dir("shop").exists()
    assert any("Removed shop." in rendered(s.value) for s in at.success)
    assert sorted(p.relative_to(shop_repo) for p in shop_repo.rglob("*")) == before
    at.button(key="remove_button").click().run()
    at.button(key="remove_cancel").click().run()
    assert api.index_names(settings) == ["keep"] and not at.warning
