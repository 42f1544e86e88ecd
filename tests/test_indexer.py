"""The indexer end to end on real repos: SQLite + chroma on disk, incremental, locked, crash-safe."""

from __future__ import annotations

import gc
import json
import os
import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from filelock import FileLock

from onboard import api
from onboard.config import Settings
from onboard.errors import IndexCorrupt, IndexLocked, IndexNotFound, OnboardError, PathOutsideRepo
from onboard.models import Edge, SkippedFile
from onboard.store.db import BULK_INDEXES, PAGE_SIZE
from onboard.store.indexer import RANK_TOLERANCE, _collector_paused
from tests.conftest import MONOREPO, snapshot_project, write_files

FAKE_AWS = "AKIAIOSFODNN7EXAMPLE"


def test_full_index_records_real_symbols_edges_and_vectors(shop_repo: Path, settings: Settings) -> None:
    (shop_repo / ".env").write_text(f"AWS_ACCESS_KEY_ID={FAKE_AWS}\n")
    (shop_repo / "shop" / "config.py").write_text(f'AWS_KEY = "{FAKE_AWS}"\nREGION = "eu"\n')
    report = api.index_repo(shop_repo, "shop", settings)
    assert report.files == 7 and report.indexed == 7 and report.embedded == report.chunks > 0
    assert {s.path: s.reason for s in report.skipped}[".env"].startswith("secret file")
    index = api.open_index("shop", settings)
    assert ("class", "Cart", 6) in {(s.kind, s.qualname, s.start_line) for s in index.db.symbols("shop/cart.py")}
    edges = {(e.src, e.dst, e.kind) for e in index.db.edges()}
    assert ("shop/cart.py", "shop/payments/gateway.py", "import") in edges
    assert ("shop/payments/gateway.py", "ext:requests", "external") in edges
    assert index.db.manifest()["vectors_complete"] == "true"
    assert index.vectors.ids() == index.db.chunk_ids()
    nearest = index.vectors.query("charge a credit card payment", 3)
    assert index.db.chunks("shop/payments/gateway.py")[0].id in {cid for cid, _ in nearest}
    # the secret never reaches the store or the embeddings
    assert FAKE_AWS not in index.db.file_text("shop/config.py")
    assert "[REDACTED:" in index.db.file_text("shop/config.py")
    documents = index.vectors.collection.get(include=["documents"])["documents"]
    assert not any(FAKE_AWS in d for d in documents)
    with pytest.raises(PathOutsideRepo):
        index.db.file_text(".env")


def test_incremental_reindex_touches_only_what_changed(shop_repo: Path, settings: Settings) -> None:
    api.index_repo(shop_repo, "shop", settings)
    before = api.open_index("shop", settings)
    untouched = {c.id for c in before.db.chunks("shop/cart.py")}
    before.close()
    gateway = shop_repo / "shop" / "payments" / "gateway.py"
    gateway.write_text(gateway.read_text() + "\n\ndef refund(card: str, cents: int) -> bool:\n    return True\n")
    (shop_repo / "shop" / "broken.py").unlink()
    report = api.reindex("shop", settings)
    assert (report.indexed, report.removed, report.unchanged) == (1, 1, 4)
    assert 0 < report.embedded < report.chunks
    index = api.open_index("shop", settings)
    assert "refund" in {s.name for s in index.db.symbols("shop/payments/gateway.py")}
    assert "shop/broken.py" not in {f.path for f in index.db.files()}
    assert {c.id for c in index.db.chunks("shop/cart.py")} == untouched
    assert index.vectors.ids() == index.db.chunk_ids()
    assert api.reindex("shop", settings).embedded == 0  # nothing changed: nothing re-embedded
    assert api.stale_files(index) == []
    (shop_repo / "new.py").write_text("x = 1\n")
    assert api.stale_files(index) == ["new.py"]


def _age(root: Path, seconds: float = 3600) -> None:
    """Date every file and directory back, as they are when written long before an index runs."""
    past = os.stat(root).st_mtime - seconds
    for path in [root, *root.rglob("*")]:
        os.utime(path, (past, past))


