"""The one place onboard runs `git`, read-only and without running anything the repository configures.

Why the CLI rather than a library: no git library is installed, and of the maintained ones GitPython
runs this same binary underneath, pygit2 needs libgit2's compiled bindings, and dulwich would diff
every changed blob in Python (a year of `--numstat` on a large repository would take minutes, git does
it in C in seconds). So every call goes through ``Git.run``/``Git.stream``, which:

- never runs hooks, pagers, fsmonitor daemons, external diff drivers, textconv filters or signature
  checks (``SAFE_CONFIG`` and the ``--no-ext-diff --no-textconv`` the callers pass), whatever the
  repository's own config asks for; nothing here writes config, the index or refs;
- drops inherited ``GIT_*`` variables (``GIT_DIR``, ``GIT_EXTERNAL_DIFF`` ...) so the environment cannot
  point it elsewhere or make it execute something;
- turns "no git binary", "not a repository" and "no commits yet" into ``None``: history is then simply
  absent, never an error.
"""

from __future__ import annotations

import codecs
import logging
import os
import shutil
import subprocess
from pathlib import Path
from typing import Iterator

log = logging.getLogger(__name__)

SAFE_CONFIG = ("-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null", "-c", "core.pager=cat",
               "-c", "diff.external=", "-c", "log.showSignature=false", "-c", "core.quotePath=false")
TIMEOUT = 600.0  # seconds for one command: a year of history on the largest repositories takes far less


class Git:
    """`git` run inside one working tree (``root``), possibly a subfolder of the checkout."""

    def __init__(self, executable: str, root: Path) -> None:
        self.executable, self.root = executable, root

    @classmethod
    def open(cls, root: Path) -> Git | None:
        """A Git for ``root`` when git is installed and ``root`` is inside a work tree, else None."""
        executable = shutil.which("git")
        if executable is None:
            return None
        git = cls(executable, root)
        return git if git.run("rev-parse", "--is-inside-work-tree") == "true\n" else None

    def _command(self, args: tuple[str, ...]) -> list[str]:
        return [self.executable, "--no-pager", "-C", str(self.root), *SAFE_CONFIG, *args]

    @staticmethod
    def _env() -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        env.update(GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0", LC_ALL="C")
        return env

    def run(self, *args: str) -> str | None:
        """stdout of ``git ARGS``; None when git fails (not a repository, an unknown commit ...)."""
        try:
            done = subprocess.run(self._command(args), capture_output=True, stdin=subprocess.DEVNULL,
                                  env=self._env(), timeout=TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired) as err:
            log.warning("git %s failed: %s", args[0], err)
            return None
        return done.stdout.decode("utf-8", "replace") if done.returncode == 0 else None

    def stream(self, *args: str, separator: str = "\x1e") -> Iterator[str]:
        """The records of ``git ARGS`` (split at ``separator``) as they arrive; leaving the loop early
        stops git, so a reader can stop once it has what it wanted."""
        try:
            process = subprocess.Popen(self._command(args), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                       stdin=subprocess.DEVNULL, env=self._env())
        except OSError as err:
            log.warning("git %s failed: %s", args[0], err)
            return
        assert process.stdout is not None
        buffer, decoder = "", codecs.getincrementaldecoder("utf-8")("replace")  # a block may end mid-character
        try:
            for block in iter(lambda: process.stdout.read(1 << 16), b""):
                buffer += decoder.decode(block)
                *records, buffer = buffer.split(separator)
                yield from (record for record in records if record)
            if buffer:
                yield buffer
        finally:
            process.stdout.close()
            if process.poll() is None:
                process.terminate()
            process.wait()
