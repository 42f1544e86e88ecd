"""Settings read once from the environment, so the CLI, the web app and tests agree.

Every knob has an environment variable so a team can configure onboard without flags:

- ``ONBOARD_HOME``: where indexes live (default ``./indexes``).
- ``ONBOARD_CHROMA_HOST`` / ``ONBOARD_CHROMA_PORT``: use a chroma server instead of the
  embedded on-disk store.
- ``ONBOARD_MODEL``: the Claude model that answers.
- ``ANTHROPIC_API_KEY`` / ``ANTHROPIC_BASE_URL``: read by the anthropic SDK itself; without a
  key onboard answers in retrieval-only mode.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

DEFAULT_MODEL = "claude-sonnet-5-5"
CONTEXT_WINDOW = 200_000
ANSWER_RESERVE = 8_000
MAX_FILE_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Settings:
    home: Path
    chroma_host: str | None = None
    chroma_port: int = 8000
    model: str = DEFAULT_MODEL
    api_key: str | None = None
    base_url: str | None = None

    @classmethod
    def from_env(cls, **overrides: object) -> "Settings":
        """Build settings from the environment; explicit keyword overrides win (None means keep)."""
        env = os.environ
        settings = cls(
            home=Path(env.get("ONBOARD_HOME", "indexes")).expanduser(),
            chroma_host=env.get("ONBOARD_CHROMA_HOST") or None,
            chroma_port=int(env.get("ONBOARD_CHROMA_PORT", "8000")),
            model=env.get("ONBOARD_MODEL", DEFAULT_MODEL),
            api_key=env.get("ANTHROPIC_API_KEY") or None,
            base_url=env.get("ANTHROPIC_BASE_URL") or None,
        )
        given = {k: v for k, v in overrides.items() if v is not None}
        if "home" in given:
            given["home"] = Path(str(given["home"])).expanduser()
        return replace(settings, **given)

    def index_dir(self, name: str) -> Path:
        return self.home / name
