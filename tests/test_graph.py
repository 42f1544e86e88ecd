"""graph: imports resolved to files, references, centrality, roll-ups, cycles and exports."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest

from onboard.graph import (build_file_graph, find_cycles, pagerank, personalized_pagerank, probe_names,
                           reference_edges, resolve_imports, rollup, symbol_graph, symbol_neighbourhood, to_dot,
                           to_json, to_mermaid)
from onboard.graph.js_modules import JsModules
from onboard.models import Edge, Reference, SourceFile, Symbol
from onboard.parse import parse_file
from onboard.scan import scan_repo
from tests.conftest import FIXTURES, MONOREPO, ROOT, write_files

IMPORTS = [
    ("python", "shop/cart.py", "shop/payments/gateway.py"),
    ("python", "shop/__init__.py", "shop/cart.py"),
    ("javascript", "src/cart.js", "src/util.js"),
    ("typescript", "src/View.tsx", "src/cart.ts"),
    ("typescript", "src/cart.ts", "src/model.ts"),
    ("go", "cmd/main.go", "store/store.go"),
    ("java", "src/main/java/com/shop/Cart.java", "src/main/java/com/shop/Item.java"),
    ("rust", "src/main.rs", "src/cart.rs"),
    ("c", "src/cart.c", "src/cart.h"),
    ("cpp", "src/cart.cpp", "src/cart.hpp"),
    ("ruby", "lib/shop/cart.rb", "lib/shop/item.rb"),
    ("csharp", "Shop/Cart.cs", "Shop/Item.cs"),
]
EXTERNAL = [("python", "shop/payments/gateway.py", "ext:requests"), ("javascript", "src/cart.js", "ext:lodash"),
            ("go", "cmd/main.go", "ext:github.com/spf13/cobra"), ("rust", "src/main.rs", "ext:serde"),
            ("python", "shop/payments/gateway.py", "ext:stdlib:json")]


def edges_in(root: Path) -> list[Edge]:
    """The import edges of the repository at ``root``, its manifests read as the indexer reads them."""
    files = scan_repo(root).files
    texts = {f.path: f.text for f in files}
    return resolve_imports([parse_file(f) for f in files], set(texts), texts)


def edges_of(language_dir: str) -> list[Edge]:
    return edges_in(FIXTURES / language_dir)


@pytest.mark.parametrize(("language_dir", "src", "dst"), IMPORTS, ids=[i[1] for i in IMPORTS])
def test_imports_resolve_to_repo_files(language_dir: str, src: str, dst: str) -> None:
    assert (src, dst, "import") in {(e.src, e.dst, e.kind) for e in edges_of(language_dir)}


@pytest.mark.parametrize(("language_dir", "src", "dst"), EXTERNAL, ids=[e[2] for e in EXTERNAL])
def test_unresolved_imports_become_external_nodes(language_dir: str, src: str, dst: str) -> None:
    assert (src, dst, "external") in {(e.src, e.dst, e.kind) for e in edges_of(language_dir)}


def project_graph() -> nx.DiGraph:
    files = [f for f in scan_repo(ROOT).files if f.path.startswith("onboard/")]
    parsed = [parse_file(f) for f in files]
    imports = resolve_imports(parsed, {f.path for f in files})
    edges = imports + reference_edges(parsed, imports)
    return build_file_graph({f.path: {"lines": f.text.count("\n")} for f in files}, edges)


def test_real_repo_graph_and_centrality() -> None:
    graph = project_graph()
    assert graph.has_edge("onboard/store/indexer.py", "onboard/scan/__init__.py")
    assert "reference" in graph.edges["onboard/answer/loop.py", "onboard/pack/prompt.py"]["kinds"]
    ranks = pagerank(graph)
    assert abs(sum(ranks.values()) - 1) < 1e-6
    # networkx's own, iterated to convergence: the same ranks (weights, files that import nothing).
    internal = graph.subgraph(n for n, ext in graph.nodes(data="external") if not ext)
    exact = nx.pagerank(internal, weight="weight", tol=1e-15, max_iter=1000)
    assert max(abs(ranks[n] - exact[n]) / exact[n] for n in internal) < 1e-6
    # Shared records are depended on by everything; a CLI command module by nothing.
    assert ranks["onboard/models.py"] > ranks["onboard/cli/map_cmds.py"]
    assert graph.nodes["ext:networkx"]["external"]


def test_probe_names_say_which_imports_could_find_a_path_or_that_all_must_be_resolved() -> None:
    assert probe_names("shop/orders.py") == {"orders"}
    assert probe_names("web/util/index.ts") == {"index", "util"}  # "./util" finds it by its folder
    assert probe_names("src/cart/mod.rs") == {"mod", "cart"}
    for everything in ("shop/__init__.py", "cmd/main.go", "Shop/Cart.cs", "index.ts", "caf\u00e9.py"):
        assert probe_names(everything) is None, everything


def test_personalized_pagerank_reaches_dependencies() -> None:
    graph = project_graph()
    walk = personalized_pagerank(graph, {"onboard/store/indexer.py": 1.0})
    assert walk["onboard/store/indexer.py"] == max(walk.values())
    assert walk["onboard/store/db.py"] > walk["onboard/web/maps.py"]


def toy() -> nx.DiGraph:
    files = {"a/x.py": {"lines": 10}, "a/y.py": {"lines": 30}, "b/z.py": {"lines": 5}}
    edges = [Edge("a/x.py", "b/z.py"), Edge("b/z.py", "a/x.py"), Edge("a/y.py", "a/x.py"),
             Edge("a/y.py", "ext:requests", "external")]
    return build_file_graph(files, edges)


def test_rollup_and_cycles() -> None:
    packages = rollup(toy(), "package")
    assert set(packages.nodes) == {"a", "b", "ext:requests"}
    assert packages.nodes["a"]["files"] == 2 and packages.nodes["a"]["lines"] == 40
    assert find_cycles(toy()) == [["a/x.py", "b/z.py"]]
    assert find_cycles(packages) == [["a", "b"]]
    with pytest.raises(ValueError):
        rollup(toy(), "galaxy")


def test_exports_are_well_formed() -> None:
    graph = rollup(toy(), "package")
    dot = to_dot(graph)
    assert dot.startswith("digraph") and dot.rstrip().endswith("}")
    assert "subgraph cluster_external" in dot
    assert '"b" -> "a" [weight=1, color="#c0392b"' in dot  # the import closing the cycle is red
    mermaid = to_mermaid(graph)
    assert mermaid.splitlines()[0] == "flowchart TD" and "subgraph external" in mermaid
    assert "linkStyle" in mermaid
    data = json.loads(to_json(graph))
    assert {n["id"] for n in data["nodes"]} == {"a", "b", "ext:requests"}
    assert data["cycles"] == [["a", "b"]]
    assert {"source": "a", "target": "ext:requests"}.items() <= next(
        e for e in data["edges"] if e["target"] == "ext:requests").items()


def shop_symbols() -> nx.DiGraph:
    files = scan_repo(FIXTURES / "python").files
    parsed = [parse_file(f) for f in files]
    edges = resolve_imports(parsed, {f.path for f in files})
    return symbol_graph([s for p in parsed for s in p.symbols], [r for p in parsed for r in p.references], edges)


def test_symbol_graph_links_uses_to_definitions() -> None:
    graph = shop_symbols()
    # A method calls a function of an imported module, and a sibling method of its own class.
    assert graph.has_edge("shop/cart.py::Cart.checkout", "shop/payments/gateway.py::charge")
    assert graph.has_edge("shop/cart.py::Cart.checkout", "shop/cart.py::Cart.total")
    assert not graph.has_edge("shop/cart.py::Cart.total", "shop/cart.py::Cart.checkout")
    assert graph.nodes["shop/cart.py::Cart.checkout"]["kind"] == "method"
    assert not any(graph.has_edge(n, n) for n in graph)  # a definition does not "use" its own name


def test_each_use_of_a_name_resolves_on_its_own() -> None:
    """Uses of one name in one file share that file's import scopes, but a use inside the definition it
    names skips that definition (recursion is not a use), and the next use must not inherit the skip."""
    walk_here = Symbol("walk", "walk", "function", "a.py", 1, 3, "def walk(node):")
    walk_there = Symbol("walk", "walk", "function", "b.py", 1, 2, "def walk(tree):")
    uses = [Reference("walk", "a.py", 2), Reference("walk", "a.py", 5), Reference("walk", "c.py", 1)]
    graph = symbol_graph([walk_here, walk_there], uses, [Edge("a.py", "b.py"), Edge("c.py", "a.py")])
    assert graph.has_edge("a.py::walk", "b.py::walk")  # inside walk: the imported one
    assert graph.has_edge("a.py", "a.py::walk")  # module level: the file's own
    assert not graph.has_edge("a.py", "b.py::walk")
    assert graph.has_edge("c.py", "a.py::walk") and not graph.has_edge("c.py", "b.py::walk")  # nearest import first


def test_symbol_graph_of_a_real_repo() -> None:
    files = [f for f in scan_repo(ROOT).files if f.path.startswith("onboard/")]
    parsed = [parse_file(f) for f in files]
    edges = resolve_imports(parsed, {f.path for f in files})
    graph = symbol_graph([s for p in parsed for s in p.symbols], [r for p in parsed for r in p.references], edges)
    assert graph.has_edge("onboard/store/index.py::Index.symbol_graph", "onboard/graph/symbols.py::symbol_graph")
    assert graph.has_edge("onboard/graph/symbols.py::symbol_graph", "onboard/graph/symbols.py::_resolve")
    around = symbol_neighbourhood(graph, "onboard/graph/symbols.py")
    assert "onboard/store/index.py::Index.symbol_graph" in around  # a caller from another file
    assert "onboard/cli/ask_cmd.py::ask" not in around
    assert json.loads(to_json(around))["edges"]


def test_a_standard_library_import_resolves_in_the_repository_only_within_the_importers_own_root() -> None:
    """A namespace package in test data that happens to be called `logging` is a source root of its own:
    `import logging` elsewhere means the standard library's (pylint's doc examples were all linked to one)."""
    files = {
        "tests/data/ns/pkg/logging/__init__.py": "LEVEL = 1\n",
        "tests/data/ns/pkg/use.py": "import logging\n",
        "tests/data/ns/pkg/tool/__init__.py": "",
        "docs/examples/bad.py": "import logging\nimport tool\n",
        "app/__init__.py": "",
        "app/main.py": "import logging\nimport json\n",
    }
    parsed = [parse_file(SourceFile(path, Path(path), "python", len(text), "0" * 64, text)) for path, text in files.items()]
    edges = {(e.src, e.dst, e.kind) for e in resolve_imports(parsed, set(files))}
    assert ("app/main.py", "ext:stdlib:logging", "external") in edges
    assert ("docs/examples/bad.py", "ext:stdlib:logging", "external") in edges
    assert ("tests/data/ns/pkg/use.py", "tests/data/ns/pkg/logging/__init__.py", "import") in edges
    assert ("docs/examples/bad.py", "tests/data/ns/pkg/tool/__init__.py", "import") in edges  # not a stdlib name


def test_a_monorepo_imports_its_packages_by_name_and_its_own_files_through_path_aliases(tmp_path: Path) -> None:
    """Workspace packages (`@acme/ui`, its `exports` subpaths, a `main` that names built output), tsconfig
    aliases (`@/components/header`, in a JSONC config that extends another) and a package's own `#` subpath
    imports are the repository's own files, not external packages; a package.json that no workspace lists (a test
    fixture called "react") names nothing. A relative import finds a declaration file too."""
    edges = {(e.src, e.dst, e.kind) for e in edges_in(write_files(tmp_path / "acme", MONOREPO))}
    page = "apps/web/src/app/page.tsx"
    assert {(dst, kind) for src, dst, kind in edges if src == page} == {
        ("packages/ui/src/index.ts", "import"), ("packages/ui/src/button.tsx", "import"),
        ("packages/shared/src/main.ts", "import"), ("packages/shared/src/format.ts", "import"),
        ("apps/web/src/components/header.tsx", "import"), ("ext:react", "external")}
    assert ("packages/shared/src/format.ts", "packages/shared/src/internal/pad.ts", "import") in edges
    assert ("packages/ui/src/index.ts", "packages/ui/src/props.d.ts", "import") in edges


def test_broken_or_hostile_module_configs_resolve_nothing_and_run_nothing(tmp_path: Path) -> None:
    """Repository text is data: a config nested past any parser's depth, of the wrong shape, or a YAML tag that
    would call a function under an unsafe loader leaves those imports external, and nothing runs."""
    marker = tmp_path / "ran"
    texts = {"tsconfig.json": "[" * 100_000, "package.json": "[1, 2]",
             "web/tsconfig.json": '{"compilerOptions": {"baseUrl": 5, "paths": {"@/*": "src/*"}}}',
             "pnpm-workspace.yaml": f"packages: !!python/object/apply:os.system ['touch {marker}']\n"}
    modules = JsModules(texts)
    assert modules.packages == {} and modules.candidates("web/app.ts", "@/x") == []
    assert not marker.exists()


def test_a_go_monorepo_resolves_each_import_by_the_module_whose_path_it_extends_most(tmp_path: Path) -> None:
    """A repository of several Go modules has a go.mod per module: an import belongs to the longest module path it
    extends, in that module's folder. A go.mod under testdata is no module of the build."""
    go = "package {}\n\nfunc F() {{}}\n"
    root = write_files(tmp_path / "mono", {
        "go.mod": "module example.com/mono\n\ngo 1.22\n",
        "pkg/log/log.go": go.format("log"),
        "services/api/go.mod": "module example.com/mono/services/api\n",
        "services/api/handlers/h.go": go.format("handlers"),
        "libs/util/go.mod": 'module "example.com/util"\n',
        "libs/util/strs/strs.go": go.format("strs"),
        "tools/testdata/go.mod": "module example.com/util/strs\n",
        "tools/testdata/fake.go": go.format("strs"),
        "services/api/main.go": 'package main\n\nimport (\n\t"example.com/mono/pkg/log"\n\t"example.com/mono/services/'
                                'api/handlers"\n\t"example.com/util/strs"\n)\n\nfunc main() {\n\tlog.F()\n}\n',
    })
    edges = edges_in(root)
    assert {e.dst for e in edges if e.src == "services/api/main.go"} == {
        "pkg/log/log.go", "services/api/handlers/h.go", "libs/util/strs/strs.go"}


