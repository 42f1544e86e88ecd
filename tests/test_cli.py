"""The `onboard` command line, driven as a user would: CliRunner in-process and the installed script."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from onboard import api
from onboard.cli import app
from onboard.config import Settings
from tests.conftest import write_files
from tests.fakeapi import FakeAnthropic
from tests.test_history import commit, git

runner = CliRunner()


def run(settings: Settings, *args: str):
    return runner.invoke(app, [*args, "--home", str(settings.home)])


def test_index_list_stats_map_ask_remove(shop_repo: Path, settings: Settings) -> None:
    result = run(settings, "index", str(shop_repo), "--name", "shop")
    assert result.exit_code == 0, result.output
    assert "indexed shop" in result.output and "6 files" in result.output
    assert "ready for questions" in result.output and "background worker" in result.output

    waited = run(settings, "wait", "shop")  # the worker's progress, then its end
    assert waited.exit_code == 0 and "shop: vectors 100%" in waited.output, waited.output
    listing = run(settings, "list")
    assert listing.exit_code == 0 and "shop" in listing.output and "ok" in listing.output

    stats = run(settings, "stats", "shop")
    assert "shop/cart.py" in stats.output and "secrets redacted: 0" in stats.output
    assert "syntax errors" in stats.output and "shop/broken.py" in stats.output
    assert "roles: source" in stats.output

    mapped = run(settings, "map", "shop", "--format", "json", "--level", "file")
    assert mapped.exit_code == 0
    graph = json.loads(mapped.stdout)
    assert {"source": "shop/cart.py", "target": "shop/payments/gateway.py"}.items() <= next(
        e for e in graph["edges"] if e["source"] == "shop/cart.py" and e["target"] == "shop/payments/gateway.py").items()
    mermaid = run(settings, "map", "shop", "--format", "mermaid")
    assert mermaid.stdout.startswith("flowchart TD")
    symbols = run(settings, "map", "shop", "--format", "dot", "--level", "symbol", "--focus", "shop/cart.py")
    assert symbols.exit_code == 0, symbols.output
    assert '"shop/cart.py::Cart.checkout" -> "shop/payments/gateway.py::charge"' in symbols.stdout
    outside = run(settings, "map", "shop", "--level", "symbol", "--focus", "../secret.py")
    assert outside.exit_code == 1 and "not a file of the indexed repository" in outside.output

    asked = run(settings, "ask", "shop", "How does checkout charge the card?", "--budget", "4000", "--show-context")
    assert asked.exit_code == 0, asked.output
    assert "Retrieval-only answer" in asked.output
    assert "shop/payments/gateway.py" in asked.output

    reindexed = run(settings, "reindex", "shop")
    assert reindexed.exit_code == 0 and "0 parsed" in reindexed.output

    removed = run(settings, "remove", "shop", "--yes")
    assert removed.exit_code == 0
    assert "no indexes yet" in run(settings, "list").output


def test_errors_are_one_red_line_and_exit_1(tmp_path: Path, settings: Settings) -> None:
    missing = run(settings, "index", str(tmp_path / "nope"))
    assert missing.exit_code == 1 and "no such directory" in missing.output
    assert "Traceback" not in missing.output
    unknown = run(settings, "ask", "ghost", "anything?")
    assert unknown.exit_code == 1 and "No index named 'ghost'" in unknown.output
    both = run(settings, "reindex")
    assert both.exit_code == 2
    bad_format = run(settings, "map", "ghost", "--format", "svg")
    assert bad_format.exit_code == 2


def test_installed_script_runs_offline(shop_repo: Path, settings: Settings) -> None:
    """The console script a user types, in a separate process."""
    script = shutil.which("onboard", path=str(Path(sys.executable).parent))
    assert script, "pip install -e . puts `onboard` next to python"
    env = {**os.environ, "ONBOARD_HOME": str(settings.home)}
    done = subprocess.run([script, "index", str(shop_repo), "--name", "shop", "--no-embed"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    listing = subprocess.run([script, "list"], capture_output=True, text=True, env={**env, "COLUMNS": "80"},
                             timeout=120)
    assert "shop: vectors 0% (indexed with --no-embed); `onboard wait shop` embeds the rest" in listing.stdout
    # in an 80-column terminal the table keeps every column, and the status whole on the index's row
    table = listing.stdout.split("\nshop: ")[0].splitlines()[1:]
    assert max(map(len, table)) <= 80 and "status" in table[1], listing.stdout
    assert any(line.startswith("│ shop") and "vectors 0%" in line for line in table), listing.stdout



def test_brackets_in_paths_and_arguments_are_printed_as_written(tmp_path: Path, settings: Settings) -> None:
    """Rich reads `[...]` as markup: a Next.js route or a folder called `[team]repo` must not crash or lose text."""
    repo = write_files(tmp_path / "[team]repo", {"app/[slug]/page.tsx": "export default function Page() {}\n",
                                                "app/[/]/w.ts": "export const w = 1;\n",
                                                "lib/x:smile:.py": "X = 1\n"})
    indexed = run(settings, "index", str(repo), "--name", "nx", "--no-embed")
    assert indexed.exit_code == 0 and f"({repo})" in indexed.output, indexed.output
    stats = run(settings, "stats", "nx")
    assert stats.exit_code == 0, stats.output
    assert all(path in stats.output for path in ("app/[slug]/page.tsx", "app/[/]/w.ts", "lib/x:smile:.py"))
    assert str(repo) in run(settings, "list").output
    for args, said in ((("stats", "[/]"), "`[/]` looks like a path"),
                       (("map", "nx", "--focus", "[/]"), "`[/]` is not a package of nx's map"),
                       (("who", "nx", "../[/]"), "Refusing '../[/]'"),
                       (("index", str(tmp_path / "[red]nope")), f"{tmp_path}/[red]nope: no such directory")):
        refused = run(settings, *args)
        assert refused.exit_code == 1 and said in refused.output and "Traceback" not in refused.output, refused.output


def test_control_characters_in_repository_text_reach_the_terminal_escaped(tmp_path: Path, settings: Settings) -> None:
    """A file name, docstring, author or commit message with ESC sequences could clear the screen or retitle the
    terminal; every command shows them as `\\x1b`."""
    repo = write_files(tmp_path / "re\x1b[2Jpo", {
        "pay\x1b[2Jment.py": '"""Charge\x1b]0;PWNED\x07 the card."""\n\n\ndef charge(amount):\n    return amount\n',
        "cart.py": "from payment import charge\n"})
    git(repo, "init", "-q")
    commit(repo, ("Eve\x1b[2J", "eve@example.com"), "2025-01-01T12:00:00Z", "fix\x1b]0;PWNED\x07 it")
    assert run(settings, "index", str(repo), "--name", "evil", "--no-embed").exit_code == 0
    for args in (("stats", "evil"), ("who", "evil"), ("list",), ("map", "evil", "--level", "file"),
                 ("ask", "evil", "How is the card charged?", "--show-context")):
        shown = run(settings, *args)
        assert shown.exit_code == 0, shown.output
        assert "\x1b" not in shown.output and "\x07" not in shown.output, (args, shown.output)
        assert "\\x1b" in shown.output, (args, shown.output)
    assert "Eve\\x1b[2J" in run(settings, "who", "evil").output


def test_paths_that_are_not_utf8_are_refused_and_create_nothing(tmp_path: Path, shop_repo: Path,
                                                                 settings: Settings) -> None:
    repo = Path(os.fsdecode(bytes(tmp_path) + b"/rep\xffo"))  # how Python passes such a name from argv
    write_files(repo, {"main.py": "X = 1\n"})
    refused = run(settings, "index", str(repo), "--no-embed")
    assert refused.exit_code == 1 and "rep\\xffo is not valid UTF-8; rename the folder" in refused.output, \
        refused.output
    assert not settings.home.exists() or not any(settings.home.iterdir())
    assert run(settings, "index", str(shop_repo), "--name", "shop", "--no-embed").exit_code == 0
    for args in (("who", "shop", "sub/bad\udcff.py"), ("map", "shop", "--level", "symbol", "--focus", "a\udcff.py")):
        path = run(settings, *args)
        assert path.exit_code == 1 and "\\xff.py is not valid UTF-8" in path.output, path.output


def test_unusable_output_or_home_is_one_sentence(tmp_path: Path, shop_repo: Path, settings: Settings,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine\n")
    assert run(settings, "index", str(shop_repo), "--name", "shop", "--no-embed").exit_code == 0
    for args, said in (
            (("guide", "shop", "--out", f"{a_file}/guide"), f"cannot write {a_file}/guide (not a directory); "
                                                            "give --out a folder you can write to."),
            (("guide", "shop", "--out", ""), "--out is empty; give it a folder"),
            (("map", "shop", "--output", str(tmp_path)), f"cannot write {tmp_path} (is a directory); give --output"),
            (("map", "shop", "--output", " "), "--output is empty; give it a file name.")):
        refused = run(settings, *args)
        assert refused.exit_code == 1 and said in refused.output and "Traceback" not in refused.output, refused.output
    for home in (a_file, Path("/proc/onboard-home")):
        refused = runner.invoke(app, ["index", str(shop_repo), "--no-embed"], env={"ONBOARD_HOME": str(home)})
        assert refused.exit_code == 1 and f"cannot write {home}" in refused.output, refused.output
        assert "give --home (or ONBOARD_HOME) a folder you can write to." in refused.output
    assert a_file.read_text() == "mine\n"
    cwd = tmp_path / "work"
    cwd.mkdir()
    monkeypatch.chdir(cwd)  # where `--home ""` pointed
    for args in (("list",), ("index", str(shop_repo), "--no-embed"), ("serve", "--port", "1")):
        refused = runner.invoke(app, [*args, "--home", ""], env={"ONBOARD_HOME": None})
        said = " ".join(refused.output.split())
        assert refused.exit_code == 1 and "--home is empty; give it a folder, or leave it out" in said, said
    assert not any(cwd.iterdir())
    bad = runner.invoke(app, ["list", "--home", str(tmp_path / "h")], env={"ONBOARD_EMBEDDER": "int4"})
    assert bad.exit_code == 1 and "ONBOARD_EMBEDDER is 'int4'" in bad.output and "Traceback" not in bad.output


def test_reindex_with_a_name_and_all_says_they_cannot_be_combined(settings: Settings) -> None:
    both = run(settings, "reindex", "shop", "--all")
    assert both.exit_code == 2 and "NAME and --all cannot be combined" in both.output


def test_ctrl_c_outside_indexing_says_only_interrupted(shop_repo: Path, settings: Settings,
                                                      fake_anthropic: FakeAnthropic) -> None:
    """`guide` indexes nothing, so Ctrl-C while Claude writes a page says nothing about the index."""
    api.index_repo(shop_repo, "shop", settings, embed=False)
    fake_anthropic.state.delay = 5  # each streamed event: the command is mid-answer when Ctrl-C comes
    script = shutil.which("onboard", path=str(Path(sys.executable).parent))
    env = {**os.environ, "ONBOARD_HOME": str(settings.home), "ANTHROPIC_API_KEY": "test-key",
           "ANTHROPIC_BASE_URL": fake_anthropic.url}
    # A test run started in the background of a shell without job control inherits SIGINT ignored, and Python
    # then keeps it ignored in the child: give the command the terminal's default, as a user's Ctrl-C finds it.
    guide = subprocess.Popen([script, "guide", "shop"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    started = time.monotonic()
    while not fake_anthropic.state.requests and guide.poll() is None and time.monotonic() - started < 120:
        time.sleep(0.05)
    guide.send_signal(signal.SIGINT)
    _, stderr = guide.communicate(timeout=120)
    assert guide.returncode == 130 and stderr.rstrip().endswith("interrupted."), stderr
    assert "index" not in stderr.splitlines()[-1]
