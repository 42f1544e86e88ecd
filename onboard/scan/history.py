"""Who changed what, read from git: a year of commits with their lines per file, and each file's last change.

Incremental: the caller says which commit it read last. When that commit is still an ancestor of
HEAD only the commits after it are read (none when HEAD has not moved); otherwise (first read, or
a rebase / force-push rewrote history) the last year is read afresh and replaces what was stored.

Renames follow the file, as `git log --follow` would: lines changed under an old name count for
the file's current name, so the people who wrote a module before it moved still show as its
authors. A repository that is not a git checkout (or a machine without git) yields None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from onboard.scan.gitcli import Git

WINDOW_SECONDS = 365 * 86400  # "the last 12 months", counted back from the newest commit
RECORD = "\x1e"  # starts each commit in the log output; fields within the header are split by \x1f
NUMSTAT = ("log", "-z", "--no-merges", "--numstat", "-M", "--relative", "--no-ext-diff", "--no-textconv",
           f"--format={RECORD}%H%x1f%aN%x1f%aE%x1f%at%x1f%s")
NAMES = ("log", "-z", "--no-merges", "--name-only", "--no-renames", "--relative", f"--format={RECORD}%H%x1f%at")
SHA = re.compile(r"[0-9a-f]{40,64}")


@dataclass(frozen=True)
class FileChange:
    path: str  # the file's newest name (renames followed)
    added: int
    deleted: int


@dataclass(frozen=True)
class CommitRecord:
    sha: str
    author: str  # as .mailmap names them
    email: str
    time: int  # author time, seconds since the epoch
    subject: str
    changes: tuple[FileChange, ...]


@dataclass
class HistoryRead:
    head: str
    full: bool  # True: replaces everything stored (first read, or history was rewritten)
    commits: list[CommitRecord]  # newest first
    renames: list[tuple[str, str]]  # (old, new) made by these commits, oldest first: stored rows follow them
    last_changes: dict[str, tuple[int, str]]  # (time, sha) of files these commits did not touch; (0, "") when
    # no commit names the file (it came in through a merge), so the walk is not made again for it


def read_history(root: Path, last_read: str | None, paths: set[str], known: set[str]) -> HistoryRead | None:
    """New history of the checkout at ``root`` since commit ``last_read``; None when it has no git.

    ``paths`` are the indexed files and ``known`` those whose last change is already stored: the
    others (all of them on a full read) get theirs from a walk back through history that stops as
    soon as every one is found.
    """
    git = Git.open(root)
    head_line = git.run("log", "-1", "--format=%H %ct", "HEAD") if git else None
    if git is None or not head_line:
        return None  # not a checkout, or no commit yet
    head, head_time = head_line.split()
    full = (last_read is None or not SHA.fullmatch(last_read)
            or git.run("merge-base", "--is-ancestor", last_read, head) is None)
    if full:
        commits, renames = parse_numstat(git.stream(*NUMSTAT, f"--since=@{int(head_time) - WINDOW_SECONDS}", head,
                                                    "--", "."))
    elif last_read == head:
        commits, renames = [], []
    else:
        commits, renames = parse_numstat(git.stream(*NUMSTAT, f"{last_read}..{head}", "--", "."))
    touched = {change.path for commit in commits for change in commit.changes}
    wanted = paths - touched - (set() if full else known)
    if wanted:  # files never committed would send the walk to the first commit for nothing
        wanted &= set((git.run("ls-tree", "-r", "-z", "--name-only", head) or "").split("\0"))
    return HistoryRead(head, full, commits, renames, _last_changes(git, head, wanted) if wanted else {})


def parse_numstat(records: Iterable[str]) -> tuple[list[CommitRecord], list[tuple[str, str]]]:
    """Commits (newest first) from ``git log -z --numstat`` records, renames followed to the newest name."""
    newest: dict[str, str] = {}  # an old name -> the name it has now
    commits, renames = [], []
    for record in records:
        header, _, body = record.partition("\0")
        fields = header.split("\x1f", 4)
        if len(fields) != 5 or not fields[3].isdigit():
            continue
        entries = body.removeprefix("\n").split("\0")
        changes, i = [], 0
        while i < len(entries):
            parts = entries[i].split("\t", 2)
            i += 1
            if len(parts) != 3:
                continue
            added, deleted, path = parts
            if not path:  # a rename: "added\tdeleted\t\0old\0new"
                old, path = entries[i:i + 2]
                i += 2
                renames.append((old, path))
                path = newest.get(path, path)
                newest[old] = path
            else:
                path = newest.get(path, path)
            changes.append(FileChange(path, int(added) if added.isdigit() else 0,  # "-": a binary file
                                      int(deleted) if deleted.isdigit() else 0))
        commits.append(CommitRecord(fields[0], fields[1], fields[2], int(fields[3]), fields[4], tuple(changes)))
    return commits, renames[::-1]


def _last_changes(git: Git, head: str, wanted: set[str]) -> dict[str, tuple[int, str]]:
    """When each of ``wanted`` last changed: history newest first, stopped once all are found."""
    found: dict[str, tuple[int, str]] = {}
    for record in git.stream(*NAMES, head, "--", "."):
        header, _, body = record.partition("\0")
        sha, _, time = header.partition("\x1f")
        if not time.isdigit():
            continue
        for path in body.removeprefix("\n").split("\0"):
            if path in wanted and path not in found:
                found[path] = (int(time), sha)
        if len(found) == len(wanted):
            break
    return {path: found.get(path, (0, "")) for path in wanted}
