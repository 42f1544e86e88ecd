"""The symbol graph (which definition uses which) and the guide built on it, on large repositories.

``Index.symbol_graph`` is built from the stored definitions and uses the first time a process needs it:
the web app's chat opens with the guide (its overview ranks definitions by their users), and Claude's
``symbol_uses`` tool and the symbol maps read it too. On a big repository that first build is what a new
user waits for. Per index this prints the definitions and uses, then the seconds to build the graph with
the working tree's ``onboard/graph/symbols.py`` and, with ``--against REF``, with the one committed at REF
(asserting the same nodes and edges with the same attributes, in the same order) and the ratio, best of
``--repeat`` interleaved runs; then the seconds to build the whole guide from a freshly opened index.

    python bench/symbol_graph_bench.py --against HEAD~1
"""

from __future__ import annotations

import argparse
import gc
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.corpus import CORPUS, module_at, pypi_sdist  # noqa: E402
from bench.retrieval_bench import index_for  # noqa: E402
from onboard import api  # noqa: E402
from onboard.config import Settings  # noqa: E402
from onboard.graph import symbol_graph  # noqa: E402

HOME = CORPUS / "bench-indexes"
SDISTS = ("sympy-1.14.0", "matplotlib-3.10.3", "scikit_learn-1.7.1")  # the biggest of dev_large
DJANGO = "django==5.2.8"


def indexes() -> list[api.Index]:
    """The dev_large sdists' indexes (shared with bench/retrieval_bench.py) and Django's."""
    found = [index_for(name, HOME, False) for name in SDISTS]
    settings = Settings.from_env(home=HOME)
    if "django-5.2.8-novec" not in api.index_names(settings):
        print("indexing Django 5.2.8 ...", file=sys.stderr, flush=True)
        api.index_repo(pypi_sdist(DJANGO), "django-5.2.8-novec", settings, embed=False)
    return found + [api.open_index("django-5.2.8-novec", settings)]


def timed(build: Callable[[], object]) -> tuple[float, object]:
    gc.collect()  # the garbage of the last build (a graph of a few hundred thousand edges) is not this one's cost
    started = time.perf_counter()
    result = build()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--against", metavar="REF", help="also build with symbols.py at REF; assert the same graph")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    before = module_at(args.against, "onboard/graph/symbols.py").symbol_graph if args.against else None
    print(f"symbol graph, working tree{f' against {args.against}' if before else ''}; "
          f"{subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")
    for index in indexes():
        db = index.db
        symbols, uses, edges = db.symbols(), db.references(), db.edges()
        builders = {"now": lambda: symbol_graph(symbols, uses, edges)}
        if before:
            builders["then"] = lambda: before(symbols, uses, edges)
        seconds: dict[str, list[float]] = {key: [] for key in builders}
        for _ in range(args.repeat):  # interleaved: a busy neighbour slows both alike
            graphs = {}
            for key, build in builders.items():
                took, graphs[key] = timed(build)
                seconds[key].append(took)
            if before:
                assert list(graphs["now"].nodes(data=True)) == list(graphs["then"].nodes(data=True)), index.name
                assert list(graphs["now"].edges(data=True)) == list(graphs["then"].edges(data=True)), index.name
            edge_count = graphs["now"].number_of_edges()
            del graphs
        now = min(seconds["now"])
        line = (f"{index.name:<28} {len(symbols):>7,} definitions {len(uses):>8,} uses → {edge_count:>7,} "
                f"edges: {now:6.2f} s")
        if before:
            then = min(seconds["then"])
            line += f" (at {args.against}: {then:6.2f} s, {then / now:.2f}x faster, same graph)"
        fresh = api.open_index(index.name, Settings.from_env(home=HOME))
        guide_seconds, guide = timed(lambda: api.guide_for(fresh))
        print(line + f"; guide of {len(guide.pages)} pages from a fresh index {guide_seconds:.1f} s", flush=True)


if __name__ == "__main__":
    main()
