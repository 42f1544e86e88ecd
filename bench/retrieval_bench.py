"""Does the packed context contain the files needed to answer? On ../shared/eval/dev.jsonl.

For budgets of 13k, 27k, 50k and 200k tokens it prints the share of questions whose packed context
holds *all* gold files and the mean share of gold files held (recall), for onboard and for a
plain baseline: BM25 over whole files (plain lowercase words), whole files packed by rank into the
same budget with the same token counter. Also retrieval+packing latency per question.

    python bench/retrieval_bench.py              # vectors on (indexes are cached in .corpus/bench-indexes)
    python bench/retrieval_bench.py --no-vectors # lexical + symbols + graph only (faster first run)
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.corpus import CORPUS, questions, sdist  # noqa: E402
from onboard import api  # noqa: E402
from onboard.config import Settings  # noqa: E402
from onboard.pack import whole_document  # noqa: E402
from onboard.retrieve.bm25 import BM25  # noqa: E402

BUDGETS = (13_000, 27_000, 50_000, 200_000)


class WholeFileBM25:
    """The baseline: plain BM25 over whole files, whole files packed by rank."""

    def __init__(self, index: api.Index) -> None:
        self.texts = index.db.texts()
        self.paths = sorted(self.texts)
        self.bm25 = BM25([self.words(p + "\n" + self.texts[p]) for p in self.paths])

    @staticmethod
    def words(text: str) -> list[str]:
        return re.findall(r"[a-z0-9]+", text.lower())

    def pack(self, question: str, budget: int) -> set[str]:
        scores = self.bm25.scores(self.words(question))
        chosen, left = set(), budget
        for i in sorted(range(len(self.paths)), key=lambda i: -scores[i]):
            path = self.paths[i]
            lines = self.texts[path].split("\n")
            tokens = whole_document(path, lines, "bm25", "ranked").tokens
            if tokens <= left:
                chosen.add(path)
                left -= tokens
            if left < 100:
                break
        return chosen


def index_for(root_name: str, home: Path, vectors: bool) -> api.Index:
    settings = Settings.from_env(home=home)
    name = root_name + ("" if vectors else "-novec")
    if name not in api.index_names(settings):
        print(f"indexing {root_name} ...", file=sys.stderr, flush=True)
        api.index_repo(sdist(root_name), name, settings, embed=vectors)
    return api.open_index(name, settings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-vectors", action="store_true")
    parser.add_argument("--home", type=Path, default=CORPUS / "bench-indexes")
    args = parser.parse_args()
    rows = questions()
    ours: dict[int, list[float]] = defaultdict(list)
    ours_all: dict[int, list[bool]] = defaultdict(list)
    base: dict[int, list[float]] = defaultdict(list)
    base_all: dict[int, list[bool]] = defaultdict(list)
    latency: list[float] = []
    indexes: dict[str, tuple[api.Index, WholeFileBM25]] = {}
    for row in rows:
        root = row["sdist_root"]
        if root not in indexes:
            index = index_for(root, args.home, not args.no_vectors)
            indexes[root] = (index, WholeFileBM25(index))
        index, baseline = indexes[root]
        gold = set(row["gold_files"])
        api.retrieve(index, "warm up", 1000) if not latency else None
        for budget in BUDGETS:
            started = time.perf_counter()
            packed = set(api.retrieve(index, row["question"], budget).paths())
            if budget == BUDGETS[-1]:
                latency.append(time.perf_counter() - started)
            ours[budget].append(len(gold & packed) / len(gold))
            ours_all[budget].append(gold <= packed)
            got = baseline.pack(row["question"], budget)
            base[budget].append(len(gold & got) / len(gold))
            base_all[budget].append(gold <= got)
    mode = "BM25 + vectors + symbols + graph" if not args.no_vectors else "BM25 + symbols + graph (no vectors)"
    print(f"{len(rows)} questions over {len(indexes)} sdists; onboard = {mode}")
    print(f"{'budget':>8} | {'all gold: onboard':>17} {'baseline':>9} {'ratio':>6} | "
          f"{'recall: onboard':>15} {'baseline':>9} {'ratio':>6}")
    for budget in BUDGETS:
        a, b = statistics.mean(ours_all[budget]), statistics.mean(base_all[budget])
        r, s = statistics.mean(ours[budget]), statistics.mean(base[budget])
        print(f"{budget:>8} | {a:>17.1%} {b:>9.1%} {a / b if b else float('inf'):>6.2f} | "
              f"{r:>15.1%} {s:>9.1%} {r / s if s else float('inf'):>6.2f}")
    latency.sort()
    print(f"retrieval+packing at 200k: p50 {statistics.median(latency) * 1000:.0f} ms, "
          f"p95 {latency[int(len(latency) * 0.95) - 1] * 1000:.0f} ms, max {latency[-1] * 1000:.0f} ms")
    print("targets: 200k all-gold >= 95%; 27k all-gold >= 1.5x baseline; p50 < 500 ms")


if __name__ == "__main__":
    main()
