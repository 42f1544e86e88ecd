"""Adversarial cases: names that are paths, special files, bad file names, odd encodings, damaged
vectors, clumsy CLI use. Each test failed before its fix; together they are the bar for pointing
onboard at a company's code."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from filelock import FileLock
from typer.testing import CliRunner

from onboard import api
from onboard.cli import app
from onboard.config import Settings, default_home
from onboard.errors import IndexLocked, InvalidIndexName, OnboardError
from onboard.scan import scan_repo
from tests.conftest import free_port, write_files

runner = CliRunner()


def cli(settings: Settings, *args: str, stdin: str | None = None):
    return runner.invoke(app, [*args, "--home", str(settings.home)], input=stdin)


def victim_dir(tmp_path: Path) -> Path:
    """A user's directory that onboard must never touch."""
    victim = tmp_path / "precious"
    (victim / "src").mkdir(parents=True)
    (victim / "src" / "work.py").write_text("def work():\n    return 42\n")
    return victim


# -- 1. names are names, never paths ---------------------------------------------------------------

@pytest.mark.parametrize("name", ["/abs/dir", "../x", "~/src/flask", "a/b", "..", ".", "", "x\\y", ".hidden",
                                  "name with space", "ümlaut", "x" * 65])
def test_a_path_or_odd_string_is_not_an_index_name(settings: Settings, name: str) -> None:
    with pytest.raises(InvalidIndexName):
        settings.index_dir(name)
    with pytest.raises(InvalidIndexName):
        api.open_index(name, settings)


def test_remove_and_rebuild_with_a_path_for_a_name_touch_nothing(tmp_path: Path, shop_repo: Path,
                                                                 settings: Settings) -> None:
    victim = victim_dir(tmp_path)
    for name in (str(victim), f"../{victim.name}", "../../" + victim.name):
        removed = cli(settings, "remove", name, "-y")
        assert removed.exit_code == 1 and "looks like a path" in removed.output
        rebuilt = cli(settings, "index", str(shop_repo), "--name", name, "--rebuild", "--no-embed")
        assert rebuilt.exit_code == 1 and "index names are like `flask`" in rebuilt.output
    assert (victim / "src" / "work.py").read_text() == "def work():\n    return 42\n"


def test_open_index_outside_the_home_is_refused(tmp_path: Path, shop_repo: Path, settings: Settings) -> None:
    other = Settings.from_env(home=tmp_path / "other" / "home")
    api.index_repo(shop_repo, "x", other, embed=False)
    relative = os.path.relpath(other.index_dir("x"), settings.home)
    with pytest.raises(InvalidIndexName, match="looks like a path"):
        api.open_index(relative, settings)
    with pytest.raises(InvalidIndexName):
        api.open_index(str(other.index_dir("x")), settings)


def test_remove_deletes_only_what_onboard_wrote(tmp_path: Path, shop_repo: Path, settings: Settings) -> None:
    api.index_repo(shop_repo, "shop", settings, embed=False)
    notes = settings.index_dir("shop") / "my-notes.txt"
    notes.write_text("mine")
    warnings = api.remove_index("shop", settings)
    assert notes.read_text() == "mine" and any("my-notes.txt" in w for w in warnings)
    assert not (settings.index_dir("shop") / "index.sqlite3").exists()
    assert "shop" not in api.index_names(settings)


def test_remove_refuses_a_folder_that_is_not_an_index(settings: Settings) -> None:
    folder = settings.home / "photos"
    folder.mkdir(parents=True)
    (folder / "cat.jpg").write_bytes(b"\xff\xd8")
    with pytest.raises(OnboardError, match="is not an onboard index"):
        api.remove_index("photos", settings)
    assert (folder / "cat.jpg").exists()
    refused = cli(settings, "index", str(folder), "--name", "photos", "--rebuild", "--no-embed")
    assert refused.exit_code == 1 and (folder / "cat.jpg").exists()


def test_remove_waits_for_a_running_index(shop_repo: Path, settings: Settings) -> None:
    api.index_repo(shop_repo, "shop", settings, embed=False)
    with FileLock(str(settings.index_dir("shop") / ".lock")):
        with pytest.raises(IndexLocked):
            api.remove_index("shop", settings)
    assert api.open_index("shop", settings).db.counts()["files"] == 6


def test_default_name_of_an_oddly_named_folder_is_valid(tmp_path: Path, settings: Settings) -> None:
    repo = tmp_path / "My Repo (v2)!"
    repo.mkdir()
    (repo / "a.py").write_text("x = 1\n")
    assert api.index_repo(repo, None, settings, embed=False).name == "My-Repo-v2"


