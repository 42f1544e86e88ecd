"""The small public API that the CLI, the web app and scripts use.

Everything a shell needs is here; the stages behind it can change without the shells noticing.
"""

from __future__ import annotations

# --- index management (owner: store stage) -----------------------------------------------
# index_repo, reindex, reindex_all, list_indexes, remove_index, index_stats, open_index, Index

# --- questions (owner: retrieve/pack/answer stages) ----------------------------------------
# retrieve(index, question, budget=None) -> PackedContext
# ask(index, question, history=(), budget=None, on_text=None) -> Answer

# --- maps and sources (owner: web/maps) ----------------------------------------------------
# architecture_map(index, level="package", fmt="json") -> str
# read_source(index, path) -> str
