"""`onboard guide`: the architecture guide of an index, listed or exported as a folder of Markdown files."""

from __future__ import annotations

from typing import Optional

import typer
from rich.table import Table

from onboard import api
from onboard.cli import app
from onboard.cli.common import (
    HomeOption,
    console,
    err_console,
    friendly_errors,
    output_path,
    progress_bars,
    settings_from,
    shown,
    writes_under,
)


@app.command()
def guide(name: str = typer.Argument(..., help="Index to describe."),
          out: Optional[str] = typer.Option(None, "--out", "-o", metavar="DIR", help="Write the guide as Markdown "
                                            "files into this folder (a new one, or one onboard wrote before)."),
          write: bool = typer.Option(True, "--write/--no-write", help="With ANTHROPIC_API_KEY: have Claude write the "
                                     "prose of pages that are new or whose files changed (the rest stay as written)."),
          home: Optional[str] = HomeOption) -> None:
    """The architecture guide: overview, layers, entry points, core abstractions, reading path, one page per package."""
    settings = settings_from(home)
    with friendly_errors():
        folder = output_path(out, "--out", "a folder (`--out .` for the current one)")
        index = api.open_index(name, settings)
        book = api.guide_for(index)
        if settings.api_key and write:
            with progress_bars() as progress:
                report = api.write_guide(index, book, settings, progress=progress)
            console.print(shown(report.line()))
            for slug, error in report.errors.items():
                err_console.print(f"[yellow]{shown(slug)}: {shown(error)}[/]")
        elif not settings.api_key:
            console.print("index only: no ANTHROPIC_API_KEY is set, so every page is built from the index alone.")
        if folder is not None:
            with writes_under(folder, "give --out a folder you can write to."):
                written = api.export_guide(book, folder, index.root, bool(settings.api_key))
            console.print(f"wrote {len(written)} pages to {shown(folder)} (start at README.md)")
            return
    table = Table("page", "title", "prose")
    for page in book.pages:
        status = page.stale_note() or ("index only" if page.status == "not written" and not settings.api_key
                                       else page.status)
        table.add_row(shown(page.slug), shown(page.title), shown(status))
    console.print(table)
    console.print("Export it with `onboard guide NAME --out DIR`, or read it on the Guide page of `onboard serve`.")
