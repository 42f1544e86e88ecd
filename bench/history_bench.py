"""Reading git history for people and ownership: first read and incremental reread, next to plain `git log`.

A synthetic repository (made with `git fast-import`, so the figures do not depend on a download) of
FILES files and COMMITS commits by AUTHORS people over six years, each commit changing a few lines of
1-3 files, some renames. Prints, in one run:
1. the first read (`read_history`, last 12 months with line counts + the walk for older files' last
   change), next to `git log --numstat` over the same 12 months and `git log --name-only` over all of it;
2. a reread after 10 new commits, and one with HEAD unchanged, next to `git rev-parse HEAD` (what any check
   of a checkout costs at least).

    python bench/history_bench.py [--files 3000] [--commits 20000]
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from onboard.scan.history import read_history  # noqa: E402

START = 1_600_000_000  # September 2020
SPAN = 6 * 365 * 86400


def fast_import(repo: Path, files: int, commits: int, authors: int, seed: int = 7) -> list[str]:
    """Build the repository; returns the paths at HEAD."""
    rng = random.Random(seed)
    paths = [f"pkg{n % 40}/mod{n}.py" for n in range(files)]
    stream = []
    mark = 0
    for c in range(commits):
        when = START + SPAN * c // commits
        who = rng.randrange(authors)
        changed = paths[:files] if c == 0 else rng.sample(paths, rng.randint(1, 3))
        ops = []
        if c and rng.random() < 0.01:  # a rename
            old = rng.choice(paths)
            new = old.replace(".py", f"_r{c}.py")
            paths[paths.index(old)] = new
            ops.append(f"R {old} {new}")
            changed = [p for p in changed if p != old]
        for path in changed:
            body = "".join(f"line_{c}_{i} = {rng.random()}\n" for i in range(rng.randint(1, 30)))
            ops.append(f"M 100644 inline {path}\ndata {len(body.encode())}\n{body}")
        message = f"change {c}"
        mark += 1
        stream.append(f"commit refs/heads/main\nmark :{mark}\n"
                      f"author Dev{who} <dev{who}@example.com> {when} +0000\n"
                      f"committer Dev{who} <dev{who}@example.com> {when} +0000\n"
                      f"data {len(message)}\n{message}\n" + ("" if c == 0 else f"from :{mark - 1}\n")
                      + "\n".join(ops) + "\n\n")
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, input="".join(stream).encode(), check=True)
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=repo, check=True)
    return paths


def timed(function) -> tuple[float, object]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def git_seconds(repo: Path, *args: str) -> float:
    return timed(lambda: subprocess.run(["git", *args], cwd=repo, capture_output=True, check=True))[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=3000)
    parser.add_argument("--commits", type=int, default=20000)
    parser.add_argument("--authors", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        seconds, paths = timed(lambda: fast_import(repo, args.files, args.commits, args.authors))
        print(f"synthetic repository: {args.files} files, {args.commits} commits, {args.authors} authors "
              f"(built in {seconds:.1f} s)")
        head_time = int(subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=repo, capture_output=True,
                                       text=True, check=True).stdout)
        since = f"--since=@{head_time - 365 * 86400}"
        numstat = git_seconds(repo, "log", "--numstat", "-M", "--no-merges", since)
        names = git_seconds(repo, "log", "--name-only", "--no-merges", "--no-renames")
        first, read = timed(lambda: read_history(repo, None, set(paths), set()))
        print(f"first read: {first:.2f} s ({len(read.commits)} commits of 12 months, "
              f"{len(read.last_changes)} older files dated); reference `git log --numstat` (12 months) "
              f"{numstat:.2f} s, `git log --name-only` (all) {names:.2f} s; ratio to the numstat log "
              f"{first / numstat:.2f}x")
        extra = fast_import_more(repo, 10, head_time)
        again, reread = timed(lambda: read_history(repo, read.head, set(paths) | extra, set(paths)))
        same, unchanged = timed(lambda: read_history(repo, reread.head, set(paths) | extra, set(paths) | extra))
        parse = git_seconds(repo, "rev-parse", "HEAD")
        print(f"reread after 10 new commits: {again:.3f} s ({len(reread.commits)} commits read); "
              f"with HEAD unchanged: {same:.3f} s ({len(unchanged.commits)} read); reference `git rev-parse HEAD` "
              f"{parse:.3f} s; ratios {again / parse:.1f}x and {same / parse:.1f}x")


def fast_import_more(repo: Path, count: int, after: int) -> set[str]:
    """``count`` more commits on top of HEAD, each adding a file; returns the new paths."""
    new = set()
    for n in range(count):
        path = repo / "late" / f"new{n}.py"
        path.parent.mkdir(exist_ok=True)
        path.write_text(f"value = {n}\n")
        new.add(f"late/new{n}.py")
        env = {"GIT_AUTHOR_NAME": "Late", "GIT_AUTHOR_EMAIL": "late@example.com", "GIT_COMMITTER_NAME": "Late",
               "GIT_COMMITTER_EMAIL": "late@example.com", "GIT_AUTHOR_DATE": f"@{after + 60 * (n + 1)}",
               "GIT_COMMITTER_DATE": f"@{after + 60 * (n + 1)}", "PATH": "/usr/bin:/bin", "HOME": str(repo.parent)}
        subprocess.run(["git", "add", "-A"], cwd=repo, env=env, check=True)
        subprocess.run(["git", "commit", "-q", "-m", f"late {n}"], cwd=repo, env=env, check=True)
    return new


if __name__ == "__main__":
    main()
