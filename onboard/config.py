"""Settings read once from the environment, so the CLI, the web app and tests agree.

Every knob has an environment variable so a team can configure onboard without flags:

- ``ONBOARD_HOME``: where indexes live (default: see ``default_home``; never the current directory).
- ``ONBOARD_CHROMA_HOST`` / ``ONBOARD_CHROMA_PORT``: use a chroma server instead of the
  embedded on-disk store.
- ``ONBOARD_MODEL``: the Claude model that answers.
- ``ONBOARD_EMBEDDER``: ``int8`` (default: quantised, fastest) or ``fp32`` (the exact model) for the
  MiniLM embeddings; ``bench/index_bench.py`` prints the speed and the vector quality of each.
- ``ANTHROPIC_API_KEY`` / ``ANTHROPIC_BASE_URL``: read by the anthropic SDK itself; without a
  key onboard answers in retrieval-only mode.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from pathlib import Path

from onboard.errors import InvalidIndexName, OnboardError

DEFAULT_MODEL = "claude-sonnet-5-5"
EMBEDDERS = ("int8", "fp32")
CONTEXT_WINDOW = 200_000
ANSWER_RESERVE = 8_000
MAX_FILE_BYTES = 5 * 1024 * 1024

# One plain path segment: no separators, no "..", nothing a shell or a URL must quote.
_INDEX_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_CHECKOUT = Path(__file__).resolve().parents[1]


def validate_index_name(name: str) -> str:
    """Return ``name`` if it is a safe index name, else raise InvalidIndexName.

    Every path under the index home is built from a validated name, so a name typed in the CLI,
    passed to the API or read from a web query parameter can never point outside the home.
    """
    if not isinstance(name, str) or not _INDEX_NAME.fullmatch(name) or name.endswith("."):
        text = str(name)
        looks_like_path = any(c in text for c in "/\\") or text.startswith(("~", ".")) or text in {"", ".", ".."}
        raise InvalidIndexName(text, looks_like_path and text.strip() != "")
    return name


def name_for_folder(folder: Path) -> str:
    """A valid index name derived from a repository folder's name (``My Repo!`` → ``My-Repo``)."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", folder.name).strip("-._")[:64].rstrip("-._")
    return name or "repo"


def default_home() -> Path:
    """The ``indexes/`` folder of the checkout onboard runs from (``make run``), else a per-user
    data directory; never relative to the current directory, so every shell sees the same indexes."""
    if (_CHECKOUT / "pyproject.toml").is_file() and (_CHECKOUT / "indexes").is_dir():
        return _CHECKOUT / "indexes"
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "onboard" / "indexes"


@dataclass(frozen=True)
class Settings:
    home: Path
    chroma_host: str | None = None
    chroma_port: int = 8000
    model: str = DEFAULT_MODEL
    api_key: str | None = None
    base_url: str | None = None
    embedder: str = EMBEDDERS[0]

    @classmethod
    def from_env(cls, **overrides: object) -> "Settings":
        """Build settings from the environment; explicit keyword overrides win (None means keep)."""
        env = os.environ
        settings = cls(
            home=_absolute(env["ONBOARD_HOME"]) if env.get("ONBOARD_HOME") else default_home(),
            chroma_host=env.get("ONBOARD_CHROMA_HOST") or None,
            chroma_port=int(env.get("ONBOARD_CHROMA_PORT", "8000")),
            model=env.get("ONBOARD_MODEL", DEFAULT_MODEL),
            api_key=env.get("ANTHROPIC_API_KEY") or None,
            base_url=env.get("ANTHROPIC_BASE_URL") or None,
            embedder=env.get("ONBOARD_EMBEDDER") or EMBEDDERS[0],
        )
        given = {k: v for k, v in overrides.items() if v is not None}
        if "home" in given:
            given["home"] = _absolute(str(given["home"]))
        settings = replace(settings, **given)
        if settings.embedder not in EMBEDDERS:
            raise OnboardError(f"ONBOARD_EMBEDDER is {settings.embedder!r}; use one of {', '.join(EMBEDDERS)}.")
        return settings

    def index_dir(self, name: str) -> Path:
        """The directory of index ``name``; raises InvalidIndexName for anything but a plain name."""
        return self.home / validate_index_name(name)


def _absolute(home: str) -> Path:
    """A home given relative is read against the current directory once, here: the background embedding worker
    and the web app's indexing jobs are other processes, which may run elsewhere, and must find the same home."""
    return Path(home).expanduser().absolute()


def cores() -> int:
    """The cores this process may run on (a container or `taskset` may allow fewer than the machine has)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
