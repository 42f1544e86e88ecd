"""`onboard ask NAME "question"`: stream an answer to the terminal."""

from __future__ import annotations

from dataclasses import replace
from typing import Optional

import typer
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
    shown,
    visible,
)


def _show_context(packed: api.PackedContext) -> None:
    table = Table("document", "lines", "tokens", "view", "why chosen", title=(
        f"context: {packed.tokens_used:,} of {packed.budget:,} tokens (repo map {packed.map_tokens:,})"))
    for doc in packed.all_documents():
        table.add_row(shown(doc.path), f"{doc.start_line}-{doc.end_line}", f"{doc.tokens:,}",
                      "whole" if doc.whole else "excerpt", shown(doc.reason))
    err_console.print(table)


@app.command()
def ask(name: str = typer.Argument(..., help="Index to ask."),
        question: str = typer.Argument(..., help="Your question, in quotes."),
        budget: Optional[int] = typer.Option(None, "--budget", min=1000,
                                             help="Context tokens (default: what the 200k window leaves)."),
        show_context: bool = typer.Option(False, "--show-context", help="List the packed files, tokens and reasons."),
        model: Optional[str] = typer.Option(None, "--model", help="Claude model (env ONBOARD_MODEL)."),
        tool_rounds: Optional[int] = typer.Option(None, "--tool-rounds", min=0, help=(
            "Rounds of tools (search, read, find) Claude may use to read past the packed context; 0 for none "
            "(env ONBOARD_TOOL_ROUNDS, default 6).")),
        home: Optional[str] = HomeOption, chroma_host: Optional[str] = ChromaHostOption,
        chroma_port: Optional[int] = ChromaPortOption) -> None:
    """Ask a question; Claude's steps and answer stream in, with checked path:line citations and the cost."""
    settings = settings_from(home, chroma_host, chroma_port, model=model)
    with friendly_errors():
        index = api.open_index(name, settings)
        limits = api.Limits.from_env()
        limits = replace(limits, rounds=tool_rounds) if tool_rounds is not None else limits
        streamed = settings.api_key is not None
        mid_line = after_step = False  # text goes to stdout, steps to stderr: each step on a line of its own

        def on_text(text: str) -> None:
            nonlocal mid_line, after_step
            if streamed:
                console.out(visible(text.lstrip("\n") if after_step else text, lines=True), end="", highlight=False)
                mid_line, after_step = not text.endswith("\n"), False

        def on_step(step: api.Step) -> None:
            nonlocal mid_line, after_step
            if mid_line:
                console.out("")
            mid_line, after_step = False, True
            err_console.print(f"[{'red' if step.error else 'dim'}]→ {shown(step.text)} ({step.tokens:,} tokens)[/]")

        try:
            answer = api.ask(index, question, budget=budget, on_text=on_text, settings=settings, on_step=on_step,
                             limits=limits)
        except KeyboardInterrupt:
            console.out("")
            err_console.print("[yellow]stopped: the part of the answer that arrived is above.[/]")
            raise typer.Exit(130) from None
    if not streamed:
        from rich.markdown import Markdown  # markdown-it and pygments: only an answer needs them

        console.print(Markdown(visible(answer.text, lines=True)))
    else:
        console.out("")
    if show_context:
        _show_context(answer.packed)
    if answer.mode == "claude":
        unverified = [f"{c.text} ({c.problem})" for c in answer.citations if not c.verified]
        err_console.print(f"[dim]{shown(answer.citation_line())}[/]" + (
            f"[yellow]; unverified: {shown(', '.join(unverified))}[/]" if unverified else ""))
        err_console.print(f"[dim]{shown(answer.usage_line())}[/]")
    if answer.error:
        err_console.print(f"[bold red]error:[/] {shown(answer.error)}")
        raise typer.Exit(1)
