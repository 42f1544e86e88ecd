"""`onboard index | reindex | wait | list | remove | stats`.

`index` and `reindex` return once lexical search and the graph are ready; a detached worker fills
the vectors meanwhile (`--wait` embeds before returning, `onboard wait NAME` waits later)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Column, Table

from onboard import api
from onboard.cli import app
from onboard.cli.common import (
    ChromaHostOption,
    ChromaPortOption,
    HOME_FIX,
    INDEX_INTERRUPTED,
    HomeOption,
    console,
    err_console,
    friendly_errors,
    progress_bars,
    settings_from,
    shown,
    visible,
    writes_under,
)
from onboard.errors import OnboardError


WaitOption = typer.Option(False, "--wait", help="Embed before returning (default: a background worker embeds "
                                                "while the index already answers).")
NoEmbedOption = typer.Option(False, "--no-embed", help="Skip embeddings (lexical + graph search only).")


def _print_report(report: api.IndexReport, embed: bool) -> None:
    console.print(f"[green]indexed[/] [bold]{shown(report.name)}[/] ({shown(report.root)}): {report.files} files, "
                  f"{report.symbols} symbols, {report.edges} edges, {report.chunks} chunks; "
                  f"{report.indexed} parsed, {report.unchanged} unchanged, {report.removed} removed, "
                  f"{report.embedded} chunks embedded ({report.embedded - report.computed} from the embedding cache), "
                  f"{report.redactions} secrets redacted.")
    timing = ", ".join(f"{stage} {seconds:.2f}s" for stage, seconds in report.seconds.items())
    console.print(f"[dim]{timing}[/]")
    if report.chunks and not report.vectors_complete:
        vectors = ("not embedded" if not embed else f"a background worker (pid {report.worker}) embeds them"
                   if report.worker else "the running background worker embeds them")
        console.print(f"ready for questions; vectors: {vectors} (`onboard wait {shown(report.name)}` waits for them, "
                      "`onboard list` shows how far they are).")
    if report.skipped:
        console.print(f"[yellow]{len(report.skipped)} files skipped[/] "
                      f"(see `onboard stats {shown(report.name)} --skipped`)")
    if report.files == 0:
        err_console.print(f"[yellow]warning:[/] {shown(report.root)} has no files onboard can index (source or "
                          "documentation); check the path, .gitignore and .onboardignore.")


def _rewrite_guide(name: str, settings: api.Settings) -> bool:
    """With a key, the guide pages Claude wrote whose files this reindex changed are written again.

    False when the rewrite failed, said on its own line for this index: the reindex itself stands, and with
    ``--all`` the other indexes still go on (the pages stay stale, so the next reindex tries them again)."""
    if not settings.api_key:
        return True
    try:
        index = api.open_index(name, settings)
        try:
            report = api.rewrite_stale(index, settings)
        finally:
            index.close()
    except OnboardError as err:
        err_console.print(f"[bold red]{shown(name)}:[/] guide not rewritten: {shown(err)}")
        return False
    if report is not None:
        console.print(f"guide: {shown(report.line())}")
        for slug, error in report.errors.items():
            err_console.print(f"[yellow]guide page {shown(slug)}: {shown(error)}[/]")
    return report is None or not report.errors


@app.command()
def index(path: Path = typer.Argument(..., help="Repository to index."),
          name: Optional[str] = typer.Option(None, "--name", help="Index name (default: the folder's name)."),
          rebuild: bool = typer.Option(False, "--rebuild", help="Drop any existing index of that name first."),
          wait: bool = WaitOption, no_embed: bool = NoEmbedOption,
          home: Optional[str] = HomeOption, chroma_host: Optional[str] = ChromaHostOption,
          chroma_port: Optional[int] = ChromaPortOption) -> None:
    """Index a repository: scan, parse, graph; vectors fill in the background."""
    settings = settings_from(home, chroma_host, chroma_port)
    with friendly_errors(INDEX_INTERRUPTED), writes_under(settings.home, HOME_FIX), progress_bars() as progress:
        report = api.index_repo(path, name, settings, progress, rebuild=rebuild, embed=not no_embed,
                                background=not wait)
    _print_report(report, not no_embed)


@app.command()
def reindex(name: Optional[str] = typer.Argument(None, help="Index to refresh."),
            all_: bool = typer.Option(False, "--all", help="Refresh every index."),
            rebuild: bool = typer.Option(False, "--rebuild", help="Start over (fixes a damaged index)."),
            workers: int = typer.Option(2, "--workers", min=1, help="Parallel indexes with --all."),
            wait: bool = WaitOption, no_embed: bool = NoEmbedOption,
            home: Optional[str] = HomeOption, chroma_host: Optional[str] = ChromaHostOption,
            chroma_port: Optional[int] = ChromaPortOption) -> None:
    """Refresh an index incrementally: only changed files are parsed and embedded again."""
    settings = settings_from(home, chroma_host, chroma_port)
    if all_ == bool(name):
        err_console.print("[bold red]error:[/] " + ("NAME and --all cannot be combined: give NAME to refresh that "
                                                    "index, or --all for every index." if name
                                                    else "give an index NAME or --all."))
        raise typer.Exit(2)
    with friendly_errors(INDEX_INTERRUPTED), writes_under(settings.home, HOME_FIX):
        if name:
            with progress_bars() as progress:
                report = api.reindex(name, settings, progress, rebuild=rebuild, embed=not no_embed,
                                     background=not wait)
            _print_report(report, not no_embed)
            if not _rewrite_guide(name, settings):
                raise typer.Exit(1)
            return
        results = api.reindex_all(settings, workers=workers, rebuild=rebuild, embed=not no_embed, background=not wait)
    failed = 0
    with friendly_errors():  # Ctrl-C (the indexes are done); a failed guide rewrite is said per index, the loop goes on
        for index_name, result in results.items():
            if isinstance(result, str):
                failed += 1
                err_console.print(f"[bold red]{shown(index_name)}:[/] {shown(result)}")
            else:
                _print_report(result, not no_embed)
                failed += not _rewrite_guide(index_name, settings)
    if not results:
        console.print("no indexes yet: `onboard index PATH`")
    if failed:
        raise typer.Exit(1)


@app.command()
def wait(name: str = typer.Argument(..., help="Index whose vectors to wait for."),
         home: Optional[str] = HomeOption, chroma_host: Optional[str] = ChromaHostOption,
         chroma_port: Optional[int] = ChromaPortOption) -> None:
    """Wait until an index's vectors are complete; embeds the rest itself if no worker is at it."""
    with friendly_errors(), progress_bars() as progress:
        api.wait_for_vectors(name, settings_from(home, chroma_host, chroma_port), progress)
    console.print(f"{shown(name)}: vectors 100%")


