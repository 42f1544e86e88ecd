"""guide stage: an architecture guide per index, built from the index (and, with a key, Claude's prose).

Sits between answer and the shells: it reads the index (store, graph), packs each page's context (pack) and
asks Claude through the answer stage's loop. ``guide_for`` is what shells call; ``write_guide`` writes the
prose that is missing or stale; ``export_guide`` writes the Markdown folder.
"""

from __future__ import annotations

from onboard.guide.build import build_guide
from onboard.guide.model import INDEX_ONLY, Guide, Page
from onboard.guide.model import Page as GuidePage
from onboard.guide.prose import WriteReport, attach_written, write_guide, write_pages
from onboard.guide.render import export_guide, guide_markdown
from onboard.config import Settings
from onboard.store import Index


def guide_for(index: Index) -> Guide:
    """The guide of ``index``: built from the index, with the prose written so far and how fresh it is."""
    return attach_written(index, build_guide(index))


def rewrite_stale(index: Index, settings: Settings) -> WriteReport | None:
    """After a reindex: Claude rewrites only the pages whose files changed since it wrote them. Pages it
    never wrote stay index-only (`onboard guide` or the Guide page asks for them), so a reindex never starts
    spending on a guide nobody asked Claude to write. None when nothing is stale."""
    stale = [page for page in guide_for(index).pages if page.status == "stale"]
    return write_pages(index, stale, settings) if stale else None  # guide_for read the stored prose already


__all__ = ["INDEX_ONLY", "Guide", "GuidePage", "Page", "WriteReport", "build_guide", "export_guide", "guide_for",
           "guide_markdown", "rewrite_stale", "write_guide"]
