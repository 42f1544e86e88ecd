"""The web app as a place to live in: where you are is in the URL, the chat is kept per index, the
source viewer browses and finds definitions, indexing runs as a background job, and names show literally.

Real AppTest runs, real SQLite, a real detached indexing process on a real repository.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from onboard import api
from onboard.config import Settings
from onboard.errors import OnboardError
from onboard.store.layout import index_lock
from onboard.web.text import link, md
from tests.conftest import ROOT, write_files

APP = str(ROOT / "app.py")
HOSTILE = "shop/odd_[x]*<b>__init__.py"


@pytest.fixture
def shop_home(tmp_path: Path, shop_repo: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The shop repository (plus a file whose name is Markdown) indexed without vectors: quick."""
    (shop_repo / HOSTILE).write_text("def __weird__(x):\n    return x\n")
    settings = Settings.from_env(home=tmp_path / "indexes")
    api.index_repo(shop_repo, "shop", settings, embed=False)
    monkeypatch.setenv("ONBOARD_HOME", str(settings.home))
    return settings


def app(**params: str) -> AppTest:
    """A new browser session opened at a URL with these params."""
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def submit(at: AppTest) -> AppTest:
    return next(b for b in at.button if b.label == "Index").click().run()


def params(at: AppTest) -> dict[str, str]:
    return {key: value for key, value in at.query_params.items()}


def rendered(markdown: str) -> str:
    """What a CommonMark renderer shows for ``markdown``, as plain text."""
    tokens = MarkdownIt("commonmark").parseInline(markdown)
    return "".join(child.content for token in tokens for child in token.children or [] if child.type == "text")


# -- the URL ---------------------------------------------------------------------------------------

def test_a_deep_link_opens_where_it_points_and_the_url_follows_each_move(shop_home: Settings) -> None:
    at = app(page="source", index="shop", path="shop/cart.py", start="9", end="10")
    assert not at.exception and not at.error
    assert at.header[0].value == md("shop/cart.py")
    assert at.radio(key="page").value == "source" and at.selectbox(key="repo").value == "shop"
    assert params(at) == {"page": "source", "index": "shop", "path": "shop/cart.py", "start": "9", "end": "10"}

    at.button(key="tree:file:shop/broken.py").click().run()  # state → URL
    assert at.header[0].value == md("shop/broken.py")
    assert params(at)["path"] == "shop/broken.py" and params(at)["start"] == "1"

    at.radio(key="page").set_value("map").run()  # another page drops the source viewer's params
    assert params(at) == {"page": "map", "index": "shop"}

    reloaded = app(**params(at))  # a reload is a new session on the same URL
    assert reloaded.radio(key="page").value == "map" and not reloaded.exception


def test_back_and_forward_in_one_session_follow_the_url(shop_home: Settings) -> None:
    at = app(page="map", index="shop")
    at.query_params.clear()  # the browser went back to an earlier address: Streamlit reruns with it
    at.query_params.update(page="source", index="shop", path="shop/cart.py", start="6", end="6")
    at.run()
    assert at.radio(key="page").value == "source"
    assert at.header[0].value == md("shop/cart.py")


def test_a_link_to_an_unknown_index_says_so_and_then_lets_go(shop_home: Settings) -> None:
    at = app(page="chat", index="nothere")
    assert "nothere" in at.error[0].value
    assert params(at)["index"] == "shop"  # the address now names the index on screen
    at.run()
    assert not at.error


# -- the chat history ------------------------------------------------------------------------------

def test_chat_history_survives_a_new_session_and_can_be_cleared(shop_home: Settings) -> None:
    question = "How is the cart total computed?"
    at = app(page="chat", index="shop")
    at.chat_input[0].set_value(question).run()
    assert not at.exception
    assert params(at)["q"] == question

    reloaded = app(**params(at))  # reload: the conversation is there and the question is not asked again
    texts = [m.value for m in reloaded.markdown]
    assert texts.count(md(question)) == 1 and any("Retrieval-only answer" in t for t in texts)
    assert len(api.chat_history(api.open_index("shop", shop_home))) == 1

    reloaded.button(key="clear_chat").click().run()
    assert md(question) not in [m.value for m in reloaded.markdown]
    assert "q" not in params(reloaded)
    assert api.chat_history(api.open_index("shop", shop_home)) == []
    assert md(question) not in [m.value for m in app(page="chat", index="shop").markdown]


