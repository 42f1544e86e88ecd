"""`onboard map` (architecture maps as Mermaid, DOT or JSON) and `onboard serve` (the web app)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Optional

import typer

from onboard import api
from onboard.cli import app
from onboard.cli.common import (
    HomeOption,
    console,
    friendly_errors,
    output_path,
    settings_from,
    shown,
    visible,
    writes_under,
)

APP_FILE = Path(__file__).resolve().parents[2] / "app.py"


@app.command("map")
def map_(name: str = typer.Argument(..., help="Index to draw."),
         format_: str = typer.Option("mermaid", "--format", help="mermaid, dot or json."),
         level: str = typer.Option("package", "--level", help="package (folded to --max-nodes), file (every file, "
                                   "for exports) or symbol."),
         focus: Optional[str] = typer.Option(None, "--focus", help="Open this package (its modules, subpackages and "
                                             "neighbours) or module (its definitions)."),
         show: list[str] = typer.Option([], "--show", help="Also draw tests, examples, docs, data (locale), vendored "
                                        "or external (repeat, or separate with commas); all: everything."),
         max_nodes: int = typer.Option(40, "--max-nodes", min=5, help="At most this many nodes (--level package)."),
         output: Optional[str] = typer.Option(None, "--output", "-o", metavar="FILE",
                                              help="Write to a file instead of stdout."),
         home: Optional[str] = HomeOption) -> None:
    """Print the architecture map of an index: code packages in layers, tests, examples, docs, locale data,
    vendored code and external packages hidden unless --show names them."""
    if format_ not in api.FORMATS or level not in api.LEVELS:
        console.print("[bold red]error:[/] --format is mermaid, dot or json; --level is package, file or symbol.")
        raise typer.Exit(2)
    categories = {part.strip() for value in show for part in value.split(",") if part.strip()}
    if "all" in categories:
        categories = set(api.MAP_CATEGORIES)
    if categories - set(api.MAP_CATEGORIES):
        console.print(f"[bold red]error:[/] --show takes {', '.join(api.MAP_CATEGORIES)} or all, "
                      f"not {shown(', '.join(sorted(categories - set(api.MAP_CATEGORIES))))}.")
        raise typer.Exit(2)
    with friendly_errors():
        target = output_path(output, "--output", "a file name")
        text = api.architecture_map(api.open_index(name, settings_from(home)), level=level, fmt=format_, focus=focus,
                                    show=categories, max_nodes=max_nodes)
    if target is not None:
        with friendly_errors(), writes_under(target, "give --output a file path you can write to."):
            target.write_text(text + "\n", encoding="utf-8")
        console.print(f"wrote {shown(target)}")
    else:
        sys.stdout.write(visible(text, lines=True) + "\n")  # a label may hold any byte of a file name


@app.command()
def serve(port: int = typer.Option(8501, "--port"),
          host: str = typer.Option("127.0.0.1", "--host", help="Address to bind; 127.0.0.1 keeps it on this machine."),
          home: Optional[str] = HomeOption) -> None:
    """Start the web app (chat, sources, maps, indexes)."""
    env = dict(os.environ)
    if home is not None:
        env["ONBOARD_HOME"] = str(settings_from(home).home)
    command = [sys.executable, "-m", "streamlit", "run", str(APP_FILE), "--server.address", host,
               "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
               "--server.fileWatcherType", "none"]  # watching the checkout reloads pages mid-answer, floods the log
    console.print(f"onboard web app on http://{shown(host)}:{port} (Ctrl-C to stop)")
    raise typer.Exit(subprocess.call(command, env=env))