def test_a_rust_workspace_crate_uses_another_by_its_name(tmp_path: Path) -> None:
    """The crates of a Cargo workspace `use` each other by crate name (`acme-core` is written `acme_core`): a path
    reaches the module file it names, or the crate's root file for what that defines (also under a new name, `use
    acme_core as core_crate`); a path from a module the file declares (`mod screen;`, `use screen::Screen`) is
    that module's; other crates stay external."""
    root = write_files(tmp_path / "acme", {
        "Cargo.toml": '[workspace]\nmembers = ["crates/*"]\n',
        "crates/core/Cargo.toml": '[package]\nname = "acme-core"\nversion = "0.1.0"\n',
        "crates/core/src/lib.rs": "pub mod money;\n\npub struct Ledger;\n",
        "crates/core/src/money.rs": "pub struct Money(pub i64);\n",
        "crates/app/Cargo.toml": '[package]\nname = "app"\n\n[dependencies]\nacme-core = { path = "../core" }\n',
        "crates/app/src/screen.rs": "pub struct Screen;\n",
        "crates/app/src/main.rs": "mod screen;\n\nuse acme_core::money::Money;\nuse acme_core as core_crate;\n"
                                  "use screen::Screen;\nuse serde::Serialize;\n\n"
                                  "fn main() {\n    let _ = (Money(1), core_crate::Ledger);\n}\n",
    })
    edges = edges_in(root)
    assert {e.dst for e in edges if e.src == "crates/app/src/main.rs"} == {
        "crates/core/src/money.rs", "crates/core/src/lib.rs", "crates/app/src/screen.rs", "ext:serde"}