def test_a_link_carrying_a_question_asks_it_once(shop_home: Settings) -> None:
    question = "Where is a card charged?"
    at = app(page="chat", index="shop", q=question)
    assert any("Retrieval-only answer" in m.value for m in at.markdown)
    app(page="chat", index="shop", q=question)  # reloaded
    history = api.chat_history(api.open_index("shop", shop_home))
    assert [turn.question for turn in history] == [question]
    assert any(c.path == "shop/payments/gateway.py" for c in history[0].citations)


def test_a_rebuild_keeps_the_chat_and_remove_deletes_it(shop_home: Settings) -> None:
    index = api.open_index("shop", shop_home)
    api.save_answer(index, api.Conversation(index, shop_home).ask("Where is a card charged?"))
    api.reindex("shop", shop_home, rebuild=True, embed=False)
    assert [t.question for t in api.chat_history(api.open_index("shop", shop_home))] == ["Where is a card charged?"]
    assert api.remove_index("shop", shop_home) == []  # nothing left behind, no foreign-file warning
    assert not shop_home.index_dir("shop").exists()


# -- the source viewer -----------------------------------------------------------------------------

def test_file_tree_browses_folder_by_folder(shop_home: Settings) -> None:
    at = app(page="source", index="shop")
    assert "Open a file" in at.info[0].value
    assert at.button(key="tree:dir:shop") and not at.get("html")
    at.button(key="tree:dir:shop").click().run()
    assert params(at)["folder"] == "shop"
    assert at.button(key="tree:dir:shop/payments").label == md("payments/ (2)")
    at.button(key="tree:file:shop/cart.py").click().run()
    assert at.header[0].value == md("shop/cart.py") and at.get("html")
    at.button(key="tree:crumb:").click().run()  # the breadcrumb back to the root
    assert at.button(key="tree:dir:shop") and params(at)["folder"] == "."
    at.text_input(key="tree_filter").input("gate").run()
    assert [b.key for b in at.button if b.key.startswith("tree:file:")] == ["tree:file:shop/payments/gateway.py"]


def test_symbol_search_finds_definitions_and_opens_them_at_their_lines(shop_home: Settings) -> None:
    at = app(page="source", index="shop")
    at.text_input(key="symbol_query").input("__init__").run()
    assert params(at)["symbol"] == "__init__"
    results = [b for b in at.button if b.key.startswith("symbol:")]
    assert results[0].label.startswith(md("Cart.__init__"))  # `_` is literal in LIKE, not a wildcard
    assert all("\\_\\_init\\_\\_" in b.label or "\\_\\_weird\\_\\_" in b.label for b in results)
    results[0].click().run()
    assert params(at)["path"] == "shop/cart.py" and params(at)["start"] == "9"
    assert at.header[0].value == md("shop/cart.py")
    reloaded = app(**params(at))  # the query comes back with the place
    assert reloaded.text_input(key="symbol_query").value == "__init__"
    at.text_input(key="symbol_query").input("zzz_nothing").run()
    assert any("No definition named like" in c.value for c in at.caption)


def test_hostile_names_render_literally(shop_home: Settings) -> None:
    for name in (HOSTILE, "__init__", "a*b*c", "[x](javascript:y)", "<script>", ":red[no]", "$x$", "# h", "1. x"):
        assert rendered(md(name)) == name, name
    assert rendered(link("pkg/__init__.py:1-3", "?x=1")) == "pkg/__init__.py:1-3"
    at = app(page="source", index="shop", path=HOSTILE)
    assert not at.error
    assert rendered(at.header[0].value) == HOSTILE
    assert at.button(key=f"tree:file:{HOSTILE}").label == md("odd_[x]*<b>__init__.py")


# -- indexing in the background --------------------------------------------------------------------

def big_repo(root: Path, files: int = 1500) -> Path:
    """Enough files that parsing takes seconds, so a cancel lands mid-way."""
    package = root / "pkg"
    package.mkdir(parents=True)
    body = "".join(f"def f{j}(x):\n    \"\"\"Add {j}.\"\"\"\n    return x + {j}\n\n" for j in range(20))
    for i in range(files):
        (package / f"m{i}.py").write_text(body.replace("def f", f"def m{i}_f"))
    return root


