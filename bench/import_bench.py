"""Imports that name the repository's own code by a package, crate or module name, or by a path alias.

A monorepo's JS/TS packages import each other by their package.json names, apps import through tsconfig's
``paths`` (``@/components/...``), a Cargo workspace's crates ``use`` each other by crate name, a Go repository
may hold several go.mod modules, and composer maps PHP namespaces to folders; ``onboard/graph/resolve.py`` and
``js_modules.py`` read those manifests. Per source tree this prints, for its JS/TS, Rust, Go, Java, Kotlin,
Scala and PHP files, the import edges that land on a repository file and those left to external packages, with
the manifests read and, as the reference in the same run, with only the top-level go.mod (what the resolver read
before), plus the seconds each resolution of the whole tree took (best of three).

Default trees: PyPI sdists downloaded once under .corpus/pypi: JupyterLab (a yarn workspace), Panel (a tsconfig
whose aliases point into node_modules, which must stay external), Ruff (a Cargo workspace). Or pass folders.

    python bench/import_bench.py [FOLDER ...]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.corpus import pypi_sdist  # noqa: E402
from onboard.graph import config_file, resolve_imports  # noqa: E402
from onboard.models import Edge  # noqa: E402
from onboard.parse import parse_file  # noqa: E402
from onboard.scan import scan_repo  # noqa: E402

SDISTS = ("jupyterlab==4.6.6", "panel==1.10.0", "ruff==0.17.6")
LANGUAGES = frozenset({"javascript", "typescript", "tsx", "rust", "go", "java", "kotlin", "scala", "php"})


def resolved(parsed: list, paths: set[str], texts: dict[str, str]) -> tuple[list[Edge], float]:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        edges = resolve_imports(parsed, paths, texts)
        best = min(best, time.perf_counter() - started)
    return edges, best


def report(root: Path) -> None:
    files = scan_repo(root).files
    js = {f.path for f in files if f.language in LANGUAGES}
    parsed = [parse_file(f) for f in files]
    paths = {f.path for f in files}
    configs = {f.path: f.text for f in files if config_file(f.path)}
    print(f"\n== {root.name}: {len(js)} JS/TS, Rust, Go, JVM and PHP files, {len(configs)} manifests read")
    runs = {"with names, aliases and modules": resolved(parsed, paths, configs),
            "top go.mod only (reference)": resolved(parsed, paths, {p: t for p, t in configs.items() if p == "go.mod"})}
    for label, (edges, seconds) in runs.items():
        inner = [e for e in edges if e.src in js and e.kind == "import"]
        outer = Counter(e.dst for e in edges if e.src in js and e.kind == "external")
        print(f"{label:<34} {len(inner):5} edges to repository files, {sum(outer.values()):5} to "
              f"{len(outer)} external packages; resolved in {seconds * 1000:.0f} ms")
    (new, _), (old, _) = runs.values()
    gone = Counter(e.dst for e in old if e.src in js and e.kind == "external") - \
        Counter(e.dst for e in new if e.src in js and e.kind == "external")
    print("now the repository's own:", ", ".join(f"{name[4:]} ({count})" for name, count in gone.most_common(6))
          or "none")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="*", type=Path, help="source trees (default: the PyPI sdists above)")
    args = parser.parse_args()
    for root in args.folders or [pypi_sdist(requirement) for requirement in SDISTS]:
        report(root.resolve())


if __name__ == "__main__":
    main()