def test_crate_paths_start_at_the_root_of_the_crate_that_holds_the_file(tmp_path: Path) -> None:
    """`crate::` names the importing file's own crate: in a workspace that is the crate's `src/` (or its `[lib]
    path`'s folder), not the repository's top-level `src/`, which is where the resolver looked (Ruff's sdist: 133 of
    1,259 files using `crate::` had an edge into their own crate)."""
    root = write_files(tmp_path / "ws", {
        "Cargo.toml": '[workspace]\nmembers = ["crates/*", "tools/gen"]\n',
        "src/util.rs": "pub fn top() {}\n",
        "crates/lint/Cargo.toml": '[package]\nname = "lint"\n',
        "crates/lint/src/lib.rs": "pub mod util;\npub mod rules;\n",
        "crates/lint/src/util.rs": "pub fn helper() {}\n",
        "crates/lint/src/rules/mod.rs": "pub mod unused;\n",
        "crates/lint/src/rules/unused.rs": "use crate::util::helper;\nuse crate::rules;\n",
        "crates/fmt/src/lib.rs": "pub mod util;\nuse crate::util::width;\n",  # no Cargo.toml indexed
        "crates/fmt/src/util.rs": "pub fn width() {}\n",
        "tools/gen/Cargo.toml": '[package]\nname = "gen"\n\n[lib]\npath = "gen.rs"\n',
        "tools/gen/gen.rs": "mod emit;\nuse crate::emit::out;\n",
        "tools/gen/emit.rs": "pub fn out() {}\n",
    })
    edges = {(e.src, e.dst) for e in edges_in(root)}
    assert {dst for src, dst in edges if src == "crates/lint/src/rules/unused.rs"} == {
        "crates/lint/src/util.rs", "crates/lint/src/rules/mod.rs"}
    assert ("crates/fmt/src/lib.rs", "crates/fmt/src/util.rs") in edges
    assert ("tools/gen/gen.rs", "tools/gen/emit.rs") in edges
    assert not any(dst == "src/util.rs" for _, dst in edges)


