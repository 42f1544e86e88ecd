"""A guide page as the Markdown a shell shows, and the guide exported as a folder of Markdown files.

The export never overwrites what it did not write: it goes into a new (or empty) folder, or into one it wrote
before, recognised by the ``.onboard-guide.json`` it leaves there listing its files with the sha256 of what it
wrote. Files it wrote before and no longer needs are removed; a file in the way that it did not write, or that
someone edited since (its hash differs), stops the export before anything changes, with a sentence saying what to
do: a reader's notes in a page are theirs to keep.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
from pathlib import Path
from urllib.parse import quote

from onboard.answer.escape import inert_images
from onboard.errors import OnboardError
from onboard.guide.model import INDEX_ONLY, Guide, Page, page_text
from onboard.guide.markdown import PageLink, SourceLink, resolve

MARKER = ".onboard-guide.json"


def status_line(page: Page, has_key: bool) -> str:
    """What the reader should know about where this page's prose comes from (empty for index-only pages)."""
    if not page.writable:
        return ""
    if page.status == "stale":
        return f"**{page.stale_note()}**; the facts below are current."
    if page.status == "not written":
        return "_No prose written for this page yet: run `onboard guide NAME` or press Write in the web app._" \
            if has_key else f"_{INDEX_ONLY}_"
    return ""


def guide_markdown(guide: Guide, page: Page, source: SourceLink, link: PageLink, has_key: bool,
                  mermaid: bool = False) -> str:
    """The page's Markdown with its links resolved; ``mermaid`` adds the layer diagram as a Mermaid block.
    Claude's prose loads no image (``inert_images``), in the web app or wherever the export is read."""
    parts = [status_line(page, has_key), resolve(inert_images(page_text(page)), source, link)]
    if mermaid and page.slug == "layers":
        parts.append(f"```mermaid\n{guide.diagram_mermaid}\n```")
    return "\n\n".join(p for p in parts if p)


def file_name(page: Page) -> str:
    if page.slug == "overview":
        return "README.md"
    return f"packages/{page.slug}.md" if page.kind == "package" else f"{page.slug}.md"


def _previous(out: Path) -> dict[str, str | None]:
    """The files an earlier export wrote into ``out``, each with the sha256 it wrote (None from an export made
    before hashes were kept); refuses a folder onboard did not write."""
    if not out.exists():
        return {}
    if not out.is_dir():
        raise OnboardError(f"{out} is a file, not a folder: give --out a new folder for the guide.")
    marker = out / MARKER
    if not marker.is_file():
        if any(out.iterdir()):
            raise OnboardError(f"{out} already holds files onboard did not write; give --out a new or empty folder "
                               "(nothing was changed).")
        return {}
    try:
        record = json.loads(marker.read_text(encoding="utf-8"))
        files = record.get("files", [])
        hashes = record.get("sha256", {})
    except (ValueError, AttributeError, OSError):
        raise OnboardError(f"{out / MARKER} is damaged; give --out a new folder (nothing was changed).") from None
    if not isinstance(hashes, dict):
        hashes = {}
    return {f: hashes.get(f) if isinstance(hashes.get(f), str) else None
            for f in files if isinstance(f, str) and _inside(f)}


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _edited(target: Path, wrote: str | None, new_text: str | None) -> bool:
    """Whether ``target`` holds something other than what onboard wrote there. Without a recorded hash (an older
    export) only a file already equal to the new text is known to be unedited. A link is never ours: writing
    through it would change a file elsewhere."""
    if target.is_symlink():
        return True
    try:
        current = _digest(target.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return False
    except (OSError, UnicodeDecodeError):
        return True
    return current != wrote and (new_text is None or current != _digest(new_text))


def _inside(relative: str) -> bool:
    normal = posixpath.normpath(relative)
    return not normal.startswith(("..", "/")) and normal == relative


def export_guide(guide: Guide, out: Path, root: Path | None, has_key: bool) -> list[Path]:
    """Write every page under ``out``; links point at ``root``'s files relative to each page (``path#L3-L9``)."""
    out = Path(os.path.abspath(out.expanduser()))
    previous = _previous(out)
    names = {page.slug: file_name(page) for page in guide.pages}
    for name in names.values():
        target = out / name
        if (target.exists() or target.is_symlink()) and name not in previous:
            raise OnboardError(f"{target} exists and onboard did not write it; give --out a new folder "
                               "(nothing was changed).")
    texts = {}
    for page in guide.pages:
        folder = posixpath.dirname(names[page.slug])

        def source(path: str, start: int, end: int, folder: str = folder) -> str:
            target = os.path.relpath(root / path, out / folder) if root else path
            return f"{quote(Path(target).as_posix(), safe='/.-_~')}#L{start}-L{end}"

        def link(slug: str, folder: str = folder) -> str:
            return posixpath.relpath(names.get(slug, "README.md"), folder or ".")

        texts[names[page.slug]] = guide_markdown(guide, page, source, link, has_key, mermaid=True) + "\n"
    edited = sorted(name for name, wrote in previous.items() if _edited(out / name, wrote, texts.get(name)))
    if edited:
        listed = ", ".join(edited[:3]) + (f" and {len(edited) - 3} more" if len(edited) > 3 else "")
        raise OnboardError(f"{listed} in {out} may hold your edits (not what onboard wrote there); move them "
                           "elsewhere or give --out a new folder (nothing was changed).")
    for stale in set(previous) - set(texts):
        (out / stale).unlink(missing_ok=True)
    written = []
    for name, text in texts.items():
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(target)
    record = {"index": guide.name, "files": sorted(texts), "sha256": {name: _digest(texts[name]) for name in texts}}
    (out / MARKER).write_text(json.dumps(record, indent=1), encoding="utf-8")
    return written
