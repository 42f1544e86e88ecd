"""The `onboard` command line: a thin shell over ``onboard.api``.

Each group of commands lives in its own module and registers itself on ``app``; this module only
imports them so `onboard --help` lists everything.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="onboard",
    help="Index a repository and ask architecture questions about it.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,  # plain click help: flags read `--rebuild`, not `--rebuild <bool>`
)

# Command modules register on `app` when imported (index_cmds: index/reindex/list/remove/stats,
# ask_cmd: ask, map_cmds: map/serve, who_cmd: who, guide_cmd: guide).
from onboard.cli import index_cmds, ask_cmd, map_cmds, who_cmd, guide_cmd  # noqa: E402,F401
