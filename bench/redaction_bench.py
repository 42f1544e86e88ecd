"""Secret redaction on real trees: speed, and what gets redacted, so a person can judge false positives.

Runs ``redact`` over every file the scanner would index in (a) this repository and (b) the dev sdists
(flask + requests, the sdists of ../shared/eval/dev.jsonl, fetched by ../shared/eval/fetch_corpus.sh
into .corpus/src; ``--all-sdists`` takes every fetched one), and prints per corpus:
files, MB, MB/s, redactions by kind, and a sample of the redacted values per kind. The dev sdists hold
no real secret, so every redaction there is a false positive of some kind (an example key in the docs, a
test password); read the samples to judge which would hide code a reader needs.

This repository's own secret tests and planted-secret corpus (tests/fixtures/secrets,
tests/test_secret*.py) are full of fake secrets on purpose: they are counted apart, not as false
positives.

    python bench/redaction_bench.py                # the current onboard/scan/secrets.py
    python bench/redaction_bench.py --ref HEAD     # secrets.py as committed at a git ref, for before/after
    python bench/redaction_bench.py --all-sdists   # every sdist fetched into .corpus/src
    python bench/redaction_bench.py --path ~/src/x --samples 20
    python bench/redaction_bench.py --against HEAD # same output as secrets.py at HEAD, and the time ratio

``--against REF`` is the proof for a change meant to be only faster: it redacts every text file (any
UTF-8 file, not only what the scanner indexes) of the 20 MB tree the index bench builds, of big sdists
(Django, SymPy, Matplotlib, scikit-learn and smaller ones fetched into .corpus) and of tests/ (the
planted secrets and every secret test), with secrets.py at REF and with the working tree's, asserts the
same text and count for each file, and prints each one's time and the ratio (best of ``--repeat``).
With ``--changes`` (a change meant to redact more or less) it asserts nothing: it prints per corpus the
redactions added and lost, by kind, with a sample of the values, so a person can judge them.

    python bench/redaction_bench.py --against HEAD --changes --samples 12
"""

from __future__ import annotations

import argparse
import fnmatch
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.corpus import CORPUS, ROOT, module_at, questions  # noqa: E402
from onboard.models import SourceFile  # noqa: E402
from onboard.scan import scan_repo  # noqa: E402
from onboard.scan.secrets import redact as current_redact  # noqa: E402

Redact = Callable[[str], tuple[str, int]]
PLANTED = ("tests/fixtures/secrets/*", "tests/test_secret*.py")
_MARKER = re.compile(r"\[REDACTED:([\w.\-]+)\]")


def redact_at(ref: str) -> Redact:
    """``redact`` from onboard/scan/secrets.py as committed at ``ref``: the 'before' of a comparison."""
    return module_at(ref, "onboard/scan/secrets.py").redact


def redacted_values(before: str, after: str) -> list[tuple[str, str]]:
    """(kind, original text) for each redaction. Redaction keeps the line count, so line i of one is line
    i of the other: a changed line is matched against itself with each marker turned into a wildcard.
    A line with no marker left was emptied by the multi-line redaction before it, and joins its value."""
    found: list[tuple[str, str]] = []
    for old, new in zip(before.split("\n"), after.split("\n")):
        if old == new:
            continue
        kinds = _MARKER.findall(new)
        if not kinds:
            kind, value = found.pop() if found else ("?", "")
            found.append((kind, f"{value}⏎{old[:len(old) - len(new)] if old.endswith(new) else old}"))
            continue
        literal = _MARKER.split(new)[::2]
        match = re.fullmatch("(.*?)".join(map(re.escape, literal)), old)
        found.extend(zip(kinds, match.groups() if match else [old] * len(kinds)))
    return found


def emptied_lines(before: str, after: str) -> int:
    """Lines that held text and hold nothing but markers after redaction: code lost, unless a key block."""
    return sum(1 for old, new in zip(before.split("\n"), after.split("\n"))
               if old.strip() and old != new and not _MARKER.sub("", new).strip())