@app.command("list")
def list_(home: Optional[str] = HomeOption) -> None:
    """Indexes with their size, freshness and health."""
    settings = settings_from(home)
    infos = api.list_indexes(settings)
    console.print(f"indexes in {shown(settings.home)}", soft_wrap=True)
    if not infos:
        console.print("no indexes yet: `onboard index PATH`")
        return
    # The counts, date and status stay whole on one line, the name up to 12 characters, and the root folds, so
    # an 80-column terminal shows it all; symbols and chunks are in `onboard stats`.
    table = Table(Column("name", overflow="fold", min_width=min(12, max(len(info.name) for info in infos))),
                  Column("root", overflow="fold", ratio=1),
                  *(Column(h, no_wrap=True, min_width=max(len(h), w))
                    for h, w in (("files", 0), ("indexed (UTC)", 16), ("stale", 0), ("status", 11))))
    details = []  # whole sentences under the table: in a column they wrap a word per line
    for info in infos:
        status, detail = (("[red]error[/]", f"[red]{shown(info.error or info.vectors_error)}[/]")
                          if info.error or info.vectors_error else
                          ("[yellow]to do[/]", f"[yellow]{shown(info.notice)}[/]") if info.notice else
                          ("ok", "") if info.vectors_complete else
                          (f"[yellow]vectors {info.vectors_percent}%[/]", shown(info.vectors)))
        table.add_row(shown(info.name), shown(info.root), str(info.files),
                      info.updated_at[:16].replace("T", " "),  # minutes are enough; the table needs the room
                      "" if info.stale is None else str(info.stale), status)
        if detail:
            details.append(f"{shown(info.name)}: {detail}")
    console.print(table)
    for line in details:
        console.print(line, soft_wrap=True)


@app.command()
def remove(name: str, yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask."),
           home: Optional[str] = HomeOption, chroma_host: Optional[str] = ChromaHostOption,
           chroma_port: Optional[int] = ChromaPortOption) -> None:
    """Delete an index (the repository itself is not touched)."""
    settings = settings_from(home, chroma_host, chroma_port)
    with friendly_errors():
        directory = api.require_index(name, settings)
        if not yes and not typer.confirm(visible(f"Delete index {name!r} ({directory})?")):
            raise typer.Exit(1)
        warnings = api.remove_index(name, settings)
    for warning in warnings:
        err_console.print(f"[yellow]warning:[/] {shown(warning)}")
    console.print(f"removed {shown(name)}")


@app.command()
def stats(name: str, skipped: bool = typer.Option(False, "--skipped", help="List every skipped file and why."),
          home: Optional[str] = HomeOption) -> None:
    """Counts, languages, the most central files and what was skipped, with reasons."""
    with friendly_errors():
        info = api.index_stats(name, settings_from(home))
    console.print(f"[bold]{shown(info['name'])}[/] {shown(info['root'])} (indexed {info['updated_at']}, "
                  f"integrity {shown(info['integrity'])})")
    console.print(", ".join(f"{k} {v}" for k, v in info["counts"].items()))
    console.print("languages: " + ", ".join(f"{shown(k)} {v}" for k, v in info["languages"].items()))
    console.print("roles: " + ", ".join(f"{shown(k)} {v}" for k, v in info["roles"].items()))
    table = Table("most central files (implementation first)", "PageRank")
    for path, rank in info["central"]:
        table.add_row(shown(path), f"{rank:.4f}")
    console.print(table)
    if info["parse_errors"]:
        console.print(f"[yellow]syntax errors (indexed what parsed):[/] {shown(', '.join(info['parse_errors'][:20]))}")
    console.print(f"secrets redacted: {info['redactions']}")
    console.print(f"vectors: {shown(info['vectors'])}")
    for reason, count in info["skipped"].items():
        console.print(f"skipped {count}: {shown(reason)}")
    if skipped and info["skipped_files"]:
        table = Table("skipped file", "why")
        for path, reason in info["skipped_files"]:
            table.add_row(shown(path), shown(reason))
        console.print(table)
    elif info["skipped"]:
        console.print(f"[dim]`onboard stats {shown(name)} --skipped` lists each file.[/]")