def test_reindex_and_stale_check_read_only_files_whose_size_or_mtime_changed(shop_repo: Path,
                                                                             settings: Settings) -> None:
    _age(shop_repo)
    api.index_repo(shop_repo, "shop", settings, embed=False)
    cart = shop_repo / "shop" / "cart.py"
    stamp = cart.stat()
    # Same size, same mtime, other bytes: trusted as unchanged, so neither the stale check nor a
    # reindex reads it (what keeps `onboard list` and a one-file reindex of a big tree quick) ...
    cart.write_text(cart.read_text().replace("class Cart", "class Kart"))
    os.utime(cart, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    index = api.open_index("shop", settings)
    assert api.stale_files(index) == []
    assert api.reindex("shop", settings, embed=False).indexed == 0
    # ... while a new mtime (any real edit) is read, hashed and reindexed.
    os.utime(cart, ns=(stamp.st_atime_ns, stamp.st_mtime_ns - 10**9))
    assert api.stale_files(index) == ["shop/cart.py"]
    report = api.reindex("shop", settings, embed=False)
    assert (report.indexed, report.unchanged) == (1, 5)
    assert "Kart" in {s.name for s in index.db.symbols("shop/cart.py")}
    # A file written just now has no trusted stamp (its mtime may not change on the next edit
    # within the same tick): the same-size edit right after indexing is still seen.
    api.index_repo(shop_repo, "fresh", settings, embed=False)
    fresh = api.open_index("fresh", settings)
    assert "shop/cart.py" in fresh.db.stamps()
    cart.write_text(cart.read_text().replace("class Kart", "class Cart"))
    assert api.reindex("fresh", settings, embed=False).indexed == 1
    assert "shop/cart.py" not in fresh.db.stamps()
    assert "Cart" in {s.name for s in fresh.db.symbols("shop/cart.py")}
    assert api.stale_files(fresh) == []


def test_a_first_index_inserted_without_key_checks_holds_every_row_to_its_file(shop_repo: Path,
                                                                               settings: Settings) -> None:
    """A first index inserts without foreign key checks (a quarter of the inserts' time): every row must still
    belong to a stored file, and a reindex, which keeps the checks, must still cascade a deleted file's rows."""
    api.index_repo(shop_repo, "shop", settings, embed=False)
    database = settings.index_dir("shop") / "index.sqlite3"
    with sqlite3.connect(database) as conn:
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("SELECT COUNT(*) FROM refs WHERE path = 'shop/cart.py'").fetchone()[0] > 0
    (shop_repo / "shop" / "cart.py").unlink()
    api.reindex("shop", settings, embed=False)
    with sqlite3.connect(database) as conn:
        assert [conn.execute(f"SELECT COUNT(*) FROM {table} WHERE path = 'shop/cart.py'").fetchone()[0]
                for table in ("files", "symbols", "refs", "imports", "chunks")] == [0] * 5


def test_a_first_index_builds_its_indexes_after_its_rows_and_an_interrupted_one_gets_them_back(
        shop_repo: Path, settings: Settings) -> None:
    """A first index (in pages of PAGE_SIZE) inserts before it makes the secondary indexes (built once, sorted):
    they must all be there when it ends, and when a first index is interrupted before its commit, after the next
    run."""
    def indexes(name: str) -> set[str]:
        with sqlite3.connect(settings.index_dir(name) / "index.sqlite3") as conn:
            return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' "
                                                   "AND sql IS NOT NULL")}

    def interrupt(stage: str, done: int, total: int) -> None:
        if stage == "graph":  # inside the SQLite transaction, after the rows went in
            raise KeyboardInterrupt

    api.index_repo(shop_repo, "shop", settings, embed=False)
    assert set(BULK_INDEXES) <= indexes("shop")
    with sqlite3.connect(settings.index_dir("shop") / "index.sqlite3") as conn:
        assert conn.execute("PRAGMA page_size").fetchone()[0] == PAGE_SIZE
    with pytest.raises(KeyboardInterrupt):
        api.index_repo(shop_repo, "cut", settings, embed=False, progress=interrupt)
    api.index_repo(shop_repo, "cut", settings, embed=False)
    assert indexes("cut") == indexes("shop")
    with sqlite3.connect(settings.index_dir("cut") / "index.sqlite3") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_the_counts_an_index_run_records_stay_true_for_list(shop_repo: Path, settings: Settings) -> None:
    """`onboard list` shows counts the last index run recorded (COUNT(*) over big indexes not in the page
    cache took seconds): after each kind of run they are the table's, and an index without them is counted."""
    def recorded() -> dict[str, int]:
        index = api.open_index("shop", settings)
        try:
            counts = json.loads(index.db.manifest()["counts"])
            assert {"files", "symbols", "edges", "chunks"} <= counts.keys()
            return {"real": index.db.counts(tuple(counts)), "recorded": counts}
        finally:
            index.close()

    api.index_repo(shop_repo, "shop", settings, embed=False)
    first = recorded()
    assert first["recorded"] == first["real"] and first["real"]["symbols"] > 0
    (shop_repo / "shop" / "cart.py").unlink()
    api.reindex("shop", settings, embed=False)
    second = recorded()
    assert second["recorded"] == second["real"] and second["real"]["files"] == first["real"]["files"] - 1
    api.reindex("shop", settings, embed=False)  # nothing changed: the recorded counts are kept
    assert recorded() == second
    (shop_repo / "shop" / "logo.py").write_bytes(b"\x00\x01" * 64)  # binary, so skipped: no file indexed
    api.reindex("shop", settings, embed=False)
    third = recorded()
    assert third["recorded"] == third["real"]
    info = api.describe("shop", settings)
    assert (info.files, info.symbols, info.chunks) == tuple(second["real"][t] for t in ("files", "symbols", "chunks"))
    with sqlite3.connect(settings.index_dir("shop") / "index.sqlite3") as conn:  # as an older index has it
        conn.execute("DELETE FROM manifest WHERE key = 'counts'")
    assert api.describe("shop", settings).symbols == second["real"]["symbols"]


