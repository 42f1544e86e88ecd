"""The source viewer: a cited file, syntax highlighted, the cited lines marked and in view; beside it
the index's files folder by folder and a search for definitions by name.

Where it is (file, lines, folder, symbol query) lives in the URL's params (see ``state``), so a
citation link opens here and a reload stays here. Navigation is by buttons, not links, so the
session (and its chat) stays.
"""

from __future__ import annotations

import streamlit as st
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_for_filename
from pygments.util import ClassNotFound

from onboard import api
from onboard.errors import OnboardError
from onboard.web import state
from onboard.web.links import source_url
from onboard.web.text import has_bidi, link, md, message, reveal
from onboard.web.state import index_version, open_index, settings

CONTEXT_LINES = 15
SHOWN = 200  # entries of one folder listed before "N more": a filter finds the rest
# A file longer than this is not sent to the page whole: a 4.7 MB file made every view of it take 8 s and its
# "Whole file" panel 20 s to open in Chromium. It can be downloaded instead (served only when asked for).
WHOLE_FILE_CHARS = 500_000
HIGHLIGHTED_LINES = 2_000  # the most lines of a cited range drawn highlighted (a whole big class fits)
SYMBOLS = 30  # symbol search results shown


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


def page(name: str) -> None:
    path = state.param("path")
    start = state.int_param("start", 1)
    end = state.int_param("end", start)
    browse, view = st.columns([1, 3], gap="medium")
    with browse:
        file_tree(name, path)
        symbol_search(name)
    with view:
        if path:
            show_file(name, path, start, end)
        else:
            st.header(f"Source of {md(name)}")
            st.info("Open a file from the folders on the left, or find a definition by name.")


def _open(path: str, start: int = 1, end: int | None = None) -> None:
    state.set_params(path=path, start=start, end=end or start, folder=None)


def _enter(folder: str) -> None:
    state.set_params(folder=folder or ".")


@st.cache_data(show_spinner=False, max_entries=16)
def _paths(name: str, home: str, version: str) -> list[str]:
    """The index's file paths, read once per index version (a 4,000-file index lists in milliseconds)."""
    return api.file_paths(open_index(name))


def file_tree(name: str, path: str) -> None:
    """The folder of the open file (or the one browsed to): a breadcrumb, its folders, its files."""
    paths = _paths(name, str(settings().home), index_version(name))
    folder = state.param("folder") or api.folder_of(path)
    try:
        listing = api.list_folder(paths, "" if folder == "." else folder)
    except OnboardError:
        listing = api.list_folder(paths, "")
    st.subheader("Files")
    with st.container(horizontal=True, gap="small"):  # the breadcrumb: a click goes up to that folder
        for crumb in [*listing.parents, listing.path] if listing.path else [""]:
            st.button(md(crumb.rsplit("/", 1)[-1] or name), key=f"tree:crumb:{crumb}", type="tertiary",
                      on_click=_enter, args=(crumb,), icon=":material/folder_open:" if crumb else ":material/home:")
    query = st.text_input("Filter files", key="tree_filter", placeholder="part of a path").strip().lower()
    if query:
        matches = [p for p in paths if query in p.lower()]
        entries = [(p, p, False) for p in matches[:SHOWN]]
        hidden = len(matches) - len(entries)
    else:
        entries = [(f"{sub.rsplit('/', 1)[-1]}/ ({count})", sub, True) for sub, count in listing.folders]
        entries += [(f.rsplit("/", 1)[-1], f, False) for f in listing.files]
        hidden = max(0, len(entries) - SHOWN)
        entries = entries[:SHOWN]
    for label, target, is_folder in entries:
        if is_folder:
            st.button(md(label), key=f"tree:dir:{target}", type="tertiary", icon=":material/folder:",
                      on_click=_enter, args=(target,))
        else:
            st.button(md(label), key=f"tree:file:{target}", type="primary" if target == path else "tertiary",
                      icon=":material/description:", on_click=_open, args=(target,))
    if hidden:
        st.caption(f"and {hidden:,} more: type part of a path above to find them.")