def wait_for_job(name: str, settings: Settings, until=lambda job: not job.running, seconds: float = 120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = api.indexing_progress(name, settings)
        if job and until(job):
            return job
        time.sleep(0.1)
    raise TimeoutError(api.indexing_progress(name, settings))


def test_indexing_job_runs_detached_reports_progress_and_ends_done(tmp_path: Path, shop_repo: Path) -> None:
    settings = Settings.from_env(home=tmp_path / "indexes")
    job = api.start_indexing(str(shop_repo), None, settings)
    assert job.running and job.pid and job.name == "shop"
    seen = wait_for_job("shop", settings, lambda j: j.stage in ("scan", "parse", "graph") or not j.running)
    assert seen.total >= 1 or not seen.running
    done = wait_for_job("shop", settings)
    assert done.state == "done" and "Indexed shop: 6 files" in done.message
    assert api.describe("shop", settings).files == 6
    index_lock(settings.index_dir("shop"), "shop").release()  # free: raises IndexLocked otherwise
    with pytest.raises(OnboardError, match="already holds"):
        api.start_indexing(str(tmp_path), "shop", settings)


@pytest.mark.parametrize("path, message", [
    ("", "Type the path"), ("relative/dir", "not an absolute path"), ("/no/such/dir", "There is no folder"),
    ("{repo}/shop/cart.py", "is a file"), ("{home}", "inside the index home"), ("{home}/shop", "inside the index home"),
    ("/", "is the root of the file system, not a repository"),
])
def test_indexing_refuses_a_path_that_is_not_a_repository_folder(tmp_path: Path, shop_repo: Path, path: str,
                                                                 message: str) -> None:
    settings = Settings.from_env(home=tmp_path / "indexes")
    api.index_repo(shop_repo, "shop", settings, embed=False)
    with pytest.raises(OnboardError, match=message):
        api.start_indexing(path.format(repo=shop_repo, home=settings.home), "other", settings)
    assert api.indexing_progress("other", settings) is None


def test_cancel_stops_the_job_frees_the_lock_and_keeps_the_last_index(tmp_path: Path) -> None:
    settings = Settings.from_env(home=tmp_path / "indexes")
    repo = big_repo(tmp_path / "big", files=2000)
    api.index_repo(repo, "big", settings, embed=False)
    before = api.describe("big", settings, check_stale=False)
    for i in range(2000):  # every file changes: the reindex has real work to cancel
        (repo / "pkg" / f"m{i}.py").write_text(f"def changed_{i}(x):\n    return x + {i}\n" * 20)
    api.start_indexing(None, "big", settings)
    wait_for_job("big", settings, lambda j: j.stage == "parse" or not j.running)
    job = api.cancel_indexing("big", settings)
    assert job.state == "cancelled" and "keeps its state of" in job.message
    index_lock(settings.index_dir("big"), "big").release()
    after = api.describe("big", settings, check_stale=False)
    assert after.error is None and (after.files, after.symbols, after.updated_at) == (
        before.files, before.symbols, before.updated_at)
    assert api.retrieve(api.open_index("big", settings), "add numbers").documents


def test_cancel_before_the_job_began_says_so(tmp_path: Path, shop_repo: Path) -> None:
    """A cancel in the second the job is still starting (not yet running our code) ends it too."""
    settings = Settings.from_env(home=tmp_path / "indexes")
    api.start_indexing(str(shop_repo), "shop", settings)
    job = api.cancel_indexing("shop", settings)
    assert job.state == "cancelled" and "cancelled" in job.message, job
    index_lock(settings.index_dir("shop"), "shop").release()
    api.start_indexing(str(shop_repo), "shop", settings)  # and it can be started again
    assert wait_for_job("shop", settings).state == "done"


def test_indexes_page_runs_a_job_shows_progress_and_cancels_it(tmp_path: Path, shop_repo: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings.from_env(home=tmp_path / "indexes")
    monkeypatch.setenv("ONBOARD_HOME", str(settings.home))
    settings.home.mkdir(parents=True)
    at = app(page="indexes")
    at.text_input(key="new_path").input(str(settings.home))
    submit(at)
    assert "inside the index home" in at.error[0].value

    at.text_input(key="new_path").input(str(big_repo(tmp_path / "big", files=2500)))
    submit(at)
    assert any("in the background" in i.value for i in at.info)
    wait_for_job("big", settings, lambda j: j.stage == "parse" or not j.running)
    at = app(page="indexes")  # a reload finds the job still running
    assert at.get("progress") and "**big**: parse" in at.get("progress")[0].proto.text
    assert "left" in at.get("progress")[0].proto.text
    at.button(key="cancel_job:big").click().run()
    assert any("was cancelled" in w.value for w in at.warning)
    index_lock(settings.index_dir("big"), "big").release()
    assert "index is empty until it is indexed again" in api.indexing_progress("big", settings).message

    at.text_input(key="new_path").input(str(shop_repo))
    submit(at)
    wait_for_job("shop", settings)
    at.run()
    assert any(md("Indexed shop: 6 files") in s.value for s in at.success)


def _interrupt_at_parse(stage: str, done: int, total: int) -> None:
    if stage == "parse":
        raise KeyboardInterrupt


def test_pages_of_an_index_being_rebuilt_show_its_progress_and_a_moved_one_says_so(
        shop_home: Settings, shop_repo: Path, tmp_path: Path) -> None:
    """A web user was told to run `onboard reindex shop` while the app's own rebuild of it ran (the command would
    only meet its lock), and a reindex of a repository that had moved said "There is no folder ...: check the
    path" though nobody had typed one."""
    with pytest.raises(KeyboardInterrupt):  # a rebuild empties the index first: until it ends it is incomplete
        api.reindex("shop", shop_home, rebuild=True, embed=False, progress=_interrupt_at_parse)
    said = rendered(app(page="chat", index="shop").error[0].value)
    assert "never completely built" in said and "in the web app: Indexes, Reindex" in said
    # What a running rebuild leaves for the app: its record and a live process of the job's module.
    job = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "-m", api.IndexJob.__module__])
    try:
        record = {"state": "running", "stage": "parse", "done": 2, "total": 7, "path": str(shop_repo),
                  "rebuild": True, "started": time.time(), "stage_started": time.time(), "updated": time.time(),
                  "pid": job.pid}
        (shop_home.index_dir("shop") / "index-job.json").write_text(json.dumps(record))
        at = app(page="chat", index="shop")
        assert not at.error and not at.exception
        assert "shop is being rebuilt: parse 2/7" in rendered(at.info[0].value)
    finally:
        job.kill()
        job.wait()
    (shop_home.index_dir("shop") / "index-job.json").unlink()

    moved = tmp_path / "moved"
    shop_repo.rename(moved)
    with pytest.raises(OnboardError, match=rf"no longer at {shop_repo}: if it moved, index its new path with the "
                                           "name shop"):
        api.start_indexing(None, "shop", shop_home)


