"""Keep secrets away from the index and the model.

Two lines of defence: secret *files* are never read (``is_secret_file``), and secret-looking
*strings* inside ordinary files are replaced before anything is stored, embedded or sent
(``redact``). Token formats come from the `detect-secrets` plugins so that list stays
maintained upstream; a few patterns it lacks (private key blocks, Anthropic keys, passwords
assigned in code) are added here. Redaction never changes the line count, because answers cite
line numbers.
"""

from __future__ import annotations

import fnmatch
import importlib
import math
import pkgutil
import re
from collections import Counter
from functools import lru_cache
from pathlib import PurePosixPath

_SECRET_FILE_PATTERNS = (
    ".env", ".env.*", "*.env", "*.pem", "*.key", "*.p12", "*.pfx", "*.jks", "*.keystore", "*.asc",
    "id_rsa*", "id_dsa*", "id_ecdsa*", "id_ed25519*", ".netrc", "_netrc", ".npmrc", ".pypirc",
    ".htpasswd", "credentials", "credentials.json", "*.credentials.json", "service-account*.json",
    "secrets.yml", "secrets.yaml", "*.tfstate", "*.kdbx", ".git-credentials",
)
_ALLOWED = (".env.example", ".env.sample", ".env.template", ".env.dist")

# detect-secrets detectors that flag data which is not a secret in source code.
_NOISY_DETECTORS = {"IPPublicDetector", "PrivateKeyDetector", "BasicAuthDetector"}

_EXTRA_PATTERNS: tuple[tuple[str, str], ...] = (
    ("private-key", r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|\Z)"),
    ("anthropic-key", r"sk-ant-[A-Za-z0-9_\-]{20,}"),
    ("url-password", r"[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s:/@'\"]+:([^\s@/'\"]{3,})@"),
    ("google-api-key", r"AIza[0-9A-Za-z_\-]{35}"),
)

# `password = "hunter2-long-value"`: a quoted literal assigned to a secret-sounding name.
_ASSIGNMENT = re.compile(
    r"""(?i)(?:pass(?:word|wd)?|secret|token|api[_-]?key|access[_-]?key|auth[_-]?key|private[_-]?key|client[_-]?secret)"""
    r"""[\w.\-]*["']?\s*(?::=|=>|[:=])\s*[bru]?(["'])([^"'\s]{8,})\1"""
)


_TOKEN_TAIL = re.compile(r"[A-Za-z0-9_+/=.\-]*")
_TOKEN_RUN = re.compile(r"[A-Za-z0-9_+/=\-]{16,}|://[^\s/]*@")


def _may_hold_secret(line: str) -> bool:
    """A secret is a long run mixing letters and digits, or credentials in a URL; long identifiers
    like ``check_arrow_data_frame`` are not, and skipping them is what makes redaction fast."""
    for run in _TOKEN_RUN.findall(line):
        if run.startswith("://") or (any(c.isdigit() for c in run) and any(c.isalpha() for c in run)):
            return True
    return False


def is_secret_file(path: str) -> bool:
    """True for files that hold credentials by convention (.env, keys, keystores, ...)."""
    name = PurePosixPath(path).name.lower()
    if name in _ALLOWED:
        return False
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in _SECRET_FILE_PATTERNS)


@lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """detect-secrets' token regexes plus ours, compiled once."""
    import detect_secrets.plugins as plugins
    from detect_secrets.plugins.base import RegexBasedDetector

    found: list[tuple[str, re.Pattern[str]]] = []
    for module_info in pkgutil.iter_modules(plugins.__path__):
        module = importlib.import_module(f"detect_secrets.plugins.{module_info.name}")
        for obj in vars(module).values():
            if (isinstance(obj, type) and issubclass(obj, RegexBasedDetector)
                    and obj is not RegexBasedDetector and obj.__name__ not in _NOISY_DETECTORS
                    and obj.__module__ == module.__name__):
                kind = obj.secret_type.lower().replace(" ", "-")
                found.extend((kind, pattern) for pattern in obj.denylist)
    found.extend((kind, re.compile(pattern)) for kind, pattern in _EXTRA_PATTERNS)
    return tuple(found)


def _entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def _looks_like_secret_value(value: str) -> bool:
    """Quoted literals that are secrets are long and random; identifiers, paths and prose are not."""
    if value.startswith(("$", "{", "<", "%")) or "/" in value or " " in value:
        return False
    return len(value) >= 12 and _entropy(value) >= 3.0


def _replacement(kind: str, secret: str) -> str:
    """Keep the newlines of what is replaced so line numbers survive."""
    return f"[REDACTED:{kind}]" + "\n" * secret.count("\n")


def _secret_span(kind: str, match: re.Match[str]) -> tuple[int, int]:
    """The part of a match to hide: a URL's password alone; for detect-secrets patterns the longest
    captured group when it captures the secret itself (a quoted key after its name), else the match."""
    if kind == "url-password":
        return match.span(1)
    groups = [i for i in range(1, (match.re.groups or 0) + 1) if match.group(i) and len(match.group(i)) >= 8]
    if not groups:  # lazy patterns (JWT) stop early: hide the rest of the token run as well
        end = match.end(0)
        tail = _TOKEN_TAIL.match(match.string, end)
        return match.start(0), tail.end() if tail else end
    return match.span(max(groups, key=lambda i: len(match.group(i))))


def _redact_line(line: str, patterns: tuple[tuple[str, re.Pattern[str]], ...]) -> tuple[str, int]:
    count = 0
    for kind, pattern in patterns:
        for match in reversed(list(pattern.finditer(line))):
            start, end = _secret_span(kind, match)
            if line[start:end].startswith("[REDACTED"):
                continue
            line = line[:start] + _replacement(kind, line[start:end]) + line[end:]
            count += 1
    for match in reversed(list(_ASSIGNMENT.finditer(line))):
        if _looks_like_secret_value(match.group(2)):
            start, end = match.span(2)
            line = line[:start] + _replacement("assigned-secret", line[start:end]) + line[end:]
            count += 1
    return line, count


def redact(text: str) -> tuple[str, int]:
    """Replace secret-looking strings with ``[REDACTED:<kind>]``; return the new text and how many.

    Only lines that may hold a secret (see ``_may_hold_secret``) go through the detector patterns: that keeps redaction cheap enough to run on every file.
    """
    count = 0
    patterns = _patterns()
    private_key = patterns[-len(_EXTRA_PATTERNS)][1]
    text, blocks = private_key.subn(lambda m: _replacement("private-key", m.group(0)), text)
    count += blocks
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if _may_hold_secret(line):
            lines[i], found = _redact_line(line, patterns)
            count += found
    return "\n".join(lines), count
