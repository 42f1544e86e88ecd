"""The web app's frame: a sidebar to pick the repo and page; query params make pages linkable."""

from __future__ import annotations

import logging

import streamlit as st

from onboard.errors import OnboardError
from onboard.web import chat, indexes, maps, source
from onboard.web.state import index_names, settings

log = logging.getLogger("onboard.web")
PAGES = {"chat": "Chat", "map": "Architecture map", "indexes": "Indexes"}


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def main() -> None:
    """Render the page; any failure becomes one sentence on the page (details go to the server log)."""
    st.set_page_config(page_title="onboard", layout="wide")
    try:
        _route()
    except OnboardError as err:  # a damaged index or a bad name is a message with its fix, not a stack trace
        st.error(str(err))
    except Exception as err:  # noqa: BLE001 - no raw traceback ever reaches the page
        log.exception("page failed")
        st.error(f"Something went wrong ({type(err).__name__}: {err}). The details are in the server log; "
                 "reload the page, and if it persists run `onboard reindex --rebuild NAME`.")


def _route() -> None:
    params = st.query_params
    if params.get("page") == "source":
        source.page(params.get("index", ""), params.get("path", ""), _int(params.get("start"), 1),
                    _int(params.get("end"), _int(params.get("start"), 1)))
        return
    names = index_names()
    with st.sidebar:
        st.title("onboard")
        st.caption(f"indexes in {settings().home}")
        page = st.radio("Page", list(PAGES), format_func=PAGES.get, key="page",
                        index=list(PAGES).index(params.get("page", "chat")) if params.get("page") in PAGES else 0)
        name = st.selectbox("Repository", names, key="repo") if names else None
    if page == "indexes" or name is None:
        if name is None and page != "indexes":
            st.warning("No index yet: create one on this page or with `onboard index PATH`.")
        indexes.page()
        return
    (chat.page if page == "chat" else maps.page)(name)
