"""Memory of a process that asks questions across many indexes: per-index retriever size, and the
bound ``ONBOARD_RETRIEVER_MEMORY_MB`` keeps (least recently used retrievers are dropped).

For each cached bench index (.corpus/bench-indexes, built by retrieval_bench.py) it builds the
retriever, asks one question and prints the resident memory it added next to our estimate. Then it
asks across all of them twice more, once unbounded (the reference: every retriever kept) and once with
the bound, and prints the resident memory of both.

    python bench/memory_bench.py [--bound-mb 512] [--limit 40]
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.corpus import CORPUS  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1_048_576


def ask_all(home: Path, names: list[str], per_index: bool) -> None:
    from onboard import api
    from onboard.config import Settings
    from onboard.retrieve.hybrid import cached_retrievers, retriever_for

    settings = Settings.from_env(home=home)
    for name in names:
        index = api.open_index(name, settings)
        before = rss_mb()
        retriever_for(index).rank("How is the configuration loaded and validated?")
        gc.collect()
        if per_index:
            estimate = next(size for path, size in cached_retrievers() if path.endswith("/" + name)) / 1_048_576
            print(f"{name:<32} +{rss_mb() - before:7.1f} MB resident, estimate {estimate:7.1f} MB", flush=True)
    print(f"RESULT rss {rss_mb():.0f} MB, retrievers kept {len(cached_retrievers())} of {len(names)}", flush=True)


def child(home: Path, names: list[str], bound_mb: int | None, per_index: bool) -> str:
    env = dict(os.environ)
    if bound_mb is not None:
        env["ONBOARD_RETRIEVER_MEMORY_MB"] = str(bound_mb)
    code = (f"import sys; sys.path.insert(0, {str(Path(__file__).resolve().parents[1])!r}); "
            f"from bench.memory_bench import ask_all; from pathlib import Path; "
            f"ask_all(Path({str(home)!r}), {names!r}, {per_index})")
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--home", type=Path, default=CORPUS / "bench-indexes")
    parser.add_argument("--bound-mb", type=int, default=512)
    parser.add_argument("--limit", type=int, default=40)
    args = parser.parse_args()
    names = sorted(p.name for p in args.home.glob("*") if (p / "index.sqlite3").exists())[:args.limit]
    print(f"{len(names)} indexes in {args.home}")
    print(child(args.home, names, 1_000_000, per_index=True), end="")
    unbounded = child(args.home, names, 1_000_000, per_index=False).strip()
    bounded = child(args.home, names, args.bound_mb, per_index=False).strip()
    print(f"unbounded (reference): {unbounded}\nbounded at {args.bound_mb} MB: {bounded}")


if __name__ == "__main__":
    main()