def test_a_php_class_is_found_where_composers_psr4_autoload_puts_it(tmp_path: Path) -> None:
    """`App\\Models\\User` lives in `app/Models/User.php` because composer.json maps `App\\` to `app/`; a `use`
    names what it imports, not its alias, and a group `use A\\{B}` names `A\\B`. Before, PHP imports made no edge."""
    php = "<?php\nnamespace {};\n\nclass {} {{}}\n"
    root = write_files(tmp_path / "shop", {
        "composer.json": '{"autoload": {"psr-4": {"App\\\\": "app/"}}, '
                         '"autoload-dev": {"psr-4": {"Tests\\\\": "tests/"}}}',
        "app/Models/User.php": php.format("App\\Models", "User"),
        "app/Models/Post.php": php.format("App\\Models", "Post"),
        "tests/Feature/UserTest.php": "<?php\nnamespace Tests\\Feature;\n\nuse App\\Models\\User;\n",
        "app/Http/Controllers/UserController.php": "<?php\nnamespace App\\Http\\Controllers;\n\nuse App\\Models\\User;\n"
                                                   "use App\\Models\\{Post};\nuse Illuminate\\Support\\Str as S;\n",
    })
    edges = {(e.src, e.dst) for e in edges_in(root)}
    assert {dst for src, dst in edges if src == "app/Http/Controllers/UserController.php"} == {
        "app/Models/User.php", "app/Models/Post.php", "ext:Illuminate"}
    assert ("tests/Feature/UserTest.php", "app/Models/User.php") in edges


