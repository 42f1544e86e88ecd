"""Indexing speed and memory on real trees.

Prints, per corpus: files, MB, the symbols+graph phase (scan, redact, parse, graph, SQLite) in
files/s and MB/s, the embedding phase in chunks/s, peak RSS, and an incremental reindex after
touching one file as a ratio to the full index time. A 20 MB Python tree (built from this venv's
site-packages) checks the "symbols+graph under 10 s" target.

    python bench/index_bench.py                  # flask + requests sdists + 20 MB tree
    python bench/index_bench.py --django         # the Django 5.2.8 sdist from PyPI (fetched once)
    python bench/index_bench.py --path ~/src/x   # any other tree
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.corpus import pypi_sdist, sdist  # noqa: E402
from onboard import api  # noqa: E402
from onboard.config import Settings  # noqa: E402


def peak_rss_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def tree_size(root: Path) -> tuple[int, float]:
    files = [p for p in root.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files) / 1e6


def python_tree(target: Path, megabytes: float = 20.0) -> Path:
    """About ``megabytes`` of real Python source copied from site-packages."""
    site = Path(sysconfig.get_paths()["purelib"])
    total = 0
    for source in sorted(site.rglob("*.py")):
        if total >= megabytes * 1e6:
            break
        size = source.stat().st_size
        if size > 1_000_000:
            continue
        destination = target / source.relative_to(site)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, destination)
        total += size
    return target


def measure(name: str, root: Path, home: Path, embed: bool) -> None:
    settings = Settings.from_env(home=home)
    files, megabytes = tree_size(root)
    started = time.perf_counter()
    report = api.index_repo(root, name, settings, embed=False)
    graph_seconds = time.perf_counter() - started
    print(f"\n== {name}: {report.files} indexed files ({files} on disk, {megabytes:.1f} MB), "
          f"{report.symbols} symbols, {report.edges} edges, {report.chunks} chunks, {len(report.skipped)} skipped")
    print(f"symbols+graph: {graph_seconds:.2f} s = {report.files / graph_seconds:.0f} files/s, "
          f"{megabytes / graph_seconds:.1f} MB/s  (stages: {report.seconds})")
    full_seconds = graph_seconds
    if embed:
        started = time.perf_counter()
        report = api.reindex(name, settings)
        embed_seconds = time.perf_counter() - started
        full_seconds += embed_seconds
        print(f"embedding: {report.embedded} chunks in {embed_seconds:.1f} s = "
              f"{report.embedded / embed_seconds:.1f} chunks/s; full index {full_seconds:.1f} s")
    touched = next(p for p in sorted(root.rglob("*.py")) if p.stat().st_size > 2000)
    original = touched.read_text()
    touched.write_text(original + "\n\ndef added_by_benchmark():\n    return 42\n")
    try:
        started = time.perf_counter()
        report = api.reindex(name, settings, embed=embed)
        incremental = time.perf_counter() - started
    finally:
        touched.write_text(original)
    print(f"incremental reindex after touching {touched.relative_to(root)}: {incremental:.2f} s "
          f"({report.indexed} parsed, {report.embedded} embedded) = {incremental / full_seconds:.3f} of the full index")
    own, children = peak_rss_mb()
    print(f"peak RSS so far: {own:.0f} MB (this process), {children:.0f} MB (largest worker)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--path", type=Path, help="index this tree instead of the default corpora")
    parser.add_argument("--django", action="store_true", help="index the Django 5.2.8 sdist from PyPI")
    parser.add_argument("--no-embed", action="store_true", help="skip the embedding phase")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "indexes"
        if args.path or args.django:
            path = args.path.resolve() if args.path else pypi_sdist("django==5.2.8")
            work = Path(tmp) / path.name  # a copy: the incremental step touches a file
            shutil.copytree(path, work, symlinks=True)
            measure(path.name, work, home, not args.no_embed)
            return
        for name in ("requests-2.32.5", "flask-3.1.1"):
            work = Path(tmp) / name
            shutil.copytree(sdist(name), work)
            measure(name, work, home, not args.no_embed)
        tree = python_tree(Path(tmp) / "python-20mb")
        measure("python-20mb", tree, home, embed=False)
        print("\ntargets: symbols+graph of 20 MB Python < 10 s; incremental reindex < 2 s; peak RSS < 1.5 GB")


if __name__ == "__main__":
    main()
