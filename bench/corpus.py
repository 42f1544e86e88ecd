"""Where the benchmark corpora live, and how they get there (../shared/eval/fetch_corpus.sh)."""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / ".corpus"
EVAL = ROOT.parent / "shared" / "eval"


def sdist(root_name: str) -> Path:
    """The unpacked sdist ``root_name`` (e.g. flask-3.1.1), fetched on first use."""
    path = CORPUS / "src" / root_name
    if not path.is_dir():
        # Every sdist of the manifest: its `used_by` column names the sets the rows came from (dev.jsonl's are
        # swebench_files.jsonl and sweqa_files.jsonl), so naming dev.jsonl here fetched none of them.
        subprocess.run(["bash", str(EVAL / "fetch_corpus.sh"), str(CORPUS)], check=True, stdout=sys.stderr)
    return path


def pypi_sdist(requirement: str) -> Path:
    """Any sdist from PyPI (e.g. ``django==5.2.8``), downloaded and unpacked once under .corpus/pypi."""
    folder = CORPUS / "pypi"
    name, version = requirement.split("==")
    unpacked = [p for p in folder.glob(f"*-{version}") if p.is_dir() and p.name.lower().startswith(name.lower())]
    if unpacked:
        return unpacked[0]
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
                    requirement, "-d", str(folder)], check=True, stdout=sys.stderr)
    archive = next(p for p in folder.glob("*.tar.gz") if p.name.lower() == f"{name.lower()}-{version}.tar.gz")
    with tarfile.open(archive) as tar:
        tar.extractall(folder, filter="data")
    return folder / archive.name.removesuffix(".tar.gz")


def questions(set_name: str = "dev.jsonl") -> list[dict]:
    return [json.loads(line) for line in (EVAL / set_name).read_text().splitlines() if line.strip()]


def module_at(ref: str, path: str) -> types.ModuleType:
    """The module ``path`` (e.g. onboard/scan/secrets.py) as committed at git ``ref``: the 'before' of a
    benchmark that proves a change only made something faster (same output, time ratio)."""
    source = subprocess.run(["git", "show", f"{ref}:{path}"], cwd=ROOT, check=True, capture_output=True,
                            text=True).stdout
    module = types.ModuleType(f"{Path(path).stem}_at_{ref}")
    sys.modules[module.__name__] = module  # dataclasses look their module up while the code runs
    exec(compile(source, f"{ref}:{path}", "exec"), module.__dict__)
    return module
