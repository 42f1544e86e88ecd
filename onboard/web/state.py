"""Session-independent resources for the web app: settings and opened indexes, cached across reruns."""

from __future__ import annotations

import contextlib

import streamlit as st

from onboard import api
from onboard.config import Settings
from onboard.errors import OnboardError


def settings() -> Settings:
    return Settings.from_env()


@st.cache_resource(show_spinner=False)
def _open(name: str, home: str, version: str) -> api.Index:
    """One open index per (name, version): a reindex changes ``version`` and so opens it afresh.
    Vectors a crash or a restart left unfinished start filling again in the background."""
    settings = Settings.from_env(home=home)
    index = api.open_index(name, settings)
    with contextlib.suppress(OnboardError):  # the chat answers without vectors meanwhile
        api.resume_embedding(name, settings)
    return index


def index_version(name: str) -> str:
    info = api.describe(name, settings(), check_stale=False)
    return info.updated_at if not info.error else ""


def open_index(name: str) -> api.Index:
    s = settings()
    return _open(name, str(s.home), index_version(name))


def index_names() -> list[str]:
    return api.index_names(settings())