def test_jvm_wildcard_imports_reach_their_package_and_kotlin_imports_resolve(tmp_path: Path) -> None:
    """`import com.acme.model.*` imports the package: its files, in Java, Kotlin and Scala, which import each other's
    classes. Kotlin and Scala imports are read (they were not) and resolve like Java's (Scala's `{A, B => C}` and
    `_` too); an imported top-level function names no file of its own, which is no reason to call the repository's
    own package external."""
    kotlin, base = "package {}\n\nclass {}\n", "src/main/kotlin/com/acme"
    root = write_files(tmp_path / "shop", {
        f"{base}/util/Formatter.kt": kotlin.format("com.acme.util", "Formatter"),
        f"{base}/util/Dates.kt": "package com.acme.util\n\nfun formatDate(): String = \"\"\n",
        f"{base}/model/User.kt": kotlin.format("com.acme.model", "User"),
        f"{base}/model/Order.kt": kotlin.format("com.acme.model", "Order"),
        f"{base}/app/Main.kt": "package com.acme.app\n\nimport com.acme.util.Formatter\n"
                               "import com.acme.util.formatDate as fd\nimport com.acme.model.*\n"
                               "import kotlinx.coroutines.launch\n\nfun main() {}\n",
        "java/src/main/java/com/acme/model/Item.java": "package com.acme.model;\n\npublic class Item {}\n",
        "java/src/main/java/com/acme/model/Cart.java": "package com.acme.model;\n\npublic class Cart {}\n",
        "java/src/main/java/com/acme/Shop.java": "package com.acme;\n\nimport com.acme.model.*;\nimport java.util.List;\n\n"
                                                 "public class Shop {}\n",
        "src/main/scala/com/acme/Report.scala": "package com.acme\n\nimport com.acme.util.{Formatter, Dates => D}\n"
                                                "import scala.util.Try, com.acme.model._\n\nobject Report\n",
    })
    edges = {(e.src, e.dst) for e in edges_in(root)}
    java = "java/src/main/java/com/acme/model"  # the same package in Java: Kotlin imports its classes too
    assert {dst for src, dst in edges if src == f"{base}/app/Main.kt"} == {
        f"{base}/util/Formatter.kt", f"{base}/model/User.kt", f"{base}/model/Order.kt", f"{java}/Item.java",
        f"{java}/Cart.java", "ext:kotlinx"}
    assert {dst for src, dst in edges if src == "java/src/main/java/com/acme/Shop.java"} == {
        f"{java}/Item.java", f"{java}/Cart.java", f"{base}/model/User.kt", f"{base}/model/Order.kt", "ext:java"}
    assert {dst for src, dst in edges if src == "src/main/scala/com/acme/Report.scala"} == {
        f"{base}/util/Formatter.kt", f"{base}/util/Dates.kt", f"{java}/Item.java", f"{java}/Cart.java",
        f"{base}/model/User.kt", f"{base}/model/Order.kt", "ext:scala"}


