"""Architecture maps that stay readable: code packages, role filters, ≤40 nodes per view, layers, cycles, drill-down.

One real repository is written to disk and indexed once (no embeddings: maps read the graph only): an
application package with sixty plugin subpackages, an import cycle, an entry point, and everything a map
hides by default (tests, examples, docs, locale data, vendored code, external packages).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from onboard import api
from onboard.cli import app as cli
from onboard.config import Settings
from onboard.errors import OnboardError
from onboard.graph import symbol_neighbourhood
from tests.conftest import ROOT, write_files

PLUGINS = 60


def write_repo(root: Path) -> Path:
    files = {
        "src/app/__init__.py": "from app.core.models import Model\n",
        "src/app/__main__.py": "from app.cli import main\n\nmain()\n",
        "src/app/cli.py": "import click\nfrom app.api.views import handle\n\n\ndef main():\n    handle()\n",
        "src/app/core/__init__.py": "",
        "src/app/core/models.py": ("import numpy\n\n\nclass Model:\n    def save(self):\n"
                                   "        return numpy.zeros(1)\n"),
        "src/app/api/__init__.py": "",
        "src/app/api/views.py": ("import requests\nfrom app.core.models import Model\n"
                                 "from app.util.text import slug\n\n\n"
                                 "def handle():\n    return slug(Model().save())\n"),
        # app.util and app.api import each other: a cycle.
        "src/app/util/__init__.py": "",
        "src/app/util/text.py": "from app.api import views\n\n\ndef slug(value):\n    return str(value)\n",
        "src/app/templates/page.html": "<p>not code</p>\n",
        "src/app/locale/fr/__init__.py": "",
        "src/app/locale/fr/formats.py": "from app.core.models import Model\nDATE = 'd/m/Y'\n",
        "src/app/_vendor/six.py": "from app.core.models import Model\nPY3 = True\n",
        "tools/release.py": "from app.cli import main\n",  # a namespace of modules (no __init__.py)
        "tests/test_models.py": ("import pytest\nfrom app.core.models import Model\n\n\n"
                                 "def test_save():\n    Model().save()\n"),
        "examples/demo.py": "from app.api.views import handle\n\nhandle()\n",
        "docs/conf.py": "from app.core import models\nproject = 'app'\n",
        "README.md": "# app\n",
    }
    for i in range(PLUGINS):
        files[f"src/app/plugins/p{i:02d}/__init__.py"] = ""
        files[f"src/app/plugins/p{i:02d}/hook.py"] = (f"from app.core.models import Model\n\n\n"
                                                      f"def hook_{i}():\n    return Model()\n")
    return write_files(root, files)


@pytest.fixture(scope="module")
def mapped(tmp_path_factory: pytest.TempPathFactory) -> api.Index:
    base = tmp_path_factory.mktemp("maps")
    settings = Settings.from_env(home=base / "indexes")
    api.index_repo(write_repo(base / "app"), "app", settings, embed=False)
    return api.open_index("app", settings)


def own(graph) -> set[str]:
    return {n for n, ext in graph.nodes(data="external") if not ext}


def test_defaults_hide_tests_examples_docs_locale_vendored_and_externals(mapped: api.Index) -> None:
    graph = api.map_graph(mapped)
    names = " ".join(graph.nodes)
    for hidden in ("tests", "examples", "docs", "locale", "_vendor", "ext:"):
        assert hidden not in names
    assert graph.graph["hidden"] == {"tests": 1, "examples": 1, "docs": 1, "data": 2, "vendored": 1, "external": 4}
    assert graph.graph["base"] == ""  # src/app and tools share no folder but the root


@pytest.mark.parametrize(("category", "node"), [("tests", "tests"), ("examples", "examples"), ("docs", "docs"),
                                                ("data", "src/app/locale"), ("vendored", "src/app/_vendor")])
def test_each_toggle_shows_its_category(mapped: api.Index, category: str, node: str) -> None:
    graph = api.map_graph(mapped, show=[category])
    assert any(n == node or n.startswith(node + "/") for n in graph), sorted(graph.nodes)
    assert category not in graph.graph["hidden"]


def test_externals_are_one_cluster(mapped: api.Index) -> None:
    graph = api.map_graph(mapped, show=["external"])
    externals = {n for n, ext in graph.nodes(data="external") if ext}
    assert {"ext:requests", "ext:numpy", "ext:click"} <= externals and "ext:pytest" not in externals  # tests hidden
    dot = api.render_map(graph, "dot")
    cluster = dot[dot.index("subgraph cluster_external"):]
    assert all(f'"{n}"' in cluster[:cluster.index("}")] for n in externals)


def test_views_stay_within_forty_nodes_and_fold_the_rest_with_counts(mapped: api.Index) -> None:
    overview = api.map_graph(mapped)
    assert len(overview) <= 40
    plugins = overview.nodes["src/app/plugins"]
    assert plugins["kind"] == "package" and plugins["label"] == "app/plugins/\n60 packages, 120 files"
    # Every package but the plugins fits at module level, so those show their modules.
    assert {"src/app/cli.py", "src/app/core/models.py", "src/app/api/views.py", "tools/release.py"} <= own(overview)

    opened = api.map_graph(mapped, focus="src/app/plugins")  # sixty subpackages do not fit: the rest fold
    assert len(opened) <= 40
    more = [d for _, d in opened.nodes(data=True) if d["kind"] == "more"]
    assert len(more) == 1 and re.fullmatch(r"(\d+) more packages\n\((\d+) files\)", more[0]["label"])
    shown = sum(1 for n in opened if re.fullmatch(r"src/app/plugins/p\d\d", n))
    folded = int(more[0]["label"].split()[0])
    assert shown + folded == PLUGINS and more[0]["files"] == 2 * folded
    assert opened.nodes["src/app/core"]["outside"]  # what the plugins use, from outside the focus


def test_packages_are_code_folders_not_every_directory(mapped: api.Index) -> None:
    graph = api.map_graph(mapped, max_nodes=40)
    assert "src" not in graph and "src/app/templates" not in graph  # a pass-through folder, a folder of no code
    assert "tools" in graph or "tools/release.py" in graph  # modules without __init__.py are a package too
    app = api.map_graph(mapped, focus="src")  # src/ holds nothing but app: opening it opens app
    assert app.graph["base"] == "src/app"
    assert {"src/app/__init__.py", "src/app/__main__.py", "src/app/cli.py"} <= own(app)
    assert app.nodes["src/app/core"]["kind"] == "package"


def test_layers_put_entry_points_on_top_and_the_core_at_the_bottom(mapped: api.Index) -> None:
    graph = api.map_graph(mapped, focus="src/app")
    layer = dict(graph.nodes(data="layer"))
    assert graph.nodes["src/app/__main__.py"]["entry"]
    assert graph.nodes["src/app/core"]["core"]
    assert layer["src/app/__main__.py"] < layer["src/app/cli.py"] < layer["src/app/api"] < layer["src/app/core"]
    dot = api.render_map(graph, "dot")
    assert 'rankdir="TB"' in dot and "rank=same" in dot


def test_cycles_are_listed_with_the_edges_that_close_them(mapped: api.Index) -> None:
    graph = api.map_graph(mapped, focus="src/app")
    assert ["src/app/api", "src/app/util"] in graph.graph["cycles"]
    back = [(s, d) for s, d, _ in graph.graph["back_edges"]]
    assert len(back) == 1 and set(back[0]) == {"src/app/api", "src/app/util"}
    dot = api.render_map(graph, "dot")
    closing = next(line for line in dot.splitlines() if f'"{back[0][0]}" -> "{back[0][1]}"' in line)
    assert "#c0392b" in closing and "constraint=false" in closing
    assert json.loads(api.render_map(graph, "json"))["cycles"] == graph.graph["cycles"]


def test_drill_down_from_package_to_module_to_definitions(mapped: api.Index) -> None:
    module = api.map_graph(mapped, focus="src/app/api/views.py")
    assert "src/app/api/views.py::handle" in module
    assert module.has_edge("src/app/api/views.py::handle", "src/app/core/models.py::Model.save")
    assert module.nodes["src/app/core/models.py::Model.save"]["outside"]
    # Read from the rows around one module, the same as cut from the whole symbol graph.
    whole = symbol_neighbourhood(mapped.symbol_graph, "src/app/api/views.py")
    everything = api.map_graph(mapped, focus="src/app/api/views.py", show=api.MAP_CATEGORIES)
    assert set(everything.edges) == set(whole.edges) and set(everything) == set(whole)
    assert "examples/demo.py" in everything and "examples/demo.py" not in module  # a caller among the examples
    with pytest.raises(OnboardError, match="Switch on tests"):
        api.map_graph(mapped, focus="tests")
    with pytest.raises(OnboardError, match="not a package"):
        api.map_graph(mapped, focus="src/nowhere")


def test_cli_map_takes_the_same_filters(mapped: api.Index) -> None:
    runner = CliRunner()
    home = str(mapped.settings.home)
    plain = runner.invoke(cli, ["map", "app", "--format", "json", "--home", home])
    assert plain.exit_code == 0, plain.output
    assert not any(n["id"].startswith("tests") for n in json.loads(plain.stdout)["nodes"])
    shown = runner.invoke(cli, ["map", "app", "--format", "json", "--show", "tests,external", "--home", home])
    ids = {n["id"] for n in json.loads(shown.stdout)["nodes"]}
    assert "tests" in ids or "tests/test_models.py" in ids
    assert "ext:pytest" in ids
    small = runner.invoke(cli, ["map", "app", "--format", "dot", "--focus", "src/app/plugins", "--max-nodes", "10",
                                "--home", home])
    assert small.exit_code == 0 and len(re.findall(r'^  "[^"]+" \[label=', small.stdout, re.M)) <= 10
    bad = runner.invoke(cli, ["map", "app", "--show", "secrets", "--home", home])
    assert bad.exit_code == 2 and "--show takes" in bad.output


def test_map_page_toggles_filters_drills_down_and_links_nodes(mapped: api.Index,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONBOARD_HOME", str(mapped.settings.home))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params.update(page="map", index="app")
    at.run()
    assert not at.exception and not at.error
    headings = [h.value for h in at.subheader]
    assert headings.index("Start here") < headings.index("Map")  # "Start here" comes before the map
    spec = at.get("graphviz_chart")[0].proto.spec
    assert '"src/app/plugins"' in spec and "tests/test_models.py" not in spec
    assert "page=map&index=app&focus=src%2Fapp%2Fplugins" in spec  # a click opens the package
    assert "Legend" in " ".join(m.value for m in at.markdown)

    at.toggle(key="map_show_tests").set_value(True).run()
    spec = at.get("graphviz_chart")[0].proto.spec
    assert '"tests"' in spec or '"tests/test_models.py"' in spec
    assert at.query_params["show"] == "tests"

    at.selectbox(key="map_focus").set_value("src/app/api/views.py").run()
    assert not at.exception
    spec = at.get("graphviz_chart")[0].proto.spec
    assert '"src/app/api/views.py::handle"' in spec and "page=source" in spec  # definitions open the source
    assert at.query_params["focus"] == "src/app/api/views.py"
    assert "›" in " ".join(m.value for m in at.markdown)  # the breadcrumb back up


def test_a_link_to_a_hidden_or_unknown_package_says_so_and_shows_the_whole_map(
        mapped: api.Index, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONBOARD_HOME", str(mapped.settings.home))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params.update(page="map", index="app", focus="tests")
    at.run()
    assert not at.exception and not at.error
    assert "Switch on tests to see it" in at.warning[0].value
    assert '"src/app/plugins"' in at.get("graphviz_chart")[0].proto.spec
    at.query_params.update(page="map", index="app", focus="tests", show="tests")  # the same link, tests shown
    at.run()
    assert not at.warning and '"tests/test_models.py"' in at.get("graphviz_chart")[0].proto.spec
