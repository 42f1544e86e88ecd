"""`onboard who NAME [PATH]`: who to ask about a file or folder (CODEOWNERS, git history), and what changed lately."""

from __future__ import annotations

from typing import Optional

import typer
from rich.table import Table

from onboard import api
from onboard.cli import app
from onboard.cli.common import HomeOption, console, friendly_errors, settings_from, shown


@app.command()
def who(name: str = typer.Argument(..., help="Index to look in."),
        path: str = typer.Argument("", help="A file or folder relative to the repository root (default: all of it)."),
        recent: int = typer.Option(10, "--recent", min=0, help="How many recent commits to list (0: none)."),
        home: Optional[str] = HomeOption) -> None:
    """Owners (CODEOWNERS), main authors of the last 12 months, last change and churn of a path."""
    with friendly_errors():
        index = api.open_index(name, settings_from(home))
        ownership = api.ownership(index, path)
        changes = api.recent_changes(index, recent) if recent and api.has_history(index) else []
    place = shown(ownership.path or "the repository")
    console.print(f"[bold]{place}[/] in {shown(name)}")
    if not ownership.known:
        console.print(f"nothing known about {place}: no CODEOWNERS rule or commit names it "
                      f"(`onboard stats {shown(name)}` lists what is indexed).")
        return
    console.print("owners (CODEOWNERS): " + (shown(", ".join(ownership.owners)) or "none named"))
    if not api.has_history(index):
        console.print(f"no git history: {shown(name)} was not indexed from a git checkout.")
        return
    console.print(f"last change {shown(ownership.last_change or 'unknown')}; last 12 months: {ownership.churn} lines "
                  f"changed in {ownership.commits} commits")
    if ownership.authors:
        table = Table("author", "email", "lines changed", "commits", "last change")
        for person in ownership.authors:
            table.add_row(shown(person.name), shown(person.email), str(person.lines_changed), str(person.commits),
                          shown(person.last_change))
        console.print(table)
    if changes:
        table = Table("date", "author", "commit", "files")
        for change in changes:
            more = len(change.files) - 3
            files = ", ".join(change.files[:3]) + (f" and {more} more" if more > 0 else "")
            table.add_row(shown(change.date), shown(change.author), shown(change.subject), shown(files))
        console.print(table)
