"""Where the benchmark corpora live, and how they get there (../shared/eval/fetch_corpus.sh)."""

from __future__ import annotations

import functools
import hashlib
import json
import re
import subprocess
import sys
import tarfile
import types
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / ".corpus"
EVAL = ROOT.parent / "shared" / "eval"
SIMPLE_INDEX = "https://pypi.org/simple"
_SDIST_LINK = re.compile(r'href="([^"#]+/([^/"#]+\.tar\.gz))#sha256=([0-9a-f]{64})"')


def sdist(root_name: str) -> Path:
    """The unpacked sdist ``root_name`` (e.g. flask-3.1.1), fetched on first use."""
    path = CORPUS / "src" / root_name
    if not path.is_dir():
        # Every sdist of the manifest: its `used_by` column names the sets the rows came from (dev.jsonl's are
        # swebench_files.jsonl and sweqa_files.jsonl), so naming dev.jsonl here fetched none of them.
        subprocess.run(["bash", str(EVAL / "fetch_corpus.sh"), str(CORPUS)], check=True, stdout=sys.stderr)
    return path


def pypi_sdist(requirement: str) -> Path:
    """Any sdist from PyPI (e.g. ``django==5.2.8``), downloaded and unpacked once under .corpus/pypi.

    Read from PyPI's simple index and checked against the sha256 it gives, not through ``pip download``: pip
    prepares an sdist's metadata, which installs its build dependencies (astropy's numpy fails to build offline)."""
    folder = CORPUS / "pypi"
    name, version = requirement.split("==")
    unpacked = [p for p in folder.glob(f"*-{version}") if p.is_dir() and _normalized(p.name[: -len(version) - 1])
                == _normalized(name)]
    if unpacked:
        return unpacked[0]
    folder.mkdir(parents=True, exist_ok=True)
    page = urllib.request.urlopen(f"{SIMPLE_INDEX}/{_normalized(name)}/", timeout=60).read().decode()
    links = [(url, filename, digest) for url, filename, digest in _SDIST_LINK.findall(page)
             if filename.lower().endswith(f"-{version}.tar.gz")
             and _normalized(filename[: -len(version) - 8]) == _normalized(name)]
    if not links:
        raise SystemExit(f"PyPI has no sdist of {requirement}: check the name and version.")
    url, filename, digest = links[0]
    data = urllib.request.urlopen(url, timeout=600).read()
    if hashlib.sha256(data).hexdigest() != digest:
        raise SystemExit(f"{filename} from PyPI does not match its sha256: download it again.")
    archive = folder / filename
    archive.write_bytes(data)
    with tarfile.open(archive) as tar:
        tar.extractall(folder, filter="data")
    return folder / filename.removesuffix(".tar.gz")


def _normalized(name: str) -> str:
    """A project name as PyPI compares them (PEP 503): ``scikit_learn`` is ``scikit-learn``, ``Django`` ``django``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def questions(set_name: str = "dev.jsonl") -> list[dict]:
    """The rows of a set in ../shared/eval, or of any JSON Lines file given by its path."""
    return [json.loads(line) for line in (EVAL / set_name).read_text().splitlines() if line.strip()]


@functools.lru_cache(maxsize=1)
def _manifest_roots() -> frozenset[str]:
    """The ``sdist_root`` column of the shared manifest, read once per run (a bench asks for every row)."""
    lines = (EVAL / "corpus_manifest.tsv").read_text().splitlines()[1:]
    return frozenset(line.split("\t")[3] for line in lines if line.count("\t") >= 3)


def requirement_of(row: dict) -> str | None:
    """The PyPI release to fetch a row's sdist from: its ``requirement``, else ``package==version`` when the shared
    manifest does not list its ``sdist_root`` (a set made elsewhere); None for the shared sets' rows."""
    if row.get("requirement"):
        return row["requirement"]
    if row.get("sdist_root") in _manifest_roots():
        return None
    if not (row.get("package") and row.get("version")):
        raise SystemExit(f"row {row.get('id', '?')}: no sdist in the shared manifest and no requirement or "
                         "package and version to fetch one from PyPI: add them to the row.")
    return f"{row['package']}=={row['version']}"


def module_at(ref: str, path: str) -> types.ModuleType:
    """The module ``path`` (e.g. onboard/scan/secrets.py) as committed at git ``ref``: the 'before' of a
    benchmark that proves a change only made something faster (same output, time ratio)."""
    source = subprocess.run(["git", "show", f"{ref}:{path}"], cwd=ROOT, check=True, capture_output=True,
                            text=True).stdout
    module = types.ModuleType(f"{Path(path).stem}_at_{ref}")
    sys.modules[module.__name__] = module  # dataclasses look their module up while the code runs
    exec(compile(source, f"{ref}:{path}", "exec"), module.__dict__)
    return module
