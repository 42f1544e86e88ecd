"""Chunking a file of many definitions: the time must grow with the file, not with its square.

Generated code (``*.pb.go``, big generated Java, tables of one-line functions) puts tens of thousands of
definitions into one file under the 5 MB limit. Each chunk is labelled with the deepest definition covering its
first line; searching for it from the file's top made chunking quadratic (a 4 MB file of 150,000 one-line
functions took 103 s to parse, 2026-11-28). This prints, for files of 10k, 20k and 40k one-line Python functions,
the seconds of ``chunk_file`` with the working tree's ``onboard/parse/chunker.py`` and, with ``--against REF``,
with the one committed at REF (asserting the same chunks) and the ratio, best of ``--repeat`` interleaved runs;
tree-sitter's parse of the same file is the reference that grows linearly.

    python bench/chunk_bench.py --against HEAD~1
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.corpus import module_at  # noqa: E402
from onboard.models import SourceFile  # noqa: E402
from onboard.parse import chunker, parse_file  # noqa: E402


def best_of(repeat: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", help="a git ref whose onboard/parse/chunker.py to time as well")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    before = module_at(args.against, "onboard/parse/chunker.py") if args.against else None
    print(f"{'definitions':>11} {'parse s':>8} {'chunk s':>8}" + (f" {args.against + ' s':>12} {'ratio':>6}"
                                                               if before else ""))
    for count in (10_000, 20_000, 40_000):
        text = "".join(f"def f{i}():\n    return {i}\n" for i in range(count))
        source = SourceFile("many.py", Path("many.py"), "python", len(text), "", text)
        parse = best_of(1, lambda: parse_file(source))
        symbols = parse_file(source).symbols
        now = best_of(args.repeat, lambda: chunker.chunk_file("many.py", text, symbols))
        line = f"{count:>11,} {parse:>8.2f} {now:>8.3f}"
        if before:
            assert before.chunk_file("many.py", text, symbols) == chunker.chunk_file("many.py", text, symbols)
            then = best_of(args.repeat, lambda: before.chunk_file("many.py", text, symbols))
            line += f" {then:>12.3f} {then / now:>6.1f}x"
        print(line, flush=True)


if __name__ == "__main__":
    main()