def symbol_search(name: str) -> None:
    """Definitions by name, from the index's symbol table; each opens at its lines."""
    st.subheader("Find a definition")
    if state.arrived() or "symbol_query" not in st.session_state:
        st.session_state["symbol_query"] = state.param("symbol")
    query = st.text_input("Name", key="symbol_query", placeholder="e.g. __init__ or Cart.total")
    state.set_params(symbol=query.strip())
    if not query.strip():
        return
    found = api.find_symbols(open_index(name), query, SYMBOLS)
    if not found:
        st.caption(f"No definition named like “{md(query.strip())}”.")
    for n, symbol in enumerate(found):  # the place: two definitions of one name can share a line
        st.button(f"{md(symbol.qualname)} · {md(symbol.path.rsplit('/', 1)[-1])}:{symbol.start_line}",
                  key=f"symbol:{n}:{symbol.path}:{symbol.start_line}:{symbol.qualname}", type="tertiary",
                  help=f"{md(symbol.kind)} in {md(symbol.path)}, lines {symbol.start_line}-{symbol.end_line}",
                  on_click=_open, args=(symbol.path, symbol.start_line, symbol.end_line))


def show_file(name: str, path: str, start: int, end: int) -> None:
    st.header(md(path))
    st.caption(f"{md(name)} · lines {start}-{end}")
    try:
        text = api.read_source(open_index(name), path)
    except OnboardError as err:
        st.error(message(err))
        return
    who_to_ask(name, path)
    if has_bidi(text):
        st.warning("This file holds Unicode bidirectional control characters, which can make code read differently "
                   "from how it runs; they are shown as escapes (\\\\u202e).")
        text = reveal(text)
    total = text.count("\n") + 1
    start, end = max(1, min(start, total)), max(1, min(max(end, start), total))
    if end - start >= HIGHLIGHTED_LINES:  # a link can ask for any range; the page stays quick to send and draw
        st.caption(f"Lines {start}-{start + HIGHLIGHTED_LINES - 1} of the {end - start + 1:,} asked for are shown.")
        end = start + HIGHLIGHTED_LINES - 1
    st.html(f'<div class="onboard-source" style="overflow-x:auto;font-size:0.85rem">'
            f'{highlighted_html(path, text, start, end)}</div>')
    if len(text) > WHOLE_FILE_CHARS:
        st.download_button(f"Download the whole file ({total:,} lines, {len(text) / 1e6:.1f} million characters: "
                           "too big to show)",
                           text, file_name=path.rsplit("/", 1)[-1], mime="text/plain", on_click="ignore")
    else:
        with st.expander(f"Whole file ({total} lines)"):
            st.code(text, language=None, line_numbers=True)
    uses_panel(name, path)


def who_to_ask(name: str, path: str) -> None:
    """Owners (CODEOWNERS), the top authors of the last 12 months and the last change, when git or
    CODEOWNERS told the index; nothing at all otherwise."""
    ownership = api.ownership(open_index(name), path)
    if ownership.known:
        st.caption(f"**Who to ask:** {md(ownership.line())}")


def uses_panel(name: str, path: str) -> None:
    """The symbol reference graph around this file: each definition's callers and callees, as links."""
    rows = api.symbol_uses(open_index(name), path)
    if not rows:
        return

    def links(targets: list[dict]) -> str:
        return ", ".join(link(t["id"], source_url(name, t["path"], t["line"], t["line"] + t["lines"] - 1))
                         for t in targets[:12]) + (f" and {len(targets) - 12} more" if len(targets) > 12 else "")

    with st.expander(f"Uses and used by ({len(rows)} definitions)"):
        for row in rows:
            st.markdown(f"**{md(row['symbol'])}** (line {row['line']})  \n"
                        f"uses: {links(row['uses']) or '—'}  \n"
                        f"used by: {links(row['used_by']) or '—'}")