# -- 4-7. odd repositories -----------------------------------------------------------------------------

def finishes(function, seconds: float = 30.0):
    """Run ``function`` in a thread; fail (instead of hanging the suite) if it blocks."""
    result: dict = {}
    thread = threading.Thread(target=lambda: result.setdefault("value", function()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"{function} hung"
    return result["value"]


def test_fifo_socket_and_device_are_skipped_never_opened(tmp_path: Path, settings: Settings) -> None:
    repo = tmp_path / "repo"
    (repo / "pkg").mkdir(parents=True)
    (repo / "pkg" / "mod.py").write_text("def f():\n    return 1\n")
    os.mkfifo(repo / "pkg" / "pipe.py")
    os.mkfifo(repo / ".onboardignore")  # even an ignore file that is a FIFO
    os.symlink(repo / "pkg" / "pipe.py", repo / "link_to_pipe.py")
    os.symlink("/dev/zero", repo / "zero.py")  # leaves the repo, and is a device
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(repo / "pkg" / "server.sock"))
        result = finishes(lambda: scan_repo(repo))
        reasons = {s.path: s.reason for s in result.skipped}
        assert [f.path for f in result.files] == ["pkg/mod.py"]
        assert reasons["pkg/pipe.py"] == "special file (FIFO), never opened"
        assert reasons["link_to_pipe.py"] == "special file (FIFO), never opened"
        report = finishes(lambda: api.index_repo(repo, "odd", settings, embed=False))
        assert report.files == 1
        listed = subprocess.run([str(Path(sys.executable).parent / "onboard"), "list", "--home", str(settings.home)],
                                capture_output=True, text=True, timeout=60)
        assert listed.returncode == 0 and "odd" in listed.stdout


def test_a_file_name_that_is_not_utf8_is_skipped_with_a_reason(tmp_path: Path, settings: Settings) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "good.py").write_text("def good():\n    return 1\n")
    for raw in (b"caf\xe9.py", b"dir\xff"):
        path = os.path.join(os.fsencode(repo), raw)
        if raw.startswith(b"dir"):
            os.mkdir(path)
            path = os.path.join(path, b"inner.py")
        with open(path, "w") as handle:
            handle.write("x = 1\n")
    report = api.index_repo(repo, "names", settings, embed=False)
    assert report.files == 1
    skipped = dict(api.index_stats("names", settings)["skipped_files"])
    assert skipped["caf\ufffd.py"].startswith("file name is not valid UTF-8")
    assert skipped["dir\ufffd"].startswith("file name is not valid UTF-8")


def test_huge_lines_in_any_language_and_utf16(tmp_path: Path, settings: Settings) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "blob.py").write_text("DATA = '" + "a" * 2_000_000 + "'\n")
    (repo / "table.py").write_text("def before():\n    return 1\n\nROW = '" + "b9" * 10_000 + "'\n\n"
                                   "def after():\n    return 2\n")
    (repo / "wide.py").write_bytes("def wide():\n    return 'ü'\n".encode("utf-16"))
    (repo / "wide_be.md").write_bytes(b"\xfe\xff" + "# Title\n".encode("utf-16-be"))
    report = api.index_repo(repo, "lines", settings, embed=False)
    index = api.open_index("lines", settings)
    skipped = dict(api.index_stats("lines", settings)["skipped_files"])
    assert skipped["blob.py"] == "minified"
    table = index.db.file_text("table.py")
    assert table.count("\n") == 7 and "characters not indexed]" in table and len(table) < 2_000
    assert {s.name for s in index.db.symbols("table.py")} >= {"before", "after"}
    assert "return 'ü'" in index.db.file_text("wide.py") and "wide" in {s.name for s in index.db.symbols("wide.py")}
    assert index.db.file_text("wide_be.md").startswith("# Title")
    assert max(len(c.text) for c in index.db.chunks()) < 20_000
    assert report.files == 3


def test_old_mac_line_endings_keep_every_line_apart(tmp_path: Path, settings: Settings) -> None:
    """A file whose lines end in a lone CR (classic Mac OS) read as one long line: every definition was on line 1,
    or the file was skipped as minified. Editors and Python show such lines apart; so does the index."""
    body = "".join(f'def step_{i}(value):\r    """Step {i} of the pipeline."""\r    return value + {i}\r\r'
                   for i in range(40))
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "classic.py").write_bytes(body.encode())
    (repo / "windows.py").write_bytes(b"def first():\r\n    return 1\r\n\r\ndef second():\r\n    return 2\r\n")
    api.index_repo(repo, "mac", settings, embed=False)
    index = api.open_index("mac", settings)
    assert "classic.py" not in dict(api.index_stats("mac", settings)["skipped_files"])
    assert {s.name: s.start_line for s in index.db.symbols("classic.py")}["step_39"] == 39 * 4 + 1
    assert index.db.file_text("classic.py").splitlines()[4] == "def step_1(value):"
    assert {s.name: s.start_line for s in index.db.symbols("windows.py")} == {"first": 1, "second": 4}


