"""The Guide page (the index's architecture guide, page by page, searchable) and the chat's landing section.

The guide is built once per index version, in a background thread, and kept for every session; prose Claude
writes from this page lands in that same object and in the index, so other sessions see it too. The chat's
landing does not wait for a big index's guide (SymPy's takes 10-30 s): it says the guide is coming, and the
starter questions appear when it is ready, while the chat already answers. The page
in view is in the URL (``?page=guide&index=flask&section=pkg-src-flask``), so a guide page can be linked.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future
from concurrent.futures import TimeoutError as NotYet
from urllib.parse import urlencode

import streamlit as st

from onboard import api
from onboard.web import state
from onboard.web.links import source_url
from onboard.web.state import index_version, open_index, settings
from onboard.web.text import md

log = logging.getLogger("onboard.web")
STARTER = "starter_question"  # a starter question clicked, for the chat to ask on this run
REPORT = "guide_report"  # what the last Write did, shown once after the rerun that follows it
# Long signatures and paths wrap instead of widening the page, so a phone-width screen still reads.
WRAP = "<style>.stMarkdown code { white-space: pre-wrap; word-break: break-word; }</style>"


LANDING_WAIT_S = 2.0  # a small index's guide is ready by then, and its landing comes whole in one run
POLL_S = 2.0  # how often a landing waiting for its guide looks again
RETRY_AFTER_S = 30.0  # a failed build is tried again on a later run, not on every poll: it may fail each time
GUIDES_KEPT = 8
_BUILDS: OrderedDict[tuple[str, str, str], Future] = OrderedDict()
_FAILED_AT: dict[Future, float] = {}
_BUILDS_LOCK = threading.Lock()
_ONE_AT_A_TIME = threading.Lock()  # guides build one after another: 2 cores


def _in_background(index: api.Index) -> Future:
    """``api.guide_for(index)`` in a daemon thread. Not a ThreadPoolExecutor: Python waits for its threads at
    exit, so stopping the server (Ctrl-C) waited for a big guide's build; the guide is only a cache of the
    index, so dropping a build loses nothing."""
    future: Future = Future()

    def run() -> None:
        with _ONE_AT_A_TIME:
            future.set_running_or_notify_cancel()
            try:
                future.set_result(api.guide_for(index))
            except BaseException as err:  # noqa: BLE001 - the landing shows it in one line
                future.set_exception(err)

    threading.Thread(target=run, name="onboard-guide", daemon=True).start()
    return future


def _build(name: str) -> Future:
    """The guide of this index version: built (or being built) once for every session of this server."""
    key = (name, str(settings().home), index_version(name))
    with _BUILDS_LOCK:
        future = _BUILDS.get(key)
        if future is None or time.monotonic() - _FAILED_AT.get(future, time.monotonic()) > RETRY_AFTER_S:
            _FAILED_AT.pop(future, None)
            future = _BUILDS[key] = _in_background(open_index(name))
            future.add_done_callback(_note_failure)
        _BUILDS.move_to_end(key)
        while len(_BUILDS) > GUIDES_KEPT:
            _FAILED_AT.pop(_BUILDS.popitem(last=False)[1], None)
        return future


def _note_failure(future: Future) -> None:
    if future.exception() is not None:
        _FAILED_AT[future] = time.monotonic()


def guide_of(name: str) -> api.Guide:
    """The guide, waiting for it (the Guide page has nothing to show before)."""
    future = _build(name)
    if future.done():
        return future.result()
    with st.spinner("Building the guide from the index…"):
        return future.result()


def ready_guide(name: str, wait: float) -> api.Guide | None:
    """The guide if it is ready within ``wait`` seconds, else None (its build goes on)."""
    try:
        return _build(name).result(timeout=wait)
    except NotYet:
        return None


def guide_url(name: str, slug: str) -> str:
    return "?" + urlencode({"page": "guide", "index": name, "section": slug})


def page_markdown(guide: api.Guide, page: api.GuidePage, name: str, demote: int = 1) -> str:
    """The page with links into this app; headings ``demote`` levels down, since the app's own header and the
    page picker already name the page."""
    text = api.guide_markdown(guide, page, lambda path, start, end: source_url(name, path, start, end),
                              lambda slug: guide_url(name, slug), bool(settings().api_key))
    return re.sub(r"^(#{1,4}) ", lambda m: "#" * min(6, len(m.group(1)) + demote) + " ", text, flags=re.M)


def _write_controls(name: str, guide: api.Guide, page: api.GuidePage) -> None:
    """With a key: write this page's prose (or rewrite it when stale), or every page that needs it."""
    waiting = [p for p in guide.pages if p.writable and p.status != "fresh"]
    left, right = st.columns(2)
    one = left.button("Regenerate this page" if page.status == "stale" else "Write this page with Claude",
                      disabled=page.status == "fresh" or not page.writable, key="guide_write_one")
    every = right.button(f"Write {len(waiting)} page(s) that need it", disabled=not waiting, key="guide_write_all")
    if one or every:
        with st.spinner("Claude is writing…"):
            report = api.write_guide(open_index(name), guide, settings(), None if every else [page.slug])
        st.session_state[REPORT] = report
        st.rerun()  # the buttons and the page show what was just written
    report = st.session_state.pop(REPORT, None)
    if report is not None:
        st.caption(md(report.line()))
        for slug, error in report.errors.items():
            st.error(f"{md(slug)}: {md(error)}")


