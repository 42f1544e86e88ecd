"""What every command shares: settings from flags + environment, errors as one red line, progress bars."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterator, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from onboard.config import Settings, default_home
from onboard.errors import OnboardError

console = Console()
err_console = Console(stderr=True)

HomeOption = typer.Option(None, "--home", help=f"Index home (env ONBOARD_HOME; default {default_home()}).")
ChromaHostOption = typer.Option(None, "--chroma-host", help="Chroma server host (env ONBOARD_CHROMA_HOST).")
ChromaPortOption = typer.Option(None, "--chroma-port", help="Chroma server port (env ONBOARD_CHROMA_PORT).")


def settings_from(home: Optional[Path] = None, chroma_host: Optional[str] = None,
                  chroma_port: Optional[int] = None, **extra: object) -> Settings:
    return Settings.from_env(home=home, chroma_host=chroma_host, chroma_port=chroma_port, **extra)


@contextlib.contextmanager
def friendly_errors() -> Iterator[None]:
    """OnboardError and Ctrl-C end the command with a message and exit code 1, never a traceback."""
    try:
        yield
    except OnboardError as err:
        err_console.print(f"[bold red]error:[/] {err}")
        raise typer.Exit(1) from err
    except KeyboardInterrupt as err:
        err_console.print("[yellow]interrupted: the previous index is intact; run the command again to resume.[/]")
        raise typer.Exit(130) from err


@contextlib.contextmanager
def progress_bars() -> Iterator:
    """A callback ``(stage, done, total)`` drawing one rich bar per stage."""
    with Progress(TextColumn("[bold]{task.description:<10}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err_console, transient=False) as progress:
        tasks: dict[str, int] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=max(total, 1))
            progress.update(tasks[stage], completed=done if total else 1, total=max(total, 1))

        yield update