def test_bidirectional_controls_in_names_and_code_are_revealed(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A right-to-left override makes ``rtl\\u202eyp.exe.py`` read as ``rtlyp.exe...`` reversed, and code around
    one read differently from how it runs (Trojan Source): the CLI escaped them, the web app showed them raw."""
    name = "rtl\u202eyp.exe.py"
    repo = write_files(tmp_path / "repo", {name: 'access = "user" # \u202e } \u2066if admin\u2069 \u2066 begin\n'})
    settings = Settings.from_env(home=tmp_path / "indexes")
    api.index_repo(repo, "bidi", settings, embed=False)
    monkeypatch.setenv("ONBOARD_HOME", str(settings.home))
    at = app(page="source", index="bidi", path=name, start="1", end="1")
    assert not at.exception and "bidirectional control characters" in at.warning[0].value
    html = at.get("html")[0].proto.body
    assert "\\u202e" in html and "\u202e" not in html and "\u2066" not in html
    assert "\u202e" not in at.header[0].value and "rtl\\\\u202eyp" in at.header[0].value


def test_a_huge_file_is_offered_as_a_download_not_sent_whole(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Every view of a 4.7 MB file sent all of it to the browser for the "Whole file" panel (8 s a view, 20 s to
    open the panel); the cited window still shows, and the whole file is a download."""
    big = "".join(f"def step_{i}(value):\n    return value + {i}\n\n\n" for i in range(20_000))
    repo = write_files(tmp_path / "repo", {"pkg/big.py": big, "pkg/small.py": "def one():\n    return 1\n"})
    settings = Settings.from_env(home=tmp_path / "indexes")
    api.index_repo(repo, "big", settings, embed=False)
    monkeypatch.setenv("ONBOARD_HOME", str(settings.home))
    at = app(page="source", index="big", path="pkg/big.py", start="401", end="402")
    assert not at.exception and not at.code
    assert ">step_100</span>(value):" in at.get("html")[0].proto.body
    assert at.get("download_button")[0].proto.label.startswith("Download the whole file (80,001 lines")
    whole = app(page="source", index="big", path="pkg/big.py", start="1", end="80001")  # a link asking for all of it
    assert "Lines 1-2000 of the 80,001 asked for are shown." in [c.value for c in whole.caption]
    assert ">step_498</span>" in whole.get("html")[0].proto.body and ">step_600<" not in whole.get("html")[0].proto.body
    small = app(page="source", index="big", path="pkg/small.py", start="1", end="2")
    assert small.code[0].value.startswith("def one():") and not small.get("download_button")