def page(name: str) -> None:
    guide = guide_of(name)
    st.html(WRAP)
    st.header(f"Guide to {md(name)}")
    query = st.text_input("Search the guide", key="guide_search", placeholder="a package, a class, a word…")
    slugs = [p.slug for p in guide.pages]
    if query.strip():
        hits = guide.search(query)
        slugs = [p.slug for p, _ in hits]
        st.caption(f"{len(hits)} of {len(guide.pages)} pages mention {md(query.strip())}")
        if not slugs:
            return
    wanted = state.param("section") or "overview"
    if state.arrived() or st.session_state.get("guide_page") not in slugs:
        st.session_state["guide_page"] = wanted if wanted in slugs else slugs[0]
    titles = {p.slug: p.title for p in guide.pages}
    choice = st.selectbox("Guide page", slugs, key="guide_page",
                          format_func=lambda slug: titles[slug] if slug in titles else slug)
    state.set_params(section=None if choice == "overview" else choice)
    shown = guide.page(choice)
    if settings().api_key and shown.writable:
        _write_controls(name, guide, shown)
    st.markdown(page_markdown(guide, shown, name))
    if shown.slug == "layers":
        st.graphviz_chart(guide.diagram_dot, width="stretch")


def _ask(question: str) -> None:
    st.session_state[STARTER] = question


@st.fragment(run_every=POLL_S)
def _await_guide(name: str) -> None:
    """A line while the guide builds; when it is ready, the page runs again and the landing shows it."""
    if _build(name).done():
        st.rerun(scope="app")
    st.caption(f"Building the guide of {md(name)} (its overview and starter questions); ask away meanwhile.")


def starter_question() -> str | None:
    """The starter question clicked on the landing section, once."""
    return st.session_state.pop(STARTER, None)


def landing(name: str) -> None:
    """What an index opens with: the guide's overview and starter questions that ask themselves.

    The chat must work whatever the guide does, so a guide that fails to build is one line here, not the
    page, and one still building is a line that gives way to the guide when it is ready."""
    try:
        guide = ready_guide(name, LANDING_WAIT_S)
    except Exception as err:  # noqa: BLE001 - the chat below still works
        log.exception("guide failed")
        st.caption(f"The guide could not be built ({md(type(err).__name__)}); the details are in the server log.")
        return
    if guide is None:
        _await_guide(name)
        return
    st.caption("Start with a question:")
    for n, question in enumerate(guide.questions):
        st.button(question, key=f"starter_{n}", on_click=_ask, args=(question,))
    with st.expander(f"About {md(name)}: the guide's overview", expanded=True):
        st.markdown(page_markdown(guide, guide.page("overview"), name, demote=2))
        st.markdown(f"[Open the whole guide]({guide_url(name, 'overview')})")