def test_names_with_a_colon_open_and_the_guide_builds(tmp_path: Path, settings: Settings) -> None:
    """A colon in a top-level name (``ratio:1.py``, ``tools:v2/``) was taken for a Windows drive: the file could not
    be opened in the source viewer and the whole guide failed to build. Drives and ``..`` are still refused."""
    repo = write_files(tmp_path / "repo", {"tools:v2/__init__.py": "def helper():\n    return 1\n",
                                           "ratio:1.py": "def ratio():\n    return 1\n",
                                           "main.py": "from ratio import ratio\n"})
    api.index_repo(repo, "colon", settings, embed=False)
    index = api.open_index("colon", settings)
    assert "def ratio" in api.read_source(index, "ratio:1.py")
    assert "def helper" in api.read_source(index, "tools:v2/__init__.py")
    assert api.guide_for(index).page("overview")
    for outside in ("C:/Windows/win.ini", "c:", "../repo/main.py", "/etc/passwd"):
        with pytest.raises(OnboardError):
            api.read_source(index, outside)


def test_stale_check_never_scans_the_current_directory(tmp_path: Path, shop_repo: Path, settings: Settings,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    api.index_repo(shop_repo, "shop", settings, embed=False)
    with sqlite3.connect(settings.index_dir("shop") / "index.sqlite3") as db:  # as a first index killed early
        db.execute("DELETE FROM manifest WHERE key = 'root'")
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    for i in range(50):
        (cwd / f"m{i}.py").write_text("x = 1\n")
    monkeypatch.chdir(cwd)
    info = api.describe("shop", settings)
    assert info.stale == 6  # every indexed file, none of the 50 in the current directory


def test_default_home_does_not_depend_on_the_current_directory(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    first = Settings.from_env().home
    monkeypatch.chdir(tmp_path)
    assert Settings.from_env().home == first == default_home() and first.is_absolute()


# -- 10. honest status -------------------------------------------------------------------------------

def test_deleted_vectors_are_reported_and_answers_say_so(shop_repo: Path, settings: Settings) -> None:
    import shutil

    api.index_repo(shop_repo, "shop", settings)
    assert api.describe("shop", settings).vectors_complete
    shutil.rmtree(settings.index_dir("shop") / "chroma")
    info = api.describe("shop", settings)
    assert not info.vectors_complete and "onboard reindex --rebuild shop" in info.vectors_error
    assert "vectors damaged" in api.index_stats("shop", settings)["vectors"]
    listed = cli(settings, "list")
    assert "vectors damaged" in listed.output
    answer = api.ask(api.open_index("shop", settings), "How is the cart total computed?", settings=settings)
    assert "Answered without vectors" in answer.text and answer.notes
    assert answer.packed.documents  # lexical and graph search still answer
    api.reindex("shop", settings)
    assert api.describe("shop", settings).vectors_complete


def test_unreachable_chroma_server_is_reported_and_remove_still_works(shop_repo: Path, settings: Settings) -> None:
    api.index_repo(shop_repo, "shop", settings, embed=False)
    with sqlite3.connect(settings.index_dir("shop") / "index.sqlite3") as db:
        db.execute("UPDATE manifest SET value = 'true' WHERE key = 'vectors_complete'")
    down = Settings.from_env(home=settings.home, chroma_host="127.0.0.1", chroma_port=free_port())
    info = api.describe("shop", down)
    assert "chroma server" in info.vectors_error and not info.vectors_complete
    warnings = api.remove_index("shop", down)
    assert warnings and "not deleted" in warnings[0]
    assert not settings.index_dir("shop").exists()


# -- 12. CLI manners ---------------------------------------------------------------------------------

def test_cli_manners(tmp_path: Path, shop_repo: Path, settings: Settings) -> None:
    assert cli(settings, "index", str(shop_repo), "--name", "shop", "--no-embed").exit_code == 0
    for question in ("", "   ", "\n\t"):
        empty = cli(settings, "ask", "shop", question)
        assert empty.exit_code == 1 and "The question is empty" in empty.output and "Traceback" not in empty.output
    missing = cli(settings, "remove", "ghost", stdin="y\n")
    assert missing.exit_code == 1 and "No index named 'ghost' in " + str(settings.home) in missing.output
    assert "Delete index" not in missing.output  # said before asking
    (tmp_path / "empty").mkdir()
    empty_repo = cli(settings, "index", str(tmp_path / "empty"), "--no-embed")
    assert "has no files onboard can index" in empty_repo.output
    (shop_repo / "logo.png").write_bytes(b"\x89PNG")
    assert cli(settings, "reindex", "shop", "--no-embed").exit_code == 0
    stats = cli(settings, "stats", "shop", "--skipped")
    assert "logo.png" in stats.output and "not a source or documentation file" in stats.output
    listing = cli(settings, "list")
    assert f"indexes in {settings.home}" in listing.output
    for command in ("index", "reindex", "remove", "ask", "stats"):
        assert "<bool>" not in cli(settings, command, "--help").output


_REUSED_BLOCK = """
import ctypes, sys
import chromadb, onboard.store.embedding  # what onboard's vector store loads, but for itself
libc = ctypes.CDLL(None)
libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
text = b"curl -H 'Authorization: Bearer gpGnB7gLkD756qiNl3pjoTjGmSPosuTTzYhbbyn4' https://billing.internal\\n" * 600
block = libc.malloc(len(text))  # a file's raw text, read before any vector was written
ctypes.memmove(block, text, len(text))
libc.free(block)
if sys.argv[1] == "onboard":
    import onboard.store.vectors
again = ctypes.string_at(libc.malloc(len(text)), len(text))  # what chroma gets next, and may write unfilled
print(again.count(b"gpGnB7gLkD756qiNl3pjoTjGmSPosuTTzYhbbyn4"), again.count(b"\\x5a" * 64))
"""


def test_memory_chroma_gets_after_a_repository_was_read_holds_none_of_its_text() -> None:
    """Chroma's segment file once held a README's bearer token: the slots beyond its vectors are whatever the
    allocator handed out, and the process had read the README. Once onboard's vector store loads, memory is
    filled as it is handed out, so what chroma gets carries none of the text the process freed before."""
    def reused(mode: str) -> tuple[int, ...]:
        run = subprocess.run([sys.executable, "-c", _REUSED_BLOCK, mode], capture_output=True, text=True, timeout=120,
                             cwd=Path(__file__).resolve().parents[1])
        assert run.returncode == 0, run.stderr
        return tuple(int(n) for n in run.stdout.split())

    if reused("chroma alone")[0] == 0:
        pytest.skip("this C library hands a freed block back clean anyway")
    leftovers, filled = reused("onboard")
    assert leftovers == 0 and filled > 0


def _interrupt_at_parse(stage: str, done: int, total: int) -> None:
    """A progress callback that acts as Ctrl-C does, in the middle of a run."""
    if stage == "parse":
        raise KeyboardInterrupt


def test_an_index_whose_first_run_or_rebuild_was_interrupted_says_so_and_a_reindex_completes_it(
        shop_repo: Path, settings: Settings) -> None:
    """Ctrl-C during a first index (or a rebuild, which empties the index before it builds) left empty tables
    that answered every question with nothing and listed as a healthy index of 0 files."""
    with pytest.raises(KeyboardInterrupt):
        api.index_repo(shop_repo, "shop", settings, embed=False, progress=_interrupt_at_parse)
    with pytest.raises(OnboardError, match=r"never completely built.*onboard reindex shop"):
        api.open_index("shop", settings)
    assert "never completely built" in (api.list_indexes(settings)[0].error or "")
    assert cli(settings, "stats", "shop").exit_code == 1
    assert api.reindex("shop", settings, embed=False).files == 6
    with pytest.raises(KeyboardInterrupt):
        api.reindex("shop", settings, rebuild=True, embed=False, progress=_interrupt_at_parse)
    with pytest.raises(OnboardError, match="never completely built"):
        api.open_index("shop", settings)
    assert api.reindex("shop", settings, embed=False).files == 6
    assert api.open_index("shop", settings).db.counts()["files"] == 6


def test_a_refused_index_changes_nothing_and_a_moved_repository_can_be_followed(tmp_path: Path, shop_repo: Path,
                                                                                 settings: Settings) -> None:
    """A refused `index` of another folder under a taken name wrote its root first: every reindex after it
    was refused, and a rebuild quietly indexed the other folder. A repository that moved said only "no such
    directory", and could not be followed without losing its index."""
    other = write_files(tmp_path / "elsewhere" / "shop", {"other.py": "def other():\n    return 1\n"})
    api.index_repo(shop_repo, "shop", settings, embed=False)
    with pytest.raises(OnboardError, match="already holds"):
        api.index_repo(other, "shop", settings, embed=False)
    assert api.reindex("shop", settings, embed=False).root == str(shop_repo.resolve())
    assert api.reindex("shop", settings, rebuild=True, embed=False).root == str(shop_repo.resolve())

    moved = tmp_path / "moved-shop"
    shop_repo.rename(moved)
    info = api.list_indexes(settings)[0]
    assert info.notice and "no longer at" in info.notice and "--name shop" in info.notice
    with pytest.raises(OnboardError, match=r"no longer at .*onboard index NEW_PATH --name shop"):
        api.reindex("shop", settings, embed=False)
    report = api.index_repo(moved, "shop", settings, embed=False)
    assert (report.root, report.files, report.indexed) == (str(moved.resolve()), 6, 0)  # nothing read again
    assert api.list_indexes(settings)[0].notice is None


def test_a_folder_that_only_holds_a_file_named_like_our_database_is_not_an_index(settings: Settings) -> None:
    """`remove` took any folder holding a file named index.sqlite3 for an index and deleted that file."""
    folder = settings.home / "notanindex"
    folder.mkdir(parents=True)
    (folder / "index.sqlite3").write_text("my notes, not a database\n")
    (folder / "data.txt").write_text("important\n")
    result = cli(settings, "remove", "notanindex", "--yes")
    assert result.exit_code == 1 and "not an onboard index" in result.output
    assert (folder / "index.sqlite3").read_text() == "my notes, not a database\n"
    assert sorted(p.name for p in folder.iterdir()) == ["data.txt", "index.sqlite3"]
    assert api.list_indexes(settings) == []


def test_the_index_home_is_never_indexed_as_a_repository_s_code(tmp_path: Path, shop_repo: Path) -> None:
    """Indexing a folder that holds the index home (no .gitignore covering it) indexed every index's root.txt
    and logs; indexing the home itself made an index that lived inside what it indexed."""
    settings = Settings.from_env(home=shop_repo / "data" / "indexes")
    api.index_repo(shop_repo, "shop", settings, embed=False)
    report = api.reindex("shop", settings, embed=False)
    stored = api.open_index("shop", settings).db.hashes()
    assert report.files == 6 and not any(path.startswith("data/") for path in stored)
    assert ("data/indexes", "onboard's index home (its own data, not code)") in {(s.path, s.reason)
                                                                                for s in report.skipped}
    with pytest.raises(OnboardError, match="inside the index home"):
        api.index_repo(settings.home, "home", settings, embed=False)
    with pytest.raises(OnboardError, match="is the root of the file system"):  # it read every disk for an hour
        api.index_repo(Path("/"), "everything", settings, embed=False)
    assert not settings.index_dir("everything").exists()


def test_a_relative_home_is_the_same_home_for_the_background_worker(tmp_path: Path, shop_repo: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """`ONBOARD_HOME=rel` was kept relative: the embedding worker, started in the home with the same variable,
    looked for its index in `rel/rel` and never filled the vectors."""
    import time

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ONBOARD_HOME", "rel-home")
    settings = Settings.from_env()
    assert settings.home == tmp_path / "rel-home"
    assert api.index_repo(shop_repo, "shop", settings, background=True).worker
    deadline = time.monotonic() + 120
    while not api.describe("shop", settings).vectors_complete and time.monotonic() < deadline:
        time.sleep(0.5)
    assert api.describe("shop", settings).vectors_complete
    assert not (settings.home / "rel-home").exists()


def test_a_skipped_file_says_why_it_cannot_be_shown(tmp_path: Path, settings: Settings) -> None:
    """The source viewer (and Claude's read_file) called a minified or secret file of the repository "not a file
    of the indexed repository", which reads as a wrong path; it says why the file was left out."""
    repo = write_files(tmp_path / "repo", {"app.py": "def run():\n    return 1\n", ".env": "TOKEN=x\n",
                                           "static/app.min.js": "var a=1;" * 5000})
    api.index_repo(repo, "skips", settings, embed=False)
    index = api.open_index("skips", settings)
    with pytest.raises(OnboardError, match=r"'static/app\.min\.js' was skipped when indexing \(minified\)"):
        api.read_source(index, "static/app.min.js")
    with pytest.raises(OnboardError, match=r"'\.env' was skipped when indexing \(secret file"):
        api.read_source(index, ".env")
    with pytest.raises(OnboardError, match="not a file of the indexed repository"):
        api.read_source(index, "nothing.py")
