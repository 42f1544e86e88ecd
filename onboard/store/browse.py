"""Browsing an index as a person does in the source viewer: folder by folder, or a symbol by name.

One folder at a time, so a 4,000-file repository lists only what is in view; the listing is
computed from the stored paths (the live filesystem is never read).
"""

from __future__ import annotations

from dataclasses import dataclass

from onboard.models import Symbol
from onboard.store.index import Index
from onboard.store.views import normalise_path


@dataclass(frozen=True)
class Folder:
    """What a folder of the index holds: its subfolders (with how many files each holds, at any
    depth) and its own files, both sorted."""

    path: str  # "" for the repository root
    folders: list[tuple[str, int]]
    files: list[str]

    @property
    def parents(self) -> list[str]:
        """The folders above this one, root ("") first: a breadcrumb."""
        parts = self.path.split("/") if self.path else []
        return [""] + ["/".join(parts[:i]) for i in range(1, len(parts))]


def file_paths(index: Index) -> list[str]:
    return [f.path for f in index.db.files()]


def folder_of(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else ""


def list_folder(paths: list[str], folder: str) -> Folder:
    """The listing of ``folder`` (relative, "" for the root) among the indexed ``paths``."""
    folder = normalise_path(folder) if folder.strip("/ .") else ""
    prefix = f"{folder}/" if folder else ""
    counts: dict[str, int] = {}
    files = []
    for path in paths:
        if not path.startswith(prefix):
            continue
        rest = path[len(prefix):]
        if "/" in rest:
            child = prefix + rest.split("/", 1)[0]
            counts[child] = counts.get(child, 0) + 1
        else:
            files.append(path)
    return Folder(folder, sorted(counts.items()), sorted(files))


def find_symbols(index: Index, query: str, limit: int = 50) -> list[Symbol]:
    """Definitions whose name contains ``query``, best matches first (see ``IndexDB.find_symbols``)."""
    return index.db.find_symbols(query, limit) if query.strip() else []
