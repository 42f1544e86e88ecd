"""Parsing in worker processes gives exactly what parsing in the indexing process gives, in order,
falls back to parsing here when a worker cannot start or dies, and never re-runs the caller's script."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import textwrap
from itertools import chain
from pathlib import Path

import pytest

from onboard import api
from onboard.config import Settings
from onboard.parse import prepare
from onboard.scan import scan_repo
from tests.conftest import FIXTURES, ROOT

FAKE_AWS = "AKIAIOSFODNN7EXAMPLE"


@pytest.fixture
def polyglot(tmp_path: Path) -> Path:
    """Every fixture language in one tree, plus a file whose secret the workers must redact."""
    root = tmp_path / "polyglot"
    for language in sorted(FIXTURES.iterdir()):
        shutil.copytree(language, root / language.name)
    (root / "python" / "shop" / "settings.py").write_text(f'AWS_KEY = "{FAKE_AWS}"\nREGION = "eu"\n')
    return root


def test_workers_prepare_exactly_what_this_process_does(polyglot: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prepare, "BATCH_BYTES", 500)  # many batches: order across two workers matters
    sources = scan_repo(polyglot).files
    assert len({s.language for s in sources}) >= 10
    serial = list(chain.from_iterable(prepare.prepare_files(sources, workers=0)))
    seen: list[tuple[int, int]] = []
    parallel = list(chain.from_iterable(prepare.prepare_files(sources, workers=2,
                                                              progress=lambda done, total: seen.append((done, total)))))
    assert len(seen) > 5 and seen[-1] == (len(sources), len(sources))
    assert parallel == serial
    assert [p.source.path for p in parallel] == [s.path for s in sources]
    settings = next(p for p in parallel if p.source.path == "python/shop/settings.py")
    assert settings.redactions == 1 and FAKE_AWS not in settings.source.text
    assert FAKE_AWS not in "".join(c.text for c in settings.chunks)
    assert sum(len(p.parsed.symbols) for p in parallel) > 50 and sum(len(p.parsed.references) for p in parallel) > 100


@pytest.mark.parametrize("worker", ["/nonexistent/python", "/bin/false"])
def test_a_worker_that_cannot_start_or_dies_leaves_its_files_to_this_process(
        polyglot: Path, monkeypatch: pytest.MonkeyPatch, worker: str) -> None:
    sources = scan_repo(polyglot).files
    serial = list(chain.from_iterable(prepare.prepare_files(sources)))
    monkeypatch.setattr(prepare, "BATCH_BYTES", 500)
    monkeypatch.setattr(sys, "executable", worker)
    assert list(chain.from_iterable(prepare.prepare_files(sources, workers=2))) == serial


def _tables(settings: Settings, name: str) -> dict[str, list[tuple]]:
    with sqlite3.connect(settings.index_dir(name) / "index.sqlite3") as db:
        return {table: sorted(db.execute(f"SELECT * FROM {table}").fetchall())
                for table in ("files", "symbols", "refs", "imports", "chunks", "edges")}


def test_index_with_workers_equals_index_without(polyglot: Path, settings: Settings,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prepare, "POOL_MIN_BYTES", 10**12)
    serial = api.index_repo(polyglot, "serial", settings, embed=False)
    monkeypatch.setattr(prepare, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(prepare, "BATCH_BYTES", 500)
    parallel = api.index_repo(polyglot, "parallel", settings, embed=False)
    assert (parallel.files, parallel.symbols, parallel.edges, parallel.chunks, parallel.redactions) == (
        serial.files, serial.symbols, serial.edges, serial.chunks, serial.redactions)
    assert _tables(settings, "parallel") == _tables(settings, "serial")


def test_pool_only_for_big_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    sources = scan_repo(FIXTURES / "python").files
    threshold = prepare.POOL_MIN_BYTES
    assert prepare.pool_workers(sources) == 0  # a small repository (or a one-file reindex): no start-up paid
    monkeypatch.setattr(prepare, "POOL_MIN_BYTES", 0)
    assert 0 <= prepare.pool_workers(sources) <= prepare.MAX_WORKERS  # by idle cores
    monkeypatch.setattr(prepare, "WORKERS", 2)
    assert prepare.pool_workers(sources) == 2
    monkeypatch.setattr(prepare, "POOL_MIN_BYTES", threshold)
    assert prepare.pool_workers(sources) == 0


def test_a_script_without_a_main_guard_is_not_run_again_by_the_workers(polyglot: Path, tmp_path: Path) -> None:
    """multiprocessing's spawn re-imports the caller's script in each worker: this one would index
    (and print) again in every worker, or fail, were the workers started that way."""
    script = tmp_path / "index_it.py"
    script.write_text(textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from onboard import api
        from onboard.config import Settings
        from onboard.parse import prepare
        prepare.POOL_MIN_BYTES, prepare.BATCH_BYTES = 0, 500
        report = api.index_repo({str(polyglot)!r}, "guardless", Settings.from_env(home={str(tmp_path / 'home')!r}),
                                embed=False)
        print("indexed", report.files)
    """))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f"indexed {len(scan_repo(polyglot).files)}"]
    assert done.stderr == ""
