"""What every command shares: settings from flags + environment, errors as one red line, progress bars, and
repository or user text shown as data."""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path
from typing import Iterator, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from onboard.config import Settings, default_home
from onboard.errors import OnboardError

# emoji=False: rich would turn a `:smile:` in a file name into an emoji.
console = Console(emoji=False)
err_console = Console(stderr=True, emoji=False)

# What a terminal would act on instead of showing: C0/C1 control characters (ESC starts CSI and OSC sequences that
# clear the screen or retitle the window), the bidi overrides and isolates that reorder a line, and the lone
# surrogates a non-UTF-8 byte becomes in a file name or an argument (printing one raises UnicodeEncodeError).
_OTHERS = "\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_HIDDEN = re.compile(f"[\x00-\x0a{_OTHERS}]")
_HIDDEN_IN_LINES = re.compile(f"[\x00-\x08{_OTHERS}]")  # keeps tab and newline


def _code(match: re.Match[str]) -> str:
    char = match.group()
    if "\udc80" <= char <= "\udcff":  # surrogateescape's stand-in for the byte it could not decode
        return f"\\x{ord(char) - 0xDC00:02x}"
    return char.encode("unicode_escape", "backslashreplace").decode("ascii")


def visible(text: object, lines: bool = False) -> str:
    """``text`` with every character a terminal would interpret written as its escape (``\\x1b``, ``\\u202e``).

    Repository text (paths, docstrings, commit messages, authors) and user text reach the terminal only through
    here, so a file name cannot clear the screen or fake a line of output. ``lines`` keeps newlines and tabs
    (an answer, a map); without it they are escaped too, since a path or a name is one line."""
    return (_HIDDEN_IN_LINES if lines else _HIDDEN).sub(_code, str(text))


def shown(text: object) -> str:
    """``text`` for rich markup (``console.print``, table cells): visible, and its brackets printed as written."""
    return escape(visible(text))


HomeOption = typer.Option(None, "--home", help=f"Index home (env ONBOARD_HOME; default {default_home()}).")
ChromaHostOption = typer.Option(None, "--chroma-host", help="Chroma server host (env ONBOARD_CHROMA_HOST).")
ChromaPortOption = typer.Option(None, "--chroma-port", help="Chroma server port (env ONBOARD_CHROMA_PORT).")


def settings_from(home: Optional[str] = None, chroma_host: Optional[str] = None,
                  chroma_port: Optional[int] = None, **extra: object) -> Settings:
    """The settings of one command; a bad ``--home`` or environment ends it as one sentence. ``--home ""`` is
    refused: as a path it is the current directory, where the walker would be indexing its own indexes."""
    with friendly_errors():
        if home is not None and not home.strip():
            raise OnboardError(f"--home is empty; give it a folder, or leave it out for the default "
                               f"({default_home()}).")
        return Settings.from_env(home=home, chroma_host=chroma_host, chroma_port=chroma_port, **extra)


# SQLite is written in one transaction, so an interrupted update leaves the index as it was, but a first run or a
# rebuild (which empties the index first) leaves one that says it was never completely built, and vectors resume.
INDEX_INTERRUPTED = ("interrupted: run the command again to finish; `onboard list` shows whether the index is "
                     "usable meanwhile.")


@contextlib.contextmanager
def friendly_errors(interrupted: str = "interrupted.") -> Iterator[None]:
    """OnboardError and Ctrl-C end the command with a message and exit code 1 (130), never a traceback.

    ``interrupted`` is what Ctrl-C says: only the commands that write an index have one to speak of
    (``INDEX_INTERRUPTED``)."""
    try:
        yield
    except OnboardError as err:
        err_console.print(f"[bold red]error:[/] {shown(err)}")
        raise typer.Exit(1) from err
    except KeyboardInterrupt as err:
        err_console.print(f"[yellow]{escape(interrupted)}[/]")
        raise typer.Exit(130) from err


HOME_FIX = "give --home (or ONBOARD_HOME) a folder you can write to."


@contextlib.contextmanager
def writes_under(place: Path, fix: str) -> Iterator[None]:
    """An OSError on ``place`` or a path in it (a file where a folder should be, /proc, no permission) ends the
    command as one sentence naming the path and what to do (``fix``); any other OSError is a bug and stays one."""
    try:
        yield
    except OSError as err:
        if not err.filename or not Path(os.path.abspath(err.filename)).is_relative_to(os.path.abspath(place)):
            raise
        raise OnboardError(f"cannot write {err.filename} ({(err.strerror or str(err)).lower()}); {fix}") from err


def output_path(value: Optional[str], option: str, wanted: str) -> Optional[Path]:
    """``value`` of an output option as a path; an empty one is refused (Path("") is the current directory,
    which nobody means by typing nothing). ``wanted`` says what to give instead."""
    if value is None:
        return None
    if not value.strip():
        raise OnboardError(f"{option} is empty; give it {wanted}.")
    return Path(value).expanduser()


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
