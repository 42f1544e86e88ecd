"""The web app's frame: a sidebar to pick the repo and page; the URL keeps where you are (see state)."""

from __future__ import annotations

import logging

import streamlit as st

from onboard import api
from onboard.errors import IndexIncomplete, OnboardError
from onboard.web import chat, guide, indexes, maps, source, state
from onboard.web.state import index_names, settings
from onboard.web.text import md, message

log = logging.getLogger("onboard.web")
PAGES = {"chat": "Chat", "guide": "Guide", "map": "Architecture map", "source": "Source", "indexes": "Indexes"}
# The pages of one index; the indexes page needs none.
VIEWS = {"chat": chat.page, "guide": guide.page, "map": maps.page, "source": source.page}


def main() -> None:
    """Render the page; any failure becomes one sentence on the page (details go to the server log)."""
    st.set_page_config(page_title="onboard", layout="wide")
    try:
        _route()
    except IndexIncomplete as err:
        job = api.indexing_progress(err.name, settings())
        if job is None or not job.running:
            st.error(message(err))
        else:  # being built from this app: its pages open when the job ends, nothing to run meanwhile
            st.info(f"{md(err.name)} is being {'rebuilt' if job.rebuild else 'indexed'}: {md(job.describe())}. "
                    "Its pages open when that ends (the Indexes page shows the progress).")
    except OnboardError as err:  # a damaged index or a bad name is a message with its fix, not a stack trace
        st.error(message(err))
    except Exception as err:  # noqa: BLE001 - no raw traceback ever reaches the page
        log.exception("page failed")
        st.error(f"Something went wrong ({type(err).__name__}: {md(err)}). The details are in the server log; "
                 "reload the page, and if it persists run `onboard reindex --rebuild NAME`.")


def _route() -> None:
    state.begin_run()
    try:
        _show_page()
    finally:  # even a page that failed keeps its place in the URL, so a reload retries it
        state.publish()


def _show_page() -> None:
    names = index_names()
    linked = state.param("index")
    if state.arrived():  # a link, a reload or back/forward: the sidebar follows the URL
        st.session_state["page"] = state.param("page") if state.param("page") in PAGES else next(iter(PAGES))
        if linked in names:
            st.session_state["repo"] = linked
    with st.sidebar:
        st.title("onboard")
        st.caption(f"indexes in {md(settings().home)}")
        page = st.radio("Page", list(PAGES), format_func=PAGES.get, key="page")
        name = st.selectbox("Repository", names, key="repo") if names else None
    if state.arrived() and linked and linked not in names:
        state.enter(page, name)  # the URL names the index chosen now, once this message is read
        api.open_index(linked, settings()).close()  # says why: not a valid name, or no such index here
    state.enter(page, name)
    if page == "indexes" or name is None:
        if name is None and page != "indexes":
            st.warning("No index yet: create one on this page or with `onboard index PATH`.")
        indexes.page()
        return
    VIEWS[page](name)
