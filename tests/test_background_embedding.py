"""Answer first, embed after: the detached embedding worker, its locks and progress, on real
processes, real chroma and real SQLite.

Tests that need a worker to stay busy hold the home's worker turn (the lock workers of one home
take in turn): the worker then sits queued, holding its index's embedding lock, for as long as the
test wants, without any sleep or timing assumption.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest
from filelock import FileLock, Timeout
from typer.testing import CliRunner

from onboard import api
from onboard.cli import app
from onboard.config import Settings
from onboard.store import vector_fill
from tests.conftest import snapshot_project, write_files

ONBOARD = str(Path(sys.executable).parent / "onboard")


@contextlib.contextmanager
def workers_held(settings: Settings) -> Iterator[None]:
    """Keep every embedding worker of this home queued until the block ends."""
    turn = settings.home / ".embeddings" / "worker.lock"
    turn.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(turn)):
        yield


def alive(pid: int) -> bool:
    """Running, not a zombie waiting to be reaped."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] not in "ZX"
    except (OSError, IndexError):
        return False


def lock_held(path: Path) -> bool:
    lock = FileLock(str(path))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return True
    lock.release()
    return False


def eventually(check, what: str, seconds: float = 120.0):
    """Poll for something another process does; fail with ``what`` instead of hanging."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def test_index_answers_before_its_vectors_and_wait_completes(shop_repo: Path, settings: Settings) -> None:
    with workers_held(settings):
        report = api.index_repo(shop_repo, "shop", settings, background=True)
        assert report.worker and not report.vectors_complete and report.embedded == 0
        eventually(lambda: "queued" in api.describe("shop", settings).vectors, "the worker to queue")
        info = api.describe("shop", settings)
        assert not info.vectors_complete and info.vectors == "vectors 0%, queued behind another index's embedding"
        answer = api.ask(api.open_index("shop", settings), "How does checkout charge the card?", budget=4000,
                         settings=settings)
        assert "shop/payments/gateway.py" in answer.packed.paths()  # lexical + graph answer already
        assert "**Note:** vectors 0%, queued" in answer.text
        assert api.reindex("shop", settings, embed=False).unchanged == 6  # the worker does not block writers
    assert api.wait_for_vectors("shop", settings) == 0  # the worker did the work
    index = api.open_index("shop", settings)
    assert index.db.manifest()["vectors_complete"] == "true"
    assert index.vectors.ids() == index.db.chunk_ids()
    assert api.describe("shop", settings).vectors == "vectors 100%"
    assert "**Note:**" not in api.ask(index, "How does checkout charge the card?", settings=settings).text


def test_a_reader_sees_vectors_another_process_wrote(shop_repo: Path, settings: Settings) -> None:
    """chroma keeps its nearest-neighbour index in memory: without a reload, a web app that had
    loaded the store never saw what the background worker embedded later."""
    api.index_repo(shop_repo, "shop", settings)
    reader = api.open_index("shop", settings)
    assert reader.vectors.query("checkout total", 50)  # this process has loaded the store
    (shop_repo / "shop" / "refunds.py").write_text(
        "def refund_order(order_id: str) -> bool:\n    '''Give a customer their money back.'''\n    return True\n")
    done = subprocess.run([ONBOARD, "reindex", "shop", "--wait", "--home", str(settings.home)], capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    new = {c.id for c in api.open_index("shop", settings).db.chunks("shop/refunds.py")}
    assert new <= {chunk_id for chunk_id, _ in reader.vectors.query("give the customer their money back", 50)}


def test_killed_worker_leaves_vectors_incomplete_and_resumes(shop_repo: Path, settings: Settings) -> None:
    with workers_held(settings):
        report = api.index_repo(shop_repo, "shop", settings, background=True)
        eventually(lambda: "queued" in api.describe("shop", settings).vectors, "the worker to queue")
        os.kill(report.worker, signal.SIGKILL)
        eventually(lambda: "not embedding now" in api.describe("shop", settings).vectors, "the lock to be freed")
        assert api.open_index("shop", settings).db.manifest()["vectors_complete"] == "false"
        assert "`onboard wait shop` embeds the rest" in api.describe("shop", settings).vectors
        resumed = api.resume_embedding("shop", settings)  # what the web app does when it opens the index
        assert resumed and resumed != report.worker
        eventually(lambda: "queued" in api.describe("shop", settings).vectors, "the new worker to queue")
        assert api.resume_embedding("shop", settings) is None  # one worker per index
    api.wait_for_vectors("shop", settings)
    assert api.describe("shop", settings).vectors_complete


def test_remove_and_rebuild_stop_a_running_worker(shop_repo: Path, settings: Settings) -> None:
    with workers_held(settings):
        first = api.index_repo(shop_repo, "shop", settings, background=True).worker
        eventually(lambda: "queued" in api.describe("shop", settings).vectors, "the worker to queue")
        rebuilt = api.reindex("shop", settings, rebuild=True, background=True)  # stops the first worker
        eventually(lambda: not alive(first), "the first worker to end")
        assert rebuilt.worker
        eventually(lambda: "queued" in api.describe("shop", settings).vectors, "the new worker to queue")
        assert api.remove_index("shop", settings) == []
        eventually(lambda: not alive(rebuilt.worker), "the worker to stop")
    assert not settings.index_dir("shop").exists()



def test_remove_stops_a_worker_that_is_still_starting(tmp_path: Path, settings: Settings) -> None:
    """A worker holds its lock for a while (loading the chunks, chroma, the model) before its first
    batch; `remove` must stop it then too, not wait for a pid that is not written yet (the Django
    benchmark's `remove` gave up after 60 s with "pid 0"). This project's ~1,800 chunks take a minute
    or more to embed, so a `remove` that only waited would take that long."""
    worker = api.index_repo(snapshot_project(tmp_path / "project"), "shop", settings, background=True).worker
    directory = settings.index_dir("shop")
    eventually(lambda: lock_held(directory / ".embed.lock"), "the worker to take its lock", seconds=60)
    assert alive(worker) and not api.describe("shop", settings).vectors_complete
    started = time.monotonic()
    assert api.remove_index("shop", settings) == []
    assert time.monotonic() - started < 20
    eventually(lambda: not alive(worker), "the worker to stop")
    assert not directory.exists()


def catches(pid: int, signum: int) -> bool:
    """The process runs a handler of its own for ``signum`` (the SigCgt mask in /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigCgt:"):
            return bool(int(line.split()[1], 16) >> (signum - 1) & 1)
    return False


def test_a_worker_leaves_sigterm_to_the_kernel_between_writes(shop_repo: Path, settings: Settings) -> None:
    """Python runs a signal handler only in the main thread, between bytecodes, and the kernel may hand a
    SIGTERM to an embedding thread while the main thread waits on its native batch: with the suite running
    beside it, a handled SIGTERM once took 77 s to end a worker, and CI's `remove` gave up. Outside its
    writes a worker must leave SIGTERM to the kernel."""
    with workers_held(settings):
        worker = api.index_repo(shop_repo, "shop", settings, background=True).worker
        eventually(lambda: "queued" in api.describe("shop", settings).vectors, "the worker to queue")
        assert not catches(worker, signal.SIGTERM)
        os.kill(worker, signal.SIGTERM)
        eventually(lambda: not alive(worker), "the worker to end", seconds=10)
        assert "not embedding now" in api.describe("shop", settings).vectors


def test_a_sigterm_during_a_write_ends_the_worker_right_after_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """A kill could tear chroma's files: in a worker, a SIGTERM that comes during a write waits for it."""
    monkeypatch.setattr(vector_fill, "_deferred", [])
    previous, written = signal.getsignal(signal.SIGTERM), []
    try:
        with pytest.raises(SystemExit) as ended:
            with vector_fill._whole():
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(0.2)  # bytecodes run meanwhile: a handled signal would have struck here
                written.append("the rest of the write")
        assert written and ended.value.code == 128 + signal.SIGTERM
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL  # the kernel's again, after the write
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_reindex_during_embedding_is_embedded_before_vectors_are_complete(shop_repo: Path,
                                                                          settings: Settings) -> None:
    """``vectors_complete`` is set only for the chunks that were embedded: a reindex that lands
    mid-pass (it may: it takes the index lock, not the embedding lock) must be embedded too."""
    api.index_repo(shop_repo, "shop", settings, embed=False)
    cart = shop_repo / "shop" / "cart.py"

    def reindex_mid_pass(stage: str, done: int, total: int) -> None:
        if stage == "embedding" and done > 0 and "def discount" not in cart.read_text():  # after a batch
            cart.write_text(cart.read_text() + "\n\ndef discount(total: int) -> int:\n    return total // 10\n")
            api.reindex("shop", settings, embed=False)

    api.wait_for_vectors("shop", settings, progress=reindex_mid_pass)  # no worker: embeds in this process
    index = api.open_index("shop", settings)
    assert "discount" in {s.name for s in index.db.symbols("shop/cart.py")}
    assert index.db.manifest()["vectors_complete"] == "true"
    assert index.vectors.ids() == index.db.chunk_ids()


def test_indexes_of_one_home_take_turns_and_share_the_embedding_cache(shop_repo: Path, settings: Settings) -> None:
    with workers_held(settings):
        for name in ("first", "second"):
            api.index_repo(shop_repo, name, settings, background=True)
        for name in ("first", "second"):
            eventually(lambda name=name: "queued" in api.describe(name, settings).vectors, f"{name} to queue")
    for name in ("first", "second"):
        api.wait_for_vectors(name, settings)
    again = api.index_repo(shop_repo, "third", settings)  # the same code under a new name
    assert again.embedded == again.chunks > 0 and again.computed == 0
    cart = shop_repo / "shop" / "cart.py"
    cart.write_text(cart.read_text() + "\n\ndef discount(total: int) -> int:\n    return total // 10\n")
    changed = api.index_repo(shop_repo, "fourth", settings)  # a new version: only the changed file's chunks
    assert 0 < changed.computed <= len(api.open_index("fourth", settings).db.chunks("shop/cart.py"))
    third, fourth = api.open_index("third", settings), api.open_index("fourth", settings)
    gateway = {c.id for c in third.db.chunks("shop/payments/gateway.py")}
    same = third.vectors.collection.get(ids=sorted(gateway), include=["embeddings"])["embeddings"]
    assert (same == fourth.vectors.collection.get(ids=sorted(gateway), include=["embeddings"])["embeddings"]).all()


def test_cli_wait_embeds_an_index_built_without_vectors(shop_repo: Path, settings: Settings) -> None:
    def cli(*args: str):
        return CliRunner().invoke(app, [*args, "--home", str(settings.home)])

    built = cli("index", str(shop_repo), "--name", "shop", "--no-embed")
    assert built.exit_code == 0 and "vectors: not embedded" in built.output, built.output
    assert api.resume_embedding("shop", settings) is None  # --no-embed is a choice the web app respects
    waited = cli("wait", "shop")
    assert waited.exit_code == 0 and "shop: vectors 100%" in waited.output, waited.output
    missing = cli("wait", "ghost")
    assert missing.exit_code == 1 and "No index named 'ghost'" in missing.output


@pytest.mark.parametrize("command", [["--help"], ["list"]])
def test_quick_commands_do_not_load_heavy_libraries(settings: Settings, shop_repo: Path, command: list[str]) -> None:
    """`onboard --help` and `onboard list` start in well under a second because they never import
    the anthropic SDK, chroma, onnxruntime, tree-sitter, networkx, numpy, tiktoken, detect-secrets or
    rich's Markdown renderer (bench/index_bench.py times them)."""
    api.index_repo(shop_repo, "shop", settings, embed=False)
    script = ("import sys\nfrom onboard.cli import app\n"
              f"try:\n    app({command!r} + ['--home', sys.argv[1]] * {command != ['--help']})\n"
              "except SystemExit:\n    pass\n"
              "heavy = ['anthropic', 'chromadb', 'onnxruntime', 'tree_sitter', 'networkx', 'tiktoken', 'onnx', "
              "'numpy', 'scipy', 'tokenizers', 'streamlit', 'pandas', 'detect_secrets', 'markdown_it']\n"
              "print('LOADED', [name for name in heavy if name in sys.modules])\n")
    done = subprocess.run([sys.executable, "-c", script, str(settings.home)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "LOADED []" in done.stdout, done.stdout



@pytest.mark.parametrize("chosen", [False, True])
def test_a_first_answer_before_any_vector_never_loads_chroma(settings: Settings, shop_repo: Path,
                                                             chosen: bool) -> None:
    """While no vector exists yet, a question is answered from the lexical index and the graph
    without importing chroma or the embedder (seconds on a cold start), and says so: unless the
    index was built with --no-embed (``chosen``), where that is the user's choice, not news for
    every answer."""
    api.index_repo(shop_repo, "shop", settings, embed=False)
    if not chosen:  # vectors wanted, but no worker has embedded anything yet
        db = api.open_index("shop", settings).db
        with db.transaction() as tx:
            db.put_manifest(tx, {"embed": "true"})
    script = ("import sys\nfrom onboard import api\nfrom onboard.config import Settings\n"
              "settings = Settings.from_env(home=sys.argv[1])\n"
              "answer = api.ask(api.open_index('shop', settings), 'How is the cart total computed?', settings=settings)\n"
              "print('NOTE', answer.notes)\n"
              "print('LOADED', [name for name in ('chromadb', 'onnxruntime') if name in sys.modules])\n")
    env = {k: v for k, v in os.environ.items() if k != "ANTHROPIC_API_KEY"}
    done = subprocess.run([sys.executable, "-c", script, str(settings.home)], capture_output=True, text=True,
                          timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    assert "LOADED []" in done.stdout, done.stdout
    notes = done.stdout.split("NOTE", 1)[1].split("LOADED", 1)[0]
    if chosen:
        assert "vectors" not in notes, notes
    else:
        assert "vectors 0%: not embedding now" in notes and "answered without vectors" in notes, notes

def test_vectors_fill_source_first_and_batches_of_like_length(tmp_path: Path) -> None:
    """The worker embeds what questions are about first (tests and vendored copies last), and in
    order of length, so that partial vectors already cover the code and each batch pads little."""
    from onboard.models import Chunk
    from onboard.store.embedding import embedder
    from onboard.store.vector_fill import embedding_order

    def chunk(path: str, words: int) -> Chunk:
        return Chunk(f"{path}:{words}", path, 1, 1, " ".join(["token"] * words))

    generated = Chunk("pkg/wire.py:1", "pkg/wire.py", 1, 3, "# Code generated by spec-gen. DO NOT EDIT.\nWIRE = 1\n")
    chunks = [chunk("tests/test_core.py", 5), chunk("static/jquery-3.5.1.js", 5), chunk("pkg/core.py", 150), generated,
              chunk("docs/guide.md", 5), chunk("pkg/util.py", 20), chunk("pkg/tests/test_util.py", 300)]
    ordered = embedding_order(chunks, embedder("int8"))
    assert [c.id for c in ordered] == ["pkg/util.py:20", "pkg/core.py:150", "docs/guide.md:5", "tests/test_core.py:5",
                                       "pkg/tests/test_util.py:300", "pkg/wire.py:1", "static/jquery-3.5.1.js:5"]


_SAME_QUESTION = """
import json, sys
from pathlib import Path
from onboard import api
from onboard.config import Settings
index = api.open_index("many", Settings.from_env(home=Path(sys.argv[1])))
print(json.dumps(index.vectors.query("How is a parcel weighed before it is shipped?", 120)))
"""


def test_the_same_question_finds_the_same_vectors_in_every_process(tmp_path: Path, settings: Settings) -> None:
    """A store under 1,000 vectors is rebuilt from chroma's log by each process that opens it, its graph a little
    different each time; chroma's default search kept 100 candidates for retrieval's 120 hits, so the hits differed
    from process to process. Stores search wider (an older one too, once opened), and the hits are the same."""
    from onboard.store.vectors import SEARCH_EF

    files = {f"shop/step_{i}.py": f"def step_{i}(parcel):\n    \"\"\"Step {i} of handling a parcel: "
             f"{['weigh', 'label', 'ship', 'scan', 'store'][i % 5]} it.\"\"\"\n    return parcel.do({i})\n"
             for i in range(300)}
    api.index_repo(write_files(tmp_path / "many", files), "many", settings)
    index = api.open_index("many", settings)
    assert len(index.vectors.ids()) >= 300
    index.vectors.collection.modify(configuration={"hnsw": {"ef_search": 100}})  # as chroma's default made stores
    index.close()
    index = api.open_index("many", settings)
    assert index.vectors.collection.configuration_json["hnsw"]["ef_search"] == SEARCH_EF
    runs = {subprocess.run([sys.executable, "-c", _SAME_QUESTION, str(settings.home)], capture_output=True, text=True,
                           check=True, timeout=120, cwd=Path(__file__).resolve().parents[1]).stdout for _ in range(3)}
    assert len(runs) == 1 and len(json.loads(runs.pop())) == 120