def test_pnpm_and_lerna_list_workspace_packages_and_a_negated_glob_takes_one_out() -> None:
    """pnpm lists its packages in pnpm-workspace.yaml and lerna in lerna.json; `!packages/legacy` is no member, so
    its name stays an external package's. A `#` import reads the nearest package.json's table only."""
    texts = {"pnpm-workspace.yaml": "packages:\n  - 'packages/*'\n  - '!packages/legacy'\n",
             "packages/core/package.json": '{"name": "@x/core", "imports": {"#db": "./src/db/client.ts"}}',
             "packages/legacy/package.json": '{"name": "@x/legacy"}',
             "tools/lerna.json": '{"packages": ["cli"]}',
             "tools/cli/package.json": '{"name": "x-cli", "main": "main.js"}'}
    modules = JsModules(texts)
    assert set(modules.packages) == {"@x/core", "x-cli"}
    assert modules.candidates("apps/a.ts", "x-cli")[0] == "tools/cli/main"
    assert modules.candidates("packages/core/src/a.ts", "#db") == ["packages/core/src/db/client"]
    assert modules.candidates("packages/legacy/a.ts", "#db") == []


def test_a_config_listing_thousands_of_aliases_is_read_only_as_far_as_a_real_one_goes() -> None:
    """Every import tries every alias of its config: a hostile tsconfig with 100,000 of them would make each
    import a scan. Only the first ones a real config could hold are read."""
    paths = {f"@gen{n}/*": [f"src/gen{n}/*"] for n in range(100_000)}
    modules = JsModules({"tsconfig.json": json.dumps({"compilerOptions": {"paths": paths | {"@/*": ["src/*"]}}})})
    assert modules.candidates("a.ts", "@gen7/x") == ["src/gen7/x"] and modules.candidates("a.ts", "@/x") == []


def test_a_rust_module_declared_in_a_non_root_file_lives_in_the_folder_of_that_files_name(tmp_path: Path) -> None:
    """`mod x;` in `src/shapes.rs` declares `src/shapes/x.rs` (Rust 2018), not the sibling `src/x.rs`; in lib.rs,
    main.rs or mod.rs it declares the sibling. `self::` and `super::` count from the same folder. The resolver took
    the file's own folder for all of them."""
    root = write_files(tmp_path / "geo", {
        "src/lib.rs": "mod shapes;\nmod tools;\nmod x;\n",
        "src/x.rs": "pub struct Unrelated;\n",
        "src/shapes.rs": "mod x;\n",
        "src/shapes/x.rs": "use super::round::Round;\n",
        "src/shapes/round.rs": "pub struct Round;\n",
        "src/tools.rs": "use self::knife::Blade;\n",
        "src/tools/knife.rs": "pub struct Blade;\n",
    })
    edges = {(e.src, e.dst) for e in edges_in(root)}
    assert {dst for src, dst in edges if src == "src/shapes.rs"} == {"src/shapes/x.rs"}
    assert {dst for src, dst in edges if src == "src/shapes/x.rs"} == {"src/shapes/round.rs"}
    assert {dst for src, dst in edges if src == "src/tools.rs"} == {"src/tools/knife.rs"}
    assert {dst for src, dst in edges if src == "src/lib.rs"} == {"src/shapes.rs", "src/tools.rs", "src/x.rs"}
