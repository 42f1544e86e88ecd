"""Where the benchmark corpora live, and how they get there (../shared/eval/fetch_corpus.sh)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / ".corpus"
EVAL = ROOT.parent / "shared" / "eval"


def sdist(root_name: str) -> Path:
    """The unpacked sdist ``root_name`` (e.g. flask-3.1.1), fetched on first use."""
    path = CORPUS / "src" / root_name
    if not path.is_dir():
        subprocess.run(["bash", str(EVAL / "fetch_corpus.sh"), str(CORPUS)], check=True, stdout=sys.stderr)
    return path


def questions() -> list[dict]:
    return [json.loads(line) for line in (EVAL / "dev.jsonl").read_text().splitlines() if line.strip()]