def _timed(redact: Redact, files: list[SourceFile]) -> float:
    start = time.perf_counter()
    for source in files:
        redact(source.text)
    return time.perf_counter() - start


def measure(name: str, roots: list[Path], redact: Redact, samples: int, repeat: int, planted_apart: bool) -> None:
    """Redact every indexable file under ``roots`` (best time of ``repeat`` runs: the machine may be
    shared) and print what was redacted, by kind."""
    files = [replace(f, path=f"{root.name}/{f.path}") if len(roots) > 1 else f
             for root in roots for f in scan_repo(root).files]
    planted = {f.path for f in files if planted_apart and any(fnmatch.fnmatch(f.path, p) for p in PLANTED)}
    size = sum(len(f.text.encode()) for f in files)
    seconds = min(_timed(redact, files) for _ in range(repeat))
    results = [(f, redact(f.text)) for f in files]
    by_kind: dict[str, Counter[str]] = defaultdict(Counter)
    total = emptied = 0
    for source, (text, count) in results:
        if source.path not in planted:
            total += count
            emptied += emptied_lines(source.text, text)
            for kind, value in redacted_values(source.text, text):
                by_kind[kind][f"{source.path}: {value.strip()[:80]}"] += 1
    print(f"\n## {name}: {len(files)} files, {size / 1e6:.1f} MB, {seconds:.2f} s, {size / 1e6 / seconds:.1f} MB/s")
    if planted:
        print(f"   ({len(planted)} planted-secret files counted apart: "
              f"{sum(c for f, (_, c) in results if f.path in planted)} redactions)")
    print(f"   redactions outside planted secrets: {total}; lines left with nothing but a marker: {emptied}")
    for kind, values in sorted(by_kind.items(), key=lambda kv: -sum(kv[1].values())):
        print(f"   {kind}: {sum(values.values())}")
        for value, n in values.most_common(samples):
            print(f"      {n}x {value}")


EQUALITY_SDISTS = ("pypi/django-5.2.8", "src/sympy-1.14.0", "src/matplotlib-3.10.3", "src/scikit_learn-1.7.1",
                   "src/sqlfluff-3.4.2", "src/streamlink-8.0.0", "src/conan-2.21.0", "src/reflex-0.8.17")


def text_files(root: Path) -> dict[Path, str]:
    """Every file under ``root`` that is UTF-8 text (no NUL byte), whatever the scanner would skip."""
    texts = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
        data = path.read_bytes()
        if b"\0" not in data:
            try:
                texts[path] = data.decode("utf-8")
            except UnicodeDecodeError:
                pass
    return texts


def compare(name: str, files: dict[Path, str], old: Redact, new: Redact, repeat: int,
            changes: int | None = None) -> tuple[float, float]:
    """Assert ``new`` redacts every file exactly as ``old`` does (``changes``: instead, print what it
    redacts more or less, that many samples per kind); print and return both times."""
    redactions = [0, 0]
    added: dict[str, Counter[str]] = defaultdict(Counter)
    lost: dict[str, Counter[str]] = defaultdict(Counter)
    for path, text in files.items():
        expected, got = old(text), new(text)
        if got != expected:
            if changes is None:
                raise AssertionError(f"{name}: the redaction of {path} differs")
            before = Counter(redacted_values(text, expected[0]))
            after = Counter(redacted_values(text, got[0]))
            for found, into in ((after - before, added), (before - after, lost)):
                for (kind, value), n in found.items():
                    into[kind][f"{'/'.join(path.parts[-3:])}: {value.strip()[:80]}"] += n
        redactions[0] += expected[1]
        redactions[1] += got[1]
    texts = list(files.values())
    runs = [(_timed_texts(old, texts), _timed_texts(new, texts)) for _ in range(repeat)]  # taking turns
    old_s, new_s = (min(seconds) for seconds in zip(*runs))
    size = sum(map(len, texts)) / 1e6
    same = "all identical" if changes is None else f"{redactions[0]} -> {redactions[1]} redactions"
    print(f"{name}: {len(texts)} files, {size:.1f} M chars, {redactions[0]} redactions, {same}; "
          f"{old_s:.2f} s -> {new_s:.2f} s ({old_s / new_s:.2f}x)", flush=True)
    for label, by_kind in (("added", added), ("lost", lost)):
        for kind, values in sorted(by_kind.items(), key=lambda kv: -sum(kv[1].values())):
            print(f"   {label} {kind}: {sum(values.values())}")
            for value, n in values.most_common(changes):
                print(f"      {n}x {value}")
    return old_s, new_s