def test_the_stale_check_and_reindex_walk_the_tree_only_where_a_directory_moved(
        shop_repo: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """`onboard list` checks every index: walking each tree (70k files over the bench indexes took 3 s
    warm, 16 s cold) is needed only where a directory or ignore file moved; an edit in place is found by
    the stat of each file the last scan recorded, for the stale check and the reindex alike."""
    (shop_repo / ".env").write_text("TOKEN=x\n")
    _age(shop_repo)
    first = api.index_repo(shop_repo, "shop", settings, embed=False)
    index = api.open_index("shop", settings)
    walked: list[str] = []
    real_scandir = os.scandir
    monkeypatch.setattr(os, "scandir", lambda path: walked.append(str(path)) or real_scandir(path))
    assert api.stale_files(index) == [] and walked == []
    assert api.describe("shop", settings).stale == 0 and walked == []
    report = api.reindex("shop", settings, embed=False)  # `reindex --all` over many unchanged trees, likewise
    assert (report.indexed, report.unchanged, walked) == (0, 6, [])
    assert report.skipped == first.skipped == [SkippedFile(".env", "secret file (never indexed)")]
    cart = shop_repo / "shop" / "cart.py"
    cart.write_text(cart.read_text().replace("class Cart", "class Kart"))  # in place: its directory keeps its mtime
    assert api.stale_files(index) == ["shop/cart.py"] and walked == []
    report = api.reindex("shop", settings, embed=False)
    assert (report.indexed, report.unchanged, walked) == (1, 5, [])
    assert "Kart" in {s.name for s in index.db.symbols("shop/cart.py")} and report.skipped == first.skipped
    (shop_repo / "shop" / "new.py").write_text("x = 1\n")
    assert api.stale_files(index) == ["shop/new.py"] and walked  # the directory moved: the tree is walked
    walked.clear()
    assert api.reindex("shop", settings, embed=False).indexed == 1 and walked
    _age(shop_repo)
    api.reindex("shop", settings, embed=False)
    walked.clear()
    assert api.stale_files(index) == [] and walked == []
    # Stamps recorded under other scan rules (another onboard) spare no walk: the new rules may find more.
    with sqlite3.connect(settings.index_dir("shop") / "index.sqlite3") as conn:
        conn.execute("UPDATE manifest SET value = 'older' WHERE key = 'scan_rules'")
    assert api.stale_files(index) == [] and walked


def test_an_index_redacted_under_older_rules_is_read_again_by_its_next_reindex(shop_repo: Path,
                                                                                settings: Settings) -> None:
    """Redaction rules that find more must reach what is already stored: files are otherwise skipped by
    stamp, so a token the old rules let through would stay in the index (and go to the model) for good."""
    token = "1234567890:" + "AAHfkqwLrtxmZbvNcpoEdsgJiuyKwqerTzx"  # made up, Telegram's shape
    bot = shop_repo / "shop" / "bot.py"
    bot.write_text(f'TELEGRAM = "{token}"\n\n\ndef notify(text):\n    return TELEGRAM, text\n')
    _age(shop_repo)
    api.index_repo(shop_repo, "shop", settings, embed=False)
    index = api.open_index("shop", settings)
    redacted = index.db.file_text("shop/bot.py")
    assert token not in redacted
    # What an index written by rules that missed this shape holds: the raw token, and no rules version.
    with sqlite3.connect(index.directory / "index.sqlite3") as conn:
        conn.execute("UPDATE files SET text = ? WHERE path = ?", (bot.read_text(), "shop/bot.py"))
        conn.execute("UPDATE chunks SET text = replace(text, ?, ?)", (redacted.split('"')[1], token))
        conn.execute("DELETE FROM manifest WHERE key = 'redaction_rules'")
    assert token in index.db.file_text("shop/bot.py")
    assert api.describe("shop", settings).notice == "redacted under older rules: run `onboard reindex shop`"
    report = api.reindex("shop", settings, embed=False)
    assert report.indexed == report.files  # every file read again, though none changed on disk
    assert token not in index.db.file_text("shop/bot.py")
    assert not [c for c in index.db.chunks() if token in c.text]
    assert api.reindex("shop", settings, embed=False).indexed == 0  # and only once
    assert api.describe("shop", settings).notice is None


def test_reindex_right_after_indexing_a_fresh_copy_sees_every_kind_of_change(shop_repo: Path,
                                                                              settings: Settings) -> None:
    """Files written seconds before the index get no trusted stamp, so the reindex after it re-reads
    them all (unchanged ones are matched by hash): an edit, a new, a deleted and a renamed file must
    all reach the index exactly as a full index of the same tree has them."""
    for path in shop_repo.rglob("*"):
        os.utime(path)  # as a fresh clone or copy leaves them
    api.index_repo(shop_repo, "inc", settings, embed=False)
    assert api.open_index("inc", settings).db.stamps() == {}
    gateway = shop_repo / "shop" / "payments" / "gateway.py"
    gateway.write_text(gateway.read_text() + "\n\ndef refund(card: str, cents: int) -> bool:\n    return True\n")
    (shop_repo / "shop" / "broken.py").unlink()
    (shop_repo / "shop" / "cart.py").rename(shop_repo / "shop" / "basket.py")
    (shop_repo / "shop" / "stock.py").write_text("def count() -> int:\n    return 0\n")
    report = api.reindex("inc", settings, embed=False)
    assert (report.indexed, report.removed, report.unchanged) == (3, 2, 3)
    api.index_repo(shop_repo, "full", settings, embed=False)
    incremental, full = api.open_index("inc", settings), api.open_index("full", settings)
    assert {(f.path, f.sha256) for f in incremental.db.files()} == {(f.path, f.sha256) for f in full.db.files()}
    assert {(s.path, s.qualname) for s in incremental.db.symbols()} == {(s.path, s.qualname) for s in full.db.symbols()}
    assert {(e.src, e.dst, e.kind) for e in incremental.db.edges()} == {(e.src, e.dst, e.kind) for e in full.db.edges()}
    assert ("shop/basket.py", "Cart") in {(s.path, s.qualname) for s in incremental.db.symbols()}
    assert "refund" in {s.name for s in incremental.db.symbols("shop/payments/gateway.py")}
    assert api.stale_files(incremental) == []


def test_a_reindex_never_loads_scipy(shop_repo: Path, settings: Settings) -> None:
    """scipy's sparse matrices take half a second to import, most of `onboard reindex` after a
    one-line edit: only the retrieval walk needs them. An edit that changes no edge needs no ranks,
    and a new file's ranks come from numpy (``ranks_of``)."""
    api.index_repo(shop_repo, "shop", settings, embed=False)
    cart = shop_repo / "shop" / "cart.py"
    cart.write_text(cart.read_text() + "\n# a comment changes no edge\n")
    script = ("import sys\nfrom pathlib import Path\nfrom onboard import api\nfrom onboard.config import Settings\n"
              "for _ in range(2):\n"
              "    report = api.reindex('shop', Settings.from_env(home=sys.argv[1]), embed=False)\n"
              "    print('INDEXED', report.indexed, report.graph, 'LOADED', 'scipy' in sys.modules)\n"
              "    Path(sys.argv[2]).write_text('from shop.cart import Cart\\n')\n")
    done = subprocess.run([sys.executable, "-c", script, str(settings.home), str(shop_repo / "shop" / "orders.py")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "INDEXED 1 kept LOADED False\nINDEXED 1 updated LOADED False" in done.stdout, done.stdout


def assert_same_graph(incremental: api.Index, full: api.Index) -> list[Edge]:
    """The same edges, and PageRank within the indexer's tolerance (it rewrites a stored rank only
    when the rank moved by more: a rank left alone must still be that close to the full index's)."""
    edges = sorted(incremental.db.edges(), key=lambda e: (e.src, e.dst, e.kind))
    assert edges == sorted(full.db.edges(), key=lambda e: (e.src, e.dst, e.kind))
    exact, stored = ({f.path: f.pagerank for f in index.db.files()} for index in (full, incremental))
    assert stored.keys() == exact.keys()
    assert [p for p in exact if abs(stored[p] - exact[p]) > RANK_TOLERANCE * exact[p] + 1e-12] == []
    return edges


def test_incremental_graph_equals_a_full_rebuild(tmp_path: Path, settings: Settings) -> None:
    """Unchanged files' references come back from SQLite as counts: the edges must not drift."""
    repo = snapshot_project(tmp_path / "repo")
    api.index_repo(repo, "inc", settings, embed=False)
    packer = repo / "onboard" / "pack" / "packer.py"
    packer.write_text(packer.read_text() + "\n\nfrom onboard.scan.walker import scan_repo  # noqa: E402\n\n\n"
                      "def uses_the_scanner(root):\n    return scan_repo(root)\n")
    (repo / "onboard" / "web" / "maps.py").unlink()
    api.reindex("inc", settings, embed=False)
    api.index_repo(repo, "full", settings, embed=False)
    incremental, full = api.open_index("inc", settings), api.open_index("full", settings)
    edges = assert_same_graph(incremental, full)
    assert ("onboard/pack/packer.py", "onboard/scan/walker.py", "reference") in {(e.src, e.dst, e.kind) for e in edges}


def test_incremental_graph_of_edits_equals_a_full_rebuild(tmp_path: Path, settings: Settings) -> None:
    """Edits only (no file added or removed): the reindex recomputes just the edges whose inputs
    changed. A definition added elsewhere must re-point the files that use its name, a removed one
    must drop their edges, a new use must add one; PageRank must match a full rebuild."""
    repo = snapshot_project(tmp_path / "repo")
    api.index_repo(repo, "inc", settings, embed=False)
    edits = {
        "onboard/pack/packer.py": lambda text: text + "\n\nfrom onboard.scan.walker import scan_repo  # noqa: E402\n\n\n"
                                                    "def uses_the_scanner(root):\n    return scan_repo(root)\n",
        "onboard/graph/export.py": lambda text: text + "\n\ndef parse_file(source):\n    return source\n",
        "onboard/graph/build.py": lambda text: text.replace("def rollup(", "def roll_up_renamed("),
    }
    for path, edit in edits.items():
        (repo / path).write_text(edit((repo / path).read_text()))
    report = api.reindex("inc", settings, embed=False)
    assert (report.indexed, report.removed) == (3, 0)
    api.index_repo(repo, "full", settings, embed=False)
    incremental, full = api.open_index("inc", settings), api.open_index("full", settings)
    pairs = {(e.src, e.dst) for e in assert_same_graph(incremental, full) if e.kind == "reference"}
    assert ("onboard/store/indexer.py", "onboard/graph/export.py") in pairs  # a new definer of parse_file
    assert ("onboard/pack/packer.py", "onboard/scan/walker.py") in pairs


def test_reindex_after_files_come_and_go_updates_only_their_edges_and_equals_a_full_index(
        shop_repo: Path, settings: Settings) -> None:
    """A file added, deleted or renamed re-resolves only the imports that could find or lose it (Python
    absolute and relative imports, a TypeScript folder's index file, a C header) and the references to
    the names it defines; the edges must equal a full index of the same tree exactly, PageRank within
    tolerance. A new ``__init__.py`` moves Python's source roots: every edge is rebuilt."""
    sources = {
        "shop/report.py": "import helpers\nfrom .cart import Cart\n\n\ndef summary(cart: Cart) -> str:\n"
                          "    return helpers.money(cart.total())\n",
        "web/cart.ts": 'import { price } from "./util";\nimport { Model } from "./model";\n\n'
                       "export const total = (m: Model): number => price(m);\n",
        "web/model.ts": "export class Model {\n  value = 1;\n}\n",
        "native/cart.c": '#include "money.h"\n\nint total(void) { return cents(); }\n',
    }
    write_files(shop_repo, sources)
    git = ["git", "-c", "user.name=Ada", "-c", "user.email=ada@example.com", "-c", "commit.gpgsign=false"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "shop"]):
        subprocess.run(git + args, cwd=shop_repo, check=True, capture_output=True)
    api.index_repo(shop_repo, "inc", settings, embed=False)
    assert ("shop/report.py", "ext:helpers", "external") in {(e.src, e.dst, e.kind) for e in
                                                             api.open_index("inc", settings).db.edges()}

    def reindexed(step: int, graph: str = "updated") -> set[tuple[str, str, str]]:
        assert api.reindex("inc", settings, embed=False).graph == graph
        api.index_repo(shop_repo, f"full{step}", settings, embed=False)
        edges = assert_same_graph(api.open_index("inc", settings), api.open_index(f"full{step}", settings))
        return {(e.src, e.dst, e.kind) for e in edges}

    added = {  # the first makes `import helpers` resolve here; the last two, "./util" and "money.h"
        "shop/orders.py": "from shop.cart import Cart\n\n\ndef order() -> Cart:\n    return Cart()\n",
        "helpers.py": "def money(cents: int) -> str:\n    return str(cents / 100)\n",
        "web/util/index.ts": "export function price(m: unknown): number {\n  return 1;\n}\n",
        "native/money.h": "int cents(void);\n",
    }
    write_files(shop_repo, added)
    edges = reindexed(1)
    assert {("shop/report.py", "helpers.py", "import"), ("shop/orders.py", "shop/cart.py", "import"),
            ("web/cart.ts", "web/util/index.ts", "import"), ("native/cart.c", "native/money.h", "import"),
            ("shop/report.py", "helpers.py", "reference")} <= edges
    assert ("shop/report.py", "ext:helpers", "external") not in edges

    (shop_repo / "shop" / "payments" / "gateway.py").unlink()  # cart.py's import falls back to the package
    (shop_repo / "helpers.py").unlink()
    edges = reindexed(2)
    assert ("shop/cart.py", "shop/payments/__init__.py", "import") in edges
    assert ("shop/report.py", "ext:helpers", "external") in edges

    subprocess.run(git + ["add", "-A"], cwd=shop_repo, check=True, capture_output=True)
    for old, new in (("web/model.ts", "web/shape.ts"), ("shop/orders.py", "shop/ordering.py")):
        subprocess.run(git + ["mv", old, new], cwd=shop_repo, check=True, capture_output=True)
    edges = reindexed(3)
    assert ("web/cart.ts", "web/model.ts", "import") not in edges
    assert ("shop/ordering.py", "shop/cart.py", "import") in edges

    (shop_repo / "web" / "__init__.py").write_text("")
    reindexed(4, graph="rebuilt")


def test_index_runs_in_two_threads_keep_the_collector_paused_until_the_last_one_ends() -> None:
    """A program may index two repositories from two threads: the first run to end must not switch the cyclic
    collector back on under the second (its quarter million records would be walked again), and the last
    one leaves it as it found it."""
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, bool] = {}

    def first() -> None:
        with _collector_paused():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second() -> None:
        first_in.wait(5)
        with _collector_paused():
            second_in.set()
            first_out.wait(5)
            seen["after the first ended"] = gc.isenabled()

    assert gc.isenabled()
    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert seen == {"after the first ended": False}
    assert gc.isenabled()


def test_concurrent_index_is_refused_with_a_clear_message(shop_repo: Path, settings: Settings) -> None:
    directory = settings.index_dir("shop")
    directory.mkdir(parents=True)
    with FileLock(str(directory / ".lock")):
        with pytest.raises(IndexLocked, match="being \\(re\\)indexed by another process"):
            api.index_repo(shop_repo, "shop", settings)


def test_interrupted_sqlite_update_leaves_previous_index(shop_repo: Path, settings: Settings) -> None:
    api.index_repo(shop_repo, "shop", settings)
    cart = shop_repo / "shop" / "cart.py"
    cart.write_text(cart.read_text().replace("class Cart", "class Basket"))

    def interrupt(stage: str, done: int, total: int) -> None:
        if stage == "graph":  # inside the SQLite transaction
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        api.reindex("shop", settings, progress=interrupt)
    index = api.open_index("shop", settings)
    assert "Cart" in {s.name for s in index.db.symbols("shop/cart.py")}  # old state, whole
    index.close()
    report = api.reindex("shop", settings)  # the next run does the work
    assert report.indexed == 1
    assert "Basket" in {s.name for s in api.open_index("shop", settings).db.symbols("shop/cart.py")}


def test_killed_during_embedding_resumes(shop_repo: Path, settings: Settings, tmp_path: Path) -> None:
    """A process killed mid-embedding leaves a usable index; the next run embeds only what is missing."""
    for n in range(12):  # enough chunks for several embedding batches
        (shop_repo / f"module_{n}.py").write_text("\n".join(
            f"def function_{n}_{i}(value):\n    '''Compute thing {i} of module {n}.'''\n    return value * {i}\n"
            for i in range(40)))
    script = textwrap.dedent(f"""
        import os
        from onboard import api
        from onboard.config import Settings
        def progress(stage, done, total):
            if stage == "embedding" and done >= 64:
                os._exit(9)
        api.index_repo({str(shop_repo)!r}, "shop", Settings.from_env(home={str(settings.home)!r}), progress)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 9, result.stderr
    index = api.open_index("shop", settings)
    assert index.db.counts()["files"] == 18
    assert index.db.manifest()["vectors_complete"] == "false"
    embedded = len(index.vectors.ids())
    assert 0 < embedded < index.db.counts()["chunks"]
    assert api.retrieve(index, "compute thing 3 of module 7", budget=4000).documents  # usable meanwhile
    index.close()
    report = api.reindex("shop", settings)
    assert report.indexed == 0 and report.embedded == report.chunks - embedded
    assert api.open_index("shop", settings).db.manifest()["vectors_complete"] == "true"


def test_corrupt_index_names_the_fix_and_rebuild_repairs(shop_repo: Path, settings: Settings) -> None:
    api.index_repo(shop_repo, "shop", settings)
    db_file = settings.index_dir("shop") / "index.sqlite3"
    for extra in db_file.parent.glob("index.sqlite3-*"):
        extra.unlink()
    db_file.write_bytes(b"this is not a database" * 100)
    with pytest.raises(IndexCorrupt, match="onboard reindex --rebuild shop"):
        api.open_index("shop", settings)
    info = {i.name: i for i in api.list_indexes(settings)}["shop"]
    assert info.error and "--rebuild" in info.error
    report = api.reindex("shop", settings, rebuild=True)
    assert report.files == 6
    assert api.open_index("shop", settings).db.integrity_error() is None


def test_errors_for_missing_things(tmp_path: Path, settings: Settings) -> None:
    with pytest.raises(OnboardError, match="no such directory"):
        api.index_repo(tmp_path / "nowhere", "x", settings)
    with pytest.raises(IndexNotFound, match="onboard index PATH"):
        api.open_index("nope", settings)
    with pytest.raises(IndexNotFound):
        api.reindex("nope", settings)
    with pytest.raises(IndexNotFound):
        api.remove_index("nope", settings)


def test_empty_repo_and_name_clash(tmp_path: Path, shop_repo: Path, settings: Settings) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    report = api.index_repo(empty, "empty", settings)
    assert report.files == 0 and report.chunks == 0
    assert api.retrieve(api.open_index("empty", settings), "anything?", budget=2000).documents == []
    with pytest.raises(OnboardError, match="already holds"):
        api.index_repo(shop_repo, "empty", settings)


def test_list_stats_remove_and_reindex_all(tmp_path: Path, shop_repo: Path, settings: Settings) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "main.go").write_text("package main\n\nfunc main() {}\n")
    api.index_repo(shop_repo, "shop", settings)
    api.index_repo(other, "other", settings, embed=False)
    assert [i.name for i in api.list_indexes(settings)] == ["other", "shop"]
    stats = api.index_stats("shop", settings)
    assert stats["languages"]["python"] == 5 and stats["parse_errors"] == ["shop/broken.py"]
    assert stats["integrity"] == "ok" and stats["central"][0][1] > 0
    results = api.reindex_all(settings, workers=2)
    assert set(results) == {"other", "shop"}
    assert all(not isinstance(r, str) for r in results.values())
    assert results["other"].embedded > 0  # the vectors skipped before are filled in
    api.remove_index("other", settings)
    assert [i.name for i in api.list_indexes(settings)] == ["shop"]
    assert not os.path.exists(settings.index_dir("other"))


def test_a_builtin_name_links_no_file_to_a_method_of_that_name_and_old_indexes_lose_such_edges(
        tmp_path: Path, settings: Settings) -> None:
    """`super()` and `print(...)` mean Python's builtins, `', '.join(...)` str's method: a template block's
    methods named `super` or `join` are not what every class in the repository calls (Django's were linked
    from 445 and 322 files). An index whose edges
    were made under the older rules gets them remade by its next reindex, with no file changed."""
    repo = write_files(tmp_path / "repo", {
        "tmpl/blocks.py": "class BlockNode:\n    def super(self):\n        return ''\n\n    def print(self):\n"
                          "        return ''\n\n    def join(self, other):\n        return other\n\n\n"
                          "def render_block(node):\n    return node.super()\n",
        "app/models.py": "class Model(object):\n    def __init__(self):\n        super().__init__()\n"
                         "        print(type(self), ', '.join(str(self).split()))\n",
        "app/views.py": "from tmpl.blocks import render_block\n\n\ndef show(node):\n    print(node)\n"
                        "    return render_block(node)\n",
    })
    api.index_repo(repo, "blocks", settings, embed=False)

    def references() -> dict[tuple[str, str], float]:
        return {(e.src, e.dst): e.weight for e in api.open_index("blocks", settings).db.edges() if e.kind == "reference"}

    assert references() == {("app/views.py", "tmpl/blocks.py"): 1.0}  # render_block only
    db = api.open_index("blocks", settings).db
    with db.transaction() as tx:  # what the rules before GRAPH_RULES 2 and 4 stored
        tx.execute("DELETE FROM manifest WHERE key = 'graph_rules'")
        db.replace_edges(tx, [Edge("app/models.py", "tmpl/blocks.py", "reference", 2.0),
                              Edge("app/views.py", "tmpl/blocks.py", "reference", 2.0)])
    assert api.describe("blocks", settings).notice == "dependency graph made under older rules: run `onboard reindex blocks`"
    report = api.reindex("blocks", settings, embed=False)
    assert (report.indexed, report.graph) == (3, "rebuilt")  # rules before 8 stored too little: parsed again
    assert references() == {("app/views.py", "tmpl/blocks.py"): 1.0}
    assert api.describe("blocks", settings).notice is None


def test_an_override_elsewhere_is_not_what_the_file_defining_the_name_uses(tmp_path: Path,
                                                                           settings: Settings) -> None:
    """A file that defines a name and calls it means its own definition: a subclass overriding the method in
    another module is not a dependency (streamlink's HLS worker "used" a plugin's override of
    `_fetch_playlist`, and the reading order put the plugin among what the HLS module uses). A file that
    only calls the name still links to every definer. The same after an incremental reindex adds the override."""
    worker = ("class Worker:\n    def fetch_playlist(self):\n        return []\n\n"
              "    def run(self):\n        return self.fetch_playlist()\n")
    repo = write_files(tmp_path / "repo", {
        "stream/worker.py": worker,
        "plugins/tv.py": "from stream.worker import Worker\n\n\nclass TVWorker(Worker):\n    pass\n",
        "app/main.py": "def play(worker):\n    return worker.fetch_playlist()\n",
    })
    api.index_repo(repo, "inc", settings, embed=False)
    (repo / "plugins" / "tv.py").write_text("from stream.worker import Worker\n\n\nclass TVWorker(Worker):\n"
                                           "    def fetch_playlist(self):\n        return super().fetch_playlist()\n")
    assert api.reindex("inc", settings, embed=False).indexed == 1
    api.index_repo(repo, "full", settings, embed=False)
    pairs = {(e.src, e.dst) for e in assert_same_graph(api.open_index("inc", settings), api.open_index("full", settings))}
    assert ("stream/worker.py", "plugins/tv.py") not in pairs
    assert {("app/main.py", "stream/worker.py"), ("app/main.py", "plugins/tv.py"),
            ("plugins/tv.py", "stream/worker.py")} <= pairs


def test_a_python_file_uses_a_top_level_name_of_another_only_through_an_import(tmp_path: Path,
                                                                              settings: Settings) -> None:
    """Django's `context_processors.py` defines a function `request`, and 180 files "used" it through their
    `request` variables: its 7th most central file. A module's top-level definition is reached through an import,
    of that module or of a package whose folder holds it; a method, through any object, needs none. A reindex
    after a file starts importing the module links it as a full index does."""
    repo = write_files(tmp_path / "repo", {
        "web/__init__.py": "",
        "web/context.py": "def request(req):\n    return {'request': req}\n\n\n"
                          "class Page:\n    def render_page(self):\n        return ''\n",
        "web/views.py": "def show(request):\n    return handle(request)\n\n\ndef handle(request):\n    return request\n",
        "web/pages.py": "def draw(page):\n    return page.render_page()\n",
        "forms/__init__.py": "from forms.fields import CharField\n",
        "forms/fields.py": "class CharField:\n    pass\n",
        "app/models.py": "import forms\n\n\nclass Entry:\n    title = forms.CharField()\n",
    })
    api.index_repo(repo, "inc", settings, embed=False)

    def pairs(name: str) -> set[tuple[str, str]]:
        return {(e.src, e.dst) for e in api.open_index(name, settings).db.edges() if e.kind == "reference"}

    assert ("web/views.py", "web/context.py") not in pairs("inc")  # its own `request` variables
    assert {("web/pages.py", "web/context.py"), ("app/models.py", "forms/fields.py")} <= pairs("inc")
    (repo / "web" / "views.py").write_text("from web import context\n\n\ndef show(request):\n"
                                           "    return context.request(request)\n")
    assert api.reindex("inc", settings, embed=False).indexed == 1
    api.index_repo(repo, "full", settings, embed=False)
    assert_same_graph(api.open_index("inc", settings), api.open_index("full", settings))
    assert ("web/views.py", "web/context.py") in pairs("inc")


def test_a_name_links_files_only_across_languages_that_call_each_other(tmp_path: Path, settings: Settings) -> None:
    """Browser JavaScript cannot call a Python function by name, so a JS helper calling `applyDelta` does not use
    the Python module defining one (reflex's templates "used" a dozen Python modules), nor does a Python method
    call `.status()` mean a C++ library's function of that name (matplotlib's AGG headers); C calls C++."""
    repo = write_files(tmp_path / "repo", {
        "web/state.js": "export function sync(delta) {\n  return applyDelta(delta);\n}\n",
        "app/delta.py": "def applyDelta(delta):\n    return delta\n",
        "app/server.py": "from app.delta import applyDelta\n\n\ndef push(delta):\n    return applyDelta(delta.status())\n",
        "src/scanline.h": "int status(int span) {\n  return span;\n}\n",
        "src/render.cpp": "int render(int span) {\n  return status(span) + 1;\n}\n",
    })
    api.index_repo(repo, "mixed", settings, embed=False)
    pairs = {(e.src, e.dst) for e in api.open_index("mixed", settings).db.edges() if e.kind == "reference"}
    assert pairs == {("app/server.py", "app/delta.py"), ("src/render.cpp", "src/scanline.h")}


def test_the_most_central_files_are_the_implementations_first(tmp_path: Path, settings: Settings) -> None:
    """A test helper every test imports has the highest PageRank; `stats` and the map page's "start here"
    still lead with the implementation (pylint's test-data packages led both)."""
    files = {"app/core.py": "def compute(x):\n    return x\n", "app/cli.py": "from app.core import compute\n",
             "tests/helpers.py": "def make_case():\n    return 1\n"}
    files |= {f"tests/test_{n}.py": "from tests.helpers import make_case\n" for n in range(6)}
    api.index_repo(write_files(tmp_path / "repo", files), "app", settings, embed=False)
    index = api.open_index("app", settings)
    ranks = {f.path: f.pagerank for f in index.db.files()}
    assert max(ranks, key=ranks.get) == "tests/helpers.py"
    central = [path for path, _ in api.index_stats("app", settings)["central"]]
    assert central[0] == "app/core.py" and central.index("tests/helpers.py") > central.index("app/cli.py")
    assert [row["path"] for row in api.start_here(index)][:1] == ["app/core.py"]


def reference_pairs(name: str, settings: Settings) -> set[tuple[str, str]]:
    """The (user, definer) file pairs of an index's reference edges."""
    return {(e.src, e.dst) for e in api.open_index(name, settings).db.edges() if e.kind == "reference"}


def test_a_member_read_uses_a_property_and_indexes_made_before_properties_are_parsed_again(
        tmp_path: Path, settings: Settings) -> None:
    """A property is read, never called (astropy's `t.indices`), so graph rules 8, which let a member read name no
    method, lost every use of one. A read names a property again, through an import of its file (a data attribute
    elsewhere shares its name: `Cache.indices`, or every JavaScript `.length`); a bare name does not. An incremental
    reindex, reading uses and
    definitions from SQLite, makes the same edges. An index made under rules 8 stored no property kind and no
    member reads: its next reindex parses every file again."""
    repo = write_files(tmp_path / "repo", {
        "table/__init__.py": "",
        "table/table.py": "class Table:\n    @property\n    def indices(self):\n        return self._indices\n",
        "table/sort.py": "import table.table\n\n\ndef order(t):\n    return sorted(t.indices)\n",
        "table/local.py": "def count(indices):\n    return len(indices)\n",
        "other/cache.py": "class Cache:\n    def __init__(self):\n        self.indices = []\n\n"
                          "    def size(self):\n        return len(self.indices)\n",
        "ui/unit.js": "export class CodeUnit {\n  get length() { return 1; }\n}\n",
        "ui/count.js": "export function count(text) {\n  return text.length;\n}\n",
        "ui/show.js": "import './unit.js';\n\nexport function show(unit) {\n  return unit.length;\n}\n",
    })
    api.index_repo(repo, "tables", settings, embed=False)

    assert reference_pairs("tables", settings) == {("table/sort.py", "table/table.py"), ("ui/show.js", "ui/unit.js")}
    symbols = api.open_index("tables", settings).symbol_graph
    assert symbols.has_edge("table/sort.py::order", "table/table.py::Table.indices")
    assert not symbols.has_edge("table/local.py::count", "table/table.py::Table.indices")
    assert not symbols.has_edge("other/cache.py::Cache.size", "table/table.py::Table.indices")

    write_files(repo, {"table/show.py": "import table.table\n\n\ndef show(t):\n    return t.indices[0]\n"})
    (repo / "table" / "local.py").write_text("import table.table\n\n\ndef count(rows):\n    return len(rows.indices)\n")
    assert api.reindex("tables", settings, embed=False).graph == "updated"
    expected = {("table/sort.py", "table/table.py"), ("table/show.py", "table/table.py"),
                ("table/local.py", "table/table.py"), ("ui/show.js", "ui/unit.js")}
    assert reference_pairs("tables", settings) == expected

    db = api.open_index("tables", settings).db
    with db.transaction() as tx:  # what an index made under graph rules 8 stored
        tx.execute("UPDATE refs SET method = 0 WHERE method = 2")
        tx.execute("UPDATE symbols SET kind = 'method' WHERE kind = 'property'")
        tx.execute("UPDATE manifest SET value = '8' WHERE key = 'graph_rules'")
        db.replace_edges(tx, [])
    assert api.describe("tables", settings).notice == "dependency graph made under older rules: run `onboard reindex tables`"
    report = api.reindex("tables", settings, embed=False)
    assert (report.indexed, report.graph) == (9, "rebuilt")
    assert reference_pairs("tables", settings) == expected


def test_a_definition_that_changes_kind_under_the_same_name_repoints_its_users_incrementally(
        tmp_path: Path, settings: Settings) -> None:
    """Which uses reach a definition depends on its kind (a read reaches a property, not a method): an edit that
    turns a method into a property, or back, changes the edges of files that did not change. The incremental
    reindex recounted only the users of names added or removed, and kept the old graph."""
    repo = write_files(tmp_path / "repo", {
        "table/__init__.py": "",
        "table/table.py": "class Table:\n    def indices(self):\n        return 1\n",
        "table/sort.py": "import table.table\n\n\ndef order(t):\n    return sorted(t.indices)\n",
    })
    api.index_repo(repo, "tables", settings, embed=False)

    assert reference_pairs("tables", settings) == set()
    (repo / "table" / "table.py").write_text("class Table:\n    @property\n    def indices(self):\n        return 1\n")
    assert api.reindex("tables", settings, embed=False).graph == "updated"
    assert reference_pairs("tables", settings) == {("table/sort.py", "table/table.py")}
    (repo / "table" / "table.py").write_text("class Table:\n    def indices(self):\n        return 1\n")
    assert api.reindex("tables", settings, embed=False).graph == "updated"
    assert reference_pairs("tables", settings) == set()


def test_a_variable_or_attribute_named_like_a_method_does_not_use_it_and_old_indexes_are_parsed_again(
        tmp_path: Path, settings: Settings) -> None:
    """Django's `EmailMessage.message()` was "used" by 82 files through their `message` variables and
    `self.message` attributes, which made `core/mail/message.py` its 6th most central file. A member read but
    not called, or a bare Python name, names no method; a call does, and a read still reaches a class. An
    index made before references said so is parsed again by its next reindex, and read as before until then."""
    repo = write_files(tmp_path / "repo", {
        "mail/message.py": "class EmailMessage:\n    def message(self):\n        return self.body\n",
        "core/errors.py": "class ValidationError(Exception):\n    def __init__(self, message):\n"
                          "        self.message = message\n\n    def text(self):\n        return self.message\n",
        "core/warn.py": "import warnings\n\n\ndef warn(message):\n    warnings.warn(message)\n",
        "mail/send.py": "from mail import message\n\n\ndef send(mail):\n    return mail.message()\n\n\n"
                        "def kind():\n    return message.EmailMessage\n",
    })
    api.index_repo(repo, "mail", settings, embed=False)

    assert reference_pairs("mail", settings) == {("mail/send.py", "mail/message.py")}
    symbols = api.open_index("mail", settings).symbol_graph
    assert symbols.has_edge("mail/send.py::send", "mail/message.py::EmailMessage.message")
    assert not symbols.has_edge("core/errors.py::ValidationError.text", "mail/message.py::EmailMessage.message")

    db = api.open_index("mail", settings).db
    with db.transaction() as tx:  # what an index made under graph rules 7 stored
        tx.execute("ALTER TABLE refs DROP COLUMN method")
        tx.execute("UPDATE manifest SET value = '7' WHERE key = 'graph_rules'")
        db.replace_edges(tx, [Edge("core/errors.py", "mail/message.py", "reference", 2.0),
                              Edge("core/warn.py", "mail/message.py", "reference", 2.0)])
    assert api.describe("mail", settings).notice == "dependency graph made under older rules: run `onboard reindex mail`"
    old = api.open_index("mail", settings)
    assert {r.method for r in old.db.references()} == {True}  # read as every use was before
    assert old.symbol_graph.has_edge("core/errors.py::ValidationError.text", "mail/message.py::EmailMessage.message")
    report = api.reindex("mail", settings, embed=False)
    assert (report.indexed, report.graph) == (4, "rebuilt")
    assert reference_pairs("mail", settings) == {("mail/send.py", "mail/message.py")}
    assert api.describe("mail", settings).notice is None
    assert not api.open_index("mail", settings).symbol_graph.has_edge("core/errors.py::ValidationError.text",
                                                                     "mail/message.py::EmailMessage.message")


def test_a_monorepo_reindex_links_a_package_entry_that_appears_and_follows_a_changed_alias(
        tmp_path: Path, settings: Settings) -> None:
    """A file that appears is looked for only in the imports that could name it; a package's entry
    (`@acme/shared` → `src/main.ts`) is named by the package, not by its file name. An edited tsconfig.json moves
    every alias. Each incremental reindex must give the graph a full index of the same tree gives."""
    main = "packages/shared/src/main.ts"
    repo = write_files(tmp_path / "acme", {path: text for path, text in MONOREPO.items() if path != main})
    api.index_repo(repo, "inc", settings, embed=False)
    page = "apps/web/src/app/page.tsx"
    assert (page, "ext:@acme/shared") in {(e.src, e.dst) for e in api.open_index("inc", settings).db.edges()}

    write_files(repo, {main: MONOREPO[main]})
    assert api.reindex("inc", settings, embed=False).graph == "updated"
    api.index_repo(repo, "full", settings, embed=False)
    edges = assert_same_graph(api.open_index("inc", settings), api.open_index("full", settings))
    assert (page, main, "import") in {(e.src, e.dst, e.kind) for e in edges}

    write_files(repo, {"apps/web/tsconfig.json": '{"compilerOptions": {"paths": {"@/*": ["./lib/*"]}}}',
                       "apps/web/lib/components/header.tsx": MONOREPO["apps/web/src/components/header.tsx"]})
    assert api.reindex("inc", settings, embed=False).graph == "rebuilt"
    api.remove_index("full", settings)
    api.index_repo(repo, "full", settings, embed=False)
    edges = assert_same_graph(api.open_index("inc", settings), api.open_index("full", settings))
    assert (page, "apps/web/lib/components/header.tsx", "import") in {(e.src, e.dst, e.kind) for e in edges}


def test_a_rust_crate_root_that_appears_is_linked_by_the_crate_name_incrementally(
        tmp_path: Path, settings: Settings) -> None:
    """`use acme_core::Ledger` names `crates/core/src/lib.rs` by the crate's name, not the file's: the reindex that
    adds the file must look for its users by that name too, and give the graph a full index gives."""
    repo = write_files(tmp_path / "acme", {
        "crates/core/Cargo.toml": '[package]\nname = "acme-core"\n',
        "crates/app/Cargo.toml": '[package]\nname = "app"\n',
        "crates/app/src/main.rs": "use acme_core::Ledger;\n\nfn main() {\n    let _ = Ledger;\n}\n",
    })
    api.index_repo(repo, "inc", settings, embed=False)
    write_files(repo, {"crates/core/src/lib.rs": "pub struct Ledger;\n"})
    assert api.reindex("inc", settings, embed=False).graph == "updated"
    api.index_repo(repo, "full", settings, embed=False)
    edges = assert_same_graph(api.open_index("inc", settings), api.open_index("full", settings))
    assert ("crates/app/src/main.rs", "crates/core/src/lib.rs", "import") in {(e.src, e.dst, e.kind) for e in edges}


def test_an_index_made_before_java_kotlin_and_php_imports_were_read_parses_those_files_again(
        tmp_path: Path, settings: Settings) -> None:
    """Graph rules 10 read Java's wildcard imports, Kotlin's and Scala's (not read before) and PHP's aliased and
    grouped ones differently: an index made under rules 9 parses the files of those languages again on its next reindex, and
    only those, and ends with the graph a new index makes."""
    repo = write_files(tmp_path / "shop", {
        "src/main/java/com/acme/model/Item.java": "package com.acme.model;\n\npublic class Item {}\n",
        "src/main/java/com/acme/Shop.java": "package com.acme;\n\nimport com.acme.model.*;\n\npublic class Shop {}\n",
        "src/main/kotlin/com/acme/App.kt": "package com.acme\n\nimport com.acme.model.Item\n\nfun main() {}\n",
        "src/main/scala/com/acme/Report.scala": "package com.acme\n\nimport com.acme.model._\n\nobject Report\n",
        "app/Models/User.php": "<?php\nnamespace App\\Models;\n\nclass User {}\n",
        "app/Show.php": "<?php\nnamespace App;\n\nuse App\\Models\\{User};\n",
        "composer.json": '{"autoload": {"psr-4": {"App\\\\": "app/"}}}',
        "tools/run.py": "import os\n",
    })
    api.index_repo(repo, "old", settings, embed=False)
    db = api.open_index("old", settings).db
    with db.transaction() as tx:  # what rules 9 parsed: no Kotlin import, `*` for a wildcard, a group's last name
        tx.execute("DELETE FROM imports WHERE path LIKE '%.kt' OR path LIKE '%.scala'")
        tx.execute("UPDATE imports SET module = '*' WHERE path LIKE '%Shop.java'")
        tx.execute("UPDATE imports SET module = 'User' WHERE path = 'app/Show.php'")
        tx.execute("UPDATE manifest SET value = '9' WHERE key = 'graph_rules'")
        db.replace_edges(tx, [])
    report = api.reindex("old", settings, embed=False)
    assert (report.indexed, report.graph) == (6, "rebuilt")
    api.index_repo(repo, "new", settings, embed=False)
    edges = assert_same_graph(api.open_index("old", settings), api.open_index("new", settings))
    assert {("src/main/java/com/acme/Shop.java", "src/main/java/com/acme/model/Item.java"),
            ("src/main/kotlin/com/acme/App.kt", "src/main/java/com/acme/model/Item.java"),
            ("src/main/scala/com/acme/Report.scala", "src/main/java/com/acme/model/Item.java"),
            ("app/Show.php", "app/Models/User.php")} <= {(e.src, e.dst) for e in edges}


def test_an_index_made_before_bound_functions_and_cpp_headers_were_read_parses_those_files_again(
        tmp_path: Path, settings: Settings) -> None:
    """Graph rules 11 read functions bound to names in TypeScript and a `.h` header that is C++: an index made
    under rules 10 parses such files again on its next reindex, and not its Python."""
    repo = write_files(tmp_path / "app", {
        "src/api.ts": "export const load = async () => 1;\n",
        "native/jp_class.h": "class JPClass : public JPResource {\npublic:\n    void f();\n};\n",
        "tools/run.py": "import os\n",
    })
    api.index_repo(repo, "old", settings, embed=False)
    db = api.open_index("old", settings).db
    with db.transaction() as tx:  # what rules 10 parsed: no bound function, the header as C
        tx.execute("DELETE FROM symbols WHERE path = 'src/api.ts'")
        tx.execute("UPDATE files SET language = 'c' WHERE path = 'native/jp_class.h'")
        tx.execute("UPDATE manifest SET value = '10' WHERE key = 'graph_rules'")
    report = api.reindex("old", settings, embed=False)
    assert (report.indexed, report.unchanged) == (2, 1)
    assert {f.path: f.language for f in db.files()} == {"src/api.ts": "typescript", "native/jp_class.h": "cpp",
                                                        "tools/run.py": "python"}
    assert [s.qualname for s in db.symbols("src/api.ts")] == ["load"]


def test_files_parsed_again_for_newer_rules_are_read_again_in_a_tree_no_one_touched(
        tmp_path: Path, settings: Settings) -> None:
    """A tree whose watched stamps say nothing moved is not walked, and only the files the last index trusts are
    looked at: those of a language that newer rules parse again were left out of them, and read as removed."""
    repo = write_files(tmp_path / "shop", {
        "src/main/java/com/acme/Shop.java": "package com.acme;\n\npublic class Shop {}\n",
        "tools/run.py": "import os\n",
    })
    _age(repo)
    api.index_repo(repo, "old", settings, embed=False)
    db = api.open_index("old", settings).db
    with db.transaction() as tx:
        tx.execute("UPDATE manifest SET value = '9' WHERE key = 'graph_rules'")
    report = api.reindex("old", settings, embed=False)
    assert (report.indexed, report.removed) == (1, 0)
    assert {f.path for f in api.open_index("old", settings).db.files()} == {"src/main/java/com/acme/Shop.java",
                                                                           "tools/run.py"}
