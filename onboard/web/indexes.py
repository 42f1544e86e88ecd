"""The indexes page: health and freshness of every index, reindex with progress, add a repository.

Indexing from the page returns once lexical search and the graph are ready (seconds); a background
worker fills the vectors, so the page never blocks for minutes and the chat answers meanwhile."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from onboard import api
from onboard.errors import OnboardError
from onboard.web.state import settings


def _progress_callback():
    bar = st.progress(0.0, text="starting…")

    def update(stage: str, done: int, total: int) -> None:
        bar.progress(min(1.0, done / max(total, 1)), text=f"{stage}: {done}/{total}")

    return update


def _vectors_line(report: api.IndexReport) -> str:
    if report.vectors_complete or not report.chunks:
        return "Vectors are complete."
    return "Ready for questions; the vectors fill in the background (reload this page to see how far)."


def page() -> None:
    st.header("Indexes")
    infos = api.list_indexes(settings())
    if infos:
        rows = [{"name": i.name, "repository": i.root, "files": i.files, "symbols": i.symbols, "chunks": i.chunks,
                 "last indexed": i.updated_at, "stale files": i.stale,
                 "status": i.error or i.vectors_error or ("ok" if i.vectors_complete else i.vectors)}
                for i in infos]
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    else:
        st.info("No indexes yet. Add a repository below, or run `onboard index PATH`.")
    for info in infos:
        if info.error or info.vectors_error:
            st.error(f"**{info.name}**: {info.error or info.vectors_error}")
    if infos:
        chosen = st.selectbox("Index", [i.name for i in infos], key="reindex_name")
        rebuild = st.checkbox("Rebuild from scratch", key="reindex_rebuild",
                              help="Drops the index first: the fix for a damaged index.")
        if st.button("Reindex", key="reindex_button", type="primary"):
            try:
                report = api.reindex(chosen, settings(), _progress_callback(), rebuild=rebuild, background=True)
                st.success(f"{chosen}: {report.indexed} files parsed, {report.unchanged} unchanged, "
                           f"{report.removed} removed. {_vectors_line(report)}")
            except OnboardError as err:
                st.error(str(err))
    with st.form("new_index"):
        st.subheader("Index a repository")
        path = st.text_input("Path on this machine", key="new_path")
        name = st.text_input("Name (default: folder name)", key="new_name")
        if st.form_submit_button("Index"):
            try:
                report = api.index_repo(path, name or None, settings(), _progress_callback(), background=True)
                st.success(f"Indexed {report.name}: {report.files} files, {report.symbols} symbols. "
                           f"{_vectors_line(report)}")
            except OnboardError as err:
                st.error(str(err))