def _timed_texts(redact: Redact, texts: list[str]) -> float:
    start = time.perf_counter()
    for text in texts:
        redact(text)
    return time.perf_counter() - start


def equality(ref: str, repeat: int, changes: int | None) -> None:
    """``--against``: see the module docstring (``changes``: samples per kind, with ``--changes``)."""
    from bench.index_bench import load, python_tree  # numpy and the whole pipeline: this mode only

    old = redact_at(ref)
    for redact in (old, current_redact):
        redact("password = pw\n" + "a1" * 8)  # compile the rules before the clock runs
    print(f"redact at {ref} against the working tree; {load()}")
    totals = [0.0, 0.0]
    with tempfile.TemporaryDirectory() as tmp:
        corpora = [("20 MB Python tree (index bench)", python_tree(Path(tmp)))]
        corpora += [(folder, CORPUS / folder) for folder in EQUALITY_SDISTS if (CORPUS / folder).is_dir()]
        corpora.append(("tests/ (planted secrets, secret tests)", ROOT / "tests"))
        for name, root in corpora:
            for i, seconds in enumerate(compare(name, text_files(root), old, current_redact, repeat, changes)):
                totals[i] += seconds
    print(f"all: {totals[0]:.2f} s -> {totals[1]:.2f} s ({totals[0] / totals[1]:.2f}x); {load()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ref", help="measure secrets.py as committed at this git ref instead of the working tree")
    parser.add_argument("--path", type=Path, action="append", help="measure this tree instead of the defaults")
    parser.add_argument("--samples", type=int, default=8, help="redacted values shown per kind")
    parser.add_argument("--all-sdists", action="store_true", help="every sdist under .corpus/src, not only the dev set")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per corpus; the best counts")
    parser.add_argument("--against", metavar="REF", help="assert the same redactions as secrets.py at REF; time both")
    parser.add_argument("--changes", action="store_true", help="with --against: print what changed, assert nothing")
    args = parser.parse_args()
    if args.against:
        equality(args.against, args.repeat, args.samples if args.changes else None)
        return
    redact = redact_at(args.ref) if args.ref else current_redact
    redact("password = pw\n" + "a1" * 8)  # compile the rules before the clock runs
    print(f"redact from {args.ref or 'the working tree'}")
    if args.path:
        measure(", ".join(map(str, args.path)), args.path, redact, args.samples, args.repeat, planted_apart=False)
        return
    measure("onboard (this repository)", [ROOT], redact, args.samples, args.repeat, planted_apart=True)
    fetched = sorted(p for p in (CORPUS / "src").glob("*") if p.is_dir()) if (CORPUS / "src").is_dir() else []
    dev = {row["sdist_root"] for row in questions()}
    sdists = fetched if args.all_sdists else [p for p in fetched if p.name in dev]
    if sdists:
        label = "every fetched sdist" if args.all_sdists else "dev sdists: flask, requests"
        measure(f"{label} ({len(sdists)})", sdists, redact, args.samples, args.repeat, planted_apart=False)
    else:
        print("\n(dev sdists not fetched: bash ../shared/eval/fetch_corpus.sh .corpus)")


if __name__ == "__main__":
    main()
