"""Session-independent resources (settings, opened indexes), and where the app is, kept in the URL.

The URL says where you are: ``?page=source&index=flask&path=src/app.py&start=10&end=20``,
``?page=chat&index=flask&q=How+are+routes+registered%3F``. It is read whenever it did not come from
this session's own last write (a link opened, a reload, back/forward, an edited address) and written
after every run, so a link can be shared and a reload keeps you where you were. Streamlit pushes a
history entry for each change and reruns on back/forward, so those walk through the places visited.

Streamlit's own ``bind="query-params"`` keeps one widget in the URL, but it writes option labels,
drops default values and cannot hold what no widget owns (a source location, the question asked);
so the router and the pages share one dict of navigation params instead: ``page`` and ``index``
belong to the router, any other name to the page that sets it, and a change of page or index drops
them. A new page needs nothing here to be linkable.
"""

from __future__ import annotations

import contextlib

import streamlit as st

from onboard import api
from onboard.config import Settings
from onboard.errors import OnboardError

_NAV = "_nav"  # this run's navigation params
_WRITTEN = "_nav_written"  # the URL as this session last saw or wrote it
_ARRIVED = "_nav_arrived"  # this run's URL came from outside the session
ROUTER_PARAMS = ("page", "index")


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


# -- the URL ---------------------------------------------------------------------------------------

def begin_run() -> None:
    """First thing in every run: adopt the URL's params when they did not come from this session."""
    url = st.query_params.to_dict()
    arrived = url != st.session_state.get(_WRITTEN)
    st.session_state[_ARRIVED] = arrived
    # Seen now: should this run be interrupted (a click while it runs) before it publishes, the next
    # run must not take the same URL for one that came from outside and undo the click.
    st.session_state[_WRITTEN] = url
    if arrived or _NAV not in st.session_state:
        st.session_state[_NAV] = dict(url)


def arrived() -> bool:
    """This run's URL came from outside (a link, a reload, back/forward): pages follow it, e.g. the
    chat asks the question a link carries."""
    return bool(st.session_state.get(_ARRIVED))


def param(key: str, default: str = "") -> str:
    return st.session_state.get(_NAV, {}).get(key, default)


def int_param(key: str, default: int) -> int:
    try:
        return int(param(key, str(default)))
    except ValueError:
        return default


def set_params(**values: object) -> None:
    """Set navigation params for the URL; None or "" removes one."""
    nav = st.session_state.setdefault(_NAV, {})
    for key, value in values.items():
        if value is None or value == "":
            nav.pop(key, None)
        else:
            nav[key] = str(value)


def enter(page: str, index: str | None) -> None:
    """The router's place: a different page or index drops the params the previous one set."""
    nav = st.session_state.setdefault(_NAV, {})
    if (nav.get("page"), nav.get("index")) != (page, index):
        nav.clear()
    set_params(page=page, index=index)


def publish() -> None:
    """Write the navigation params to the URL (Streamlit pushes a history entry when they changed)."""
    nav = dict(st.session_state.get(_NAV, {}))
    if st.query_params.to_dict() != nav:
        st.query_params.from_dict(nav)
    st.session_state[_WRITTEN] = nav
