"""Architecture maps of Django and flask: time to build and lay out each view, next to the old full rollup.

The web app sends DOT to the browser (``st.graphviz_chart``), where Graphviz compiled to WebAssembly
(@hpcc-js/wasm, inside Streamlit's GraphVizChart bundle) lays it out with ``dot``. So a view's time is
building the graph in Python plus ``dot`` laying the DOT out; this bench runs the same ``dot`` layout
natively (Debian's ``graphviz`` package: ``apt-get install graphviz``), which is faster than the browser's
WebAssembly build, and prints the DOT size, which the browser has to lay out too. With ``--browser`` it also
opens the Map page of the real web app in headless Chromium and times it until the drawing is on screen.

The reference is the map before this change, measured in the same run: every directory a package
(``rollup(graph, "package")``), nothing hidden, every edge drawn (by today's ``to_dot``, top to bottom rather
than left to right). Its layout is cut off after ``--reference-timeout`` seconds (it froze a browser tab for
5-13 minutes on Django).

    python bench/map_bench.py [--home DIR] [--repos django flask] [--browser]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.corpus import pypi_sdist, sdist  # noqa: E402
from onboard import api  # noqa: E402
from onboard.config import Settings  # noqa: E402
from onboard.store import views  # noqa: E402,F401  (imported before timing: a server has it loaded)
from onboard.graph import rollup, to_dot  # noqa: E402
from onboard.graph.packages import IMPORT_KINDS, import_graph  # noqa: E402

REPOS = {"django": lambda: pypi_sdist("django==5.2.8"), "flask": lambda: sdist("flask-3.1.1")}


def layout(dot: str, timeout: float) -> float | None:
    """Seconds ``dot -Tsvg`` takes on ``dot``; None when cut off at ``timeout``."""
    started = time.perf_counter()
    try:
        subprocess.run(["dot", "-Tsvg", "-o", os.devnull], input=dot, text=True, check=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    return time.perf_counter() - started


def timed(label: str, build, timeout: float) -> tuple[float, float | None]:
    """Build twice (the first in this process pays for path roles and imports, as a server's first map does),
    lay out once; returns the second build's seconds and the layout's."""
    started = time.perf_counter()
    build()
    first = time.perf_counter() - started
    started = time.perf_counter()
    graph, dot = build()
    built = time.perf_counter() - started
    laid = layout(dot, timeout)
    shown = f"{laid:6.2f} s" if laid is not None else f"> {timeout:.0f} s"
    total = f"{built + laid:6.2f} s" if laid is not None else f"> {built + timeout:.0f} s"
    print(f"  {label:<34} {graph.number_of_nodes():>5} nodes {graph.number_of_edges():>6} edges "
          f"{len(dot) / 1024:>5.0f} KiB DOT | build {first:5.2f} s first, {built:5.2f} s again | layout {shown} | "
          f"total {total}", flush=True)
    return built, laid


def bench_repo(index: api.Index, reference_timeout: float) -> None:
    def view(focus: str | None = None):
        graph = api.map_graph(index, "package", focus)
        return graph, api.render_map(graph, "dot", title=index.name)

    def reference():  # the map before this change: each directory a package, everything shown, every edge
        graph = rollup(import_graph(index.db.file_graph(IMPORT_KINDS)), "package")
        return graph, to_dot(graph, title=index.name)

    print(f"{index.name}:")
    new_built, new_laid = timed("package map (this change)", view, 60)
    overview = api.map_graph(index, "package")
    biggest = max((n for n, d in overview.nodes(data=True) if d.get("kind") == "package"),
                  key=lambda n: overview.nodes[n].get("files", 0), default=None)
    if biggest:
        timed(f"open {biggest}", lambda: view(biggest), 60)
    central = max(index.db.files(), key=lambda f: f.pagerank).path
    timed(f"open {central.rsplit('/', 1)[-1]} (definitions)", lambda: view(central), 60)
    old_built, old_laid = timed("reference: every directory, all", reference, reference_timeout)
    new_total = new_built + (new_laid or 0)
    old_total = old_built + (old_laid if old_laid is not None else reference_timeout)
    bound = "" if old_laid is not None else "at least "
    print(f"  => package map {new_total:.2f} s, reference {bound}{old_total:.2f} s: ratio reference/this "
          f"{bound}{old_total / new_total:.1f}", flush=True)


def browser(home: Path, names: list[str]) -> None:
    """Seconds from opening the Map page until its drawing is on screen, in headless Chromium."""
    from playwright.sync_api import sync_playwright

    from tests.test_browser_e2e import CHROMIUM, FLAGS, serve

    with serve(home, with_claude=False) as url, sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = chromium.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        for name in names:
            for attempt in ("first (builds the view)", "again (view cached)"):
                started = time.perf_counter()
                page.goto(f"{url}/?page=map&index={name}", wait_until="domcontentloaded")
                page.get_by_text("Open a package or module").wait_for(timeout=120_000)  # the page up to the chart
                controls = time.perf_counter() - started
                page.locator("svg g.node").first.wait_for(timeout=120_000)
                drawn = time.perf_counter() - started
                print(f"  browser, {name} map page, {attempt}: {drawn:.2f} s to a drawing of "
                      f"{page.locator('svg g.node').count()} nodes ({controls:.2f} s to the map's controls, "
                      f"{drawn - controls:.2f} s from there to the drawing)", flush=True)
        chromium.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--home", type=Path, help="Index home to reuse (default: a temporary one)")
    parser.add_argument("--repos", nargs="+", default=list(REPOS), choices=list(REPOS))
    parser.add_argument("--reference-timeout", type=float, default=300)
    parser.add_argument("--browser", action="store_true", help="Also time the Map page in headless Chromium")
    args = parser.parse_args()
    if not shutil.which("dot"):
        sys.exit("needs Graphviz's dot: apt-get install graphviz")
    with tempfile.TemporaryDirectory() as scratch:
        home = args.home or Path(scratch) / "indexes"
        settings = Settings.from_env(home=home)
        for name in args.repos:
            if name not in api.index_names(settings):
                started = time.perf_counter()
                api.index_repo(REPOS[name](), name, settings, embed=False)
                print(f"indexed {name} in {time.perf_counter() - started:.0f} s (not part of any figure)", flush=True)
            bench_repo(api.open_index(name, settings), args.reference_timeout)
        if args.browser:
            browser(home, args.repos)


if __name__ == "__main__":
    main()
