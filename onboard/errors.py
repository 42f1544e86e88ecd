"""Errors a person can act on. Each message says what went wrong and what to run next."""

from __future__ import annotations


class OnboardError(Exception):
    """Base class: the CLI and the web app print ``str(err)`` as is, without a traceback."""


class IndexNotFound(OnboardError):
    def __init__(self, name: str, home: object = None) -> None:
        where = f" in {home}" if home is not None else ""
        super().__init__(f"No index named {name!r}{where}. Create it with `onboard index PATH --name {name}` "
                         "or see `onboard list`.")
        self.name = name


class InvalidIndexName(OnboardError):
    """A name that is not one plain path segment: it must never reach the filesystem."""

    def __init__(self, name: str, looks_like_path: bool) -> None:
        if looks_like_path:
            message = (f"`{name}` looks like a path; index names are like `flask` (letters, digits, '.', '_', '-'). "
                       "Give the repository's path to `onboard index PATH --name NAME`.")
        else:
            message = (f"{name!r} is not a valid index name: use 1-64 letters, digits, '.', '_' or '-', "
                       "starting with a letter or digit, like `flask`.")
        super().__init__(message)
        self.name = name


class IndexCorrupt(OnboardError):
    def __init__(self, name: str, detail: str) -> None:
        super().__init__(f"Index {name!r} is damaged ({detail}). Rebuild it with "
                         f"`onboard reindex --rebuild {name}` (in the web app: Indexes, Rebuild from scratch).")
        self.name = name


class IndexIncomplete(OnboardError):
    """An index whose first run (or rebuild) never finished: its tables exist, empty, and would answer every
    question with nothing as if that were the repository."""

    def __init__(self, name: str) -> None:
        super().__init__(f"Index {name!r} was never completely built (the run was interrupted, or is still going); "
                         f"run `onboard reindex {name}` (in the web app: Indexes, Reindex).")
        self.name = name


class IndexLocked(OnboardError):
    def __init__(self, name: str) -> None:
        super().__init__(f"Index {name!r} is being (re)indexed by another process; "
                         "wait for it to finish and try again.")
        self.name = name


class PathNotUtf8(OnboardError):
    """A path with bytes that are not UTF-8 (Python holds each as a lone surrogate): the index stores paths as
    UTF-8 (SQLite, ``root.txt``), so one is refused before anything is looked up or written."""

    def __init__(self, path: str, advice: str) -> None:
        try:  # the bytes as typed, each undecodable one as \xNN, so the message itself prints anywhere
            raw = path.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:  # a surrogate no file name decodes to: only code passes one
            raw = path.encode("utf-8", "backslashreplace")
        super().__init__(f"The path {raw.decode('utf-8', 'backslashreplace')} is not valid UTF-8; {advice}")
        self.path = path


def require_utf8(path: str, advice: str) -> str:
    """``path`` if it is valid UTF-8, else PathNotUtf8 saying what to do (``advice``)."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        raise PathNotUtf8(path, advice) from None
    return path


class PathOutsideRepo(OnboardError):
    """A path that names no indexed file; ``skipped`` says why a file of the repository was left out."""

    def __init__(self, path: str, skipped: str | None = None) -> None:
        super().__init__(f"Refusing {path!r}: it is not a file of the indexed repository." if skipped is None else
                         f"{path!r} was skipped when indexing ({skipped}); only indexed files can be shown.")
        self.path = path
