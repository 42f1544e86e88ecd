"""The indexes page: health and freshness of every index, (re)indexing as a background job, with
its stage, progress, time left and a Cancel button.

Indexing from the page starts a detached job (``api.start_indexing``): it goes on when the page is
left or reloaded, and whoever opens this page sees its progress. A job ends once lexical search and
the graph are ready; the vectors then fill in the background, so the chat answers meanwhile.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from onboard import api
from onboard.errors import OnboardError
from onboard.web.state import settings
from onboard.web.text import md

POLL_SECONDS = 1.0
_RUNNING = "index_jobs_running"  # names whose job this session last saw running
_MESSAGE = "index_jobs_message"  # what the last Cancel or removal said, for the next run
_REMOVING = "index_removing"  # the index whose removal waits for a second click


def _status(info: api.IndexInfo, job: api.IndexJob | None) -> str:
    if info.error or info.vectors_error:
        return info.error or info.vectors_error
    if job and job.running:
        return f"indexing: {job.describe()}"
    if job and job.state != "done":
        return job.message
    return info.notice or ("ok" if info.vectors_complete else info.vectors)


def _cancel(name: str) -> None:
    try:
        st.session_state[_MESSAGE] = ("warning", api.cancel_indexing(name, settings()).message)
    except OnboardError as err:
        st.session_state[_MESSAGE] = ("error", str(err))


def _show_job(job: api.IndexJob) -> None:
    if job.running:
        st.progress(job.fraction, text=f"**{md(job.name)}**: {md(job.describe())}")
        st.button("Cancel", key=f"cancel_job:{job.name}", on_click=_cancel, args=(job.name,),
                  help="Stop indexing; the index keeps its last complete state.")
        return
    show = {"done": st.success, "cancelled": st.warning}.get(job.state, st.error)
    show(md(job.message))


@st.fragment(run_every=POLL_SECONDS)
def jobs_panel() -> None:
    """The web-started jobs, refreshed every second; the page reruns whole when one ends, so the
    table above shows what it wrote."""
    jobs = api.indexing_jobs(settings())
    running = {job.name for job in jobs if job.running}
    ended = st.session_state.get(_RUNNING, set()) - running
    st.session_state[_RUNNING] = running
    if ended:
        st.rerun()
    kind, message = st.session_state.pop(_MESSAGE, (None, None))
    if message:
        {"warning": st.warning, "success": st.success}.get(kind, st.error)(md(message))
    for job in jobs:
        _show_job(job)


def _confirm_removal(name: str) -> None:
    """Removing is the one thing this page cannot undo: it asks once more, naming what goes and what stays."""
    st.warning(f"Remove the index {md(name)}? Its search data, vectors, guide pages and chats are deleted; the "
               "repository itself is not touched, and `onboard index` can build the index again.")
    yes, no = st.columns(2)
    if no.button("Keep it", key="remove_cancel"):
        del st.session_state[_REMOVING]
        st.rerun()
    if yes.button(f"Remove {name}", key="remove_confirm", type="primary"):
        del st.session_state[_REMOVING]
        try:
            warnings = api.remove_index(name, settings())
        except OnboardError as err:
            st.session_state[_MESSAGE] = ("error", str(err))
        else:
            st.session_state[_MESSAGE] = ("warning", f"Removed {name}; " + " ".join(warnings)) if warnings else \
                ("success", f"Removed {name}.")
        st.rerun()


def _start(path: str | None, name: str | None, rebuild: bool = False) -> None:
    try:
        job = api.start_indexing(path, name, settings(), rebuild=rebuild)
    except OnboardError as err:
        st.error(md(err))
        return
    st.session_state.setdefault(_RUNNING, set()).add(job.name)
    st.info(f"Indexing {md(job.name)} in the background: you may leave this page; progress shows below.")


def page() -> None:
    st.header("Indexes")
    infos = api.list_indexes(settings())
    jobs = {job.name: job for job in api.indexing_jobs(settings())}
    if infos:
        rows = [{"name": i.name, "repository": i.root, "files": i.files, "symbols": i.symbols, "chunks": i.chunks,
                 "last indexed": i.updated_at, "stale files": i.stale, "status": _status(i, jobs.get(i.name))}
                for i in infos]
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    else:
        st.info("No indexes yet. Add a repository below, or run `onboard index PATH`.")
    for info in infos:
        if info.error or info.vectors_error:
            st.error(f"**{md(info.name)}**: {md(info.error or info.vectors_error)}")
    if infos:
        chosen = st.selectbox("Index", [i.name for i in infos], key="reindex_name")
        rebuild = st.checkbox("Rebuild from scratch", key="reindex_rebuild",
                              help="Drops the index first: the fix for a damaged index.")
        reindex, remove = st.columns(2)
        if reindex.button("Reindex", key="reindex_button", type="primary"):
            _start(None, chosen, rebuild)
        if remove.button("Remove…", key="remove_button", help="Delete this index: its search data, vectors, guide "
                         "and chats. The repository is not touched."):
            st.session_state[_REMOVING] = chosen
        if st.session_state.get(_REMOVING) == chosen:
            _confirm_removal(chosen)
    with st.form("new_index"):
        st.subheader("Index a repository")
        path = st.text_input("Path on this machine", key="new_path", placeholder="/home/me/src/flask")
        name = st.text_input("Name (default: folder name)", key="new_name")
        if st.form_submit_button("Index"):
            _start(path, name.strip() or None)
    jobs_panel()
