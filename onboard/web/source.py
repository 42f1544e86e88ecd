"""The source viewer: a cited file, syntax highlighted, the cited lines marked and in view."""

from __future__ import annotations

import streamlit as st
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_for_filename
from pygments.util import ClassNotFound

from onboard import api
from onboard.errors import OnboardError
from onboard.web.links import source_url
from onboard.web.state import open_index

CONTEXT_LINES = 15


def highlighted_html(path: str, text: str, start: int, end: int) -> str:
    """A window around ``start-end`` with those lines highlighted; inline styles so nothing external loads."""
    lines = text.split("\n")
    first = max(1, start - CONTEXT_LINES)
    last = min(len(lines), end + CONTEXT_LINES)
    try:
        lexer = get_lexer_for_filename(path, stripnl=False)
    except ClassNotFound:
        lexer = get_lexer_for_filename("x.txt", stripnl=False)
    formatter = HtmlFormatter(linenos="inline", linenostart=first, noclasses=True, style="friendly",
                              hl_lines=list(range(start - first + 1, end - first + 2)))
    return highlight("\n".join(lines[first - 1:last]), lexer, formatter)


def page(name: str, path: str, start: int, end: int) -> None:
    st.header(f"{path}")
    st.caption(f"{name} · lines {start}-{end}")
    try:
        text = api.read_source(open_index(name), path)
    except OnboardError as err:
        st.error(str(err))
        return
    total = text.count("\n") + 1
    start, end = max(1, min(start, total)), max(1, min(max(end, start), total))
    st.html(f'<div class="onboard-source" style="overflow-x:auto;font-size:0.85rem">'
            f'{highlighted_html(path, text, start, end)}</div>')
    with st.expander(f"Whole file ({total} lines)"):
        st.code(text, language=None, line_numbers=True)
    uses_panel(name, path)


def uses_panel(name: str, path: str) -> None:
    """The symbol reference graph around this file: each definition's callers and callees, as links."""
    rows = api.symbol_uses(open_index(name), path)
    if not rows:
        return

    def links(targets: list[dict]) -> str:
        return ", ".join(f"[{t['id']}]({source_url(name, t['path'], t['line'], t['line'] + t['lines'] - 1)})"
                         for t in targets[:12]) + (f" and {len(targets) - 12} more" if len(targets) > 12 else "")

    with st.expander(f"Uses and used by ({len(rows)} definitions)"):
        for row in rows:
            st.markdown(f"**{row['symbol']}** (line {row['line']})  \n"
                        f"uses: {links(row['uses']) or '—'}  \n"
                        f"used by: {links(row['used_by']) or '—'}")
