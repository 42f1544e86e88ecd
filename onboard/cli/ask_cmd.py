"""`onboard ask NAME "question"`: stream an answer to the terminal."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.markdown import Markdown
from rich.table import Table

from onboard import api
from onboard.cli import app
from onboard.cli.common import (
    ChromaHostOption,
    ChromaPortOption,
    HomeOption,
    console,
    err_console,
    friendly_errors,
    settings_from,
)


def _show_context(packed: api.PackedContext) -> None:
    table = Table("document", "lines", "tokens", "view", "why chosen", title=(
        f"context: {packed.tokens_used:,} of {packed.budget:,} tokens (repo map {packed.map_tokens:,})"))
    for doc in packed.all_documents():
        table.add_row(doc.path, f"{doc.start_line}-{doc.end_line}", f"{doc.tokens:,}",
                      "whole" if doc.whole else "excerpt", doc.reason)
    err_console.print(table)


@app.command()
def ask(name: str = typer.Argument(..., help="Index to ask."),
        question: str = typer.Argument(..., help="Your question, in quotes."),
        budget: Optional[int] = typer.Option(None, "--budget", min=1000,
                                             help="Context tokens (default: what the 200k window leaves)."),
        show_context: bool = typer.Option(False, "--show-context", help="List the packed files, tokens and reasons."),
        model: Optional[str] = typer.Option(None, "--model", help="Claude model (env ONBOARD_MODEL)."),
        home: Optional[Path] = HomeOption, chroma_host: Optional[str] = ChromaHostOption,
        chroma_port: Optional[int] = ChromaPortOption) -> None:
    """Ask a question; the answer streams in with path:line citations."""
    settings = settings_from(home, chroma_host, chroma_port, model=model)
    with friendly_errors():
        index = api.open_index(name, settings)
        streamed = settings.api_key is not None

        def on_text(text: str) -> None:
            if streamed:
                console.out(text, end="", highlight=False)

        answer = api.ask(index, question, budget=budget, on_text=on_text, settings=settings)
    if not streamed:
        console.print(Markdown(answer.text))
    else:
        console.out("")
    if show_context:
        _show_context(answer.packed)
    if answer.usage.input_tokens:
        err_console.print(f"[dim]{answer.model}: {answer.usage.input_tokens:,} input tokens "
                          f"({answer.usage.cache_read_input_tokens:,} from cache), "
                          f"{answer.usage.output_tokens:,} output[/]")
    if answer.error:
        err_console.print(f"[bold red]error:[/] {answer.error}")
        raise typer.Exit(1)
