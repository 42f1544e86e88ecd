"""50 concurrent questions against the retrieval+packing API on one index.

Every answer must arrive and equal the answer to the same question asked alone (nothing
corrupted by sharing an index between threads). Prints p50/p95/max latency and throughput,
beside the same questions asked one at a time.

    python bench/load_bench.py [--index-root flask-3.1.1] [--concurrency 50] [--budget 50000]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.corpus import CORPUS, questions  # noqa: E402
from bench.retrieval_bench import index_for  # noqa: E402
from onboard import api  # noqa: E402


def timed(index: api.Index, question: str, budget: int) -> tuple[float, list[str]]:
    started = time.perf_counter()
    paths = api.retrieve(index, question, budget).paths()
    return time.perf_counter() - started, paths


def summary(label: str, seconds: list[float], wall: float) -> str:
    ordered = sorted(seconds)
    p95 = ordered[math.ceil(len(ordered) * 0.95) - 1]  # nearest rank
    return (f"{label}: {len(seconds)} questions in {wall:.2f} s = {len(seconds) / wall:.1f} q/s; latency p50 "
            f"{statistics.median(ordered) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index-root", default="flask-3.1.1")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--budget", type=int, default=50_000)
    parser.add_argument("--home", type=Path, default=CORPUS / "bench-indexes")
    args = parser.parse_args()
    index = index_for(args.index_root, args.home, vectors=True)
    asked = [r["question"] for r in questions() if r["sdist_root"] == args.index_root]
    batch = (asked * (args.concurrency // len(asked) + 1))[: args.concurrency]
    api.retrieve(index, "warm up", 1000)

    started = time.perf_counter()
    sequential = [timed(index, q, args.budget) for q in batch]
    sequential_wall = time.perf_counter() - started

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        concurrent = list(pool.map(lambda q: timed(index, q, args.budget), batch))
    concurrent_wall = time.perf_counter() - started

    corrupted = sum(1 for (_, a), (_, b) in zip(sequential, concurrent) if a != b)
    print(f"index {args.index_root}, budget {args.budget:,} tokens, {args.concurrency} concurrent threads")
    print(summary("one at a time", [s for s, _ in sequential], sequential_wall))
    print(summary("concurrent   ", [s for s, _ in concurrent], concurrent_wall))
    print(f"answered {len(concurrent)}/{len(batch)}; differing from the one-at-a-time answer: {corrupted}; "
          f"throughput ratio concurrent/sequential {sequential_wall / concurrent_wall:.2f}")
    if corrupted or len(concurrent) != len(batch):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
