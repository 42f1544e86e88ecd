"""Memory handed out or freed is filled with a constant, so that chroma never writes leftover text to disk.

Redaction guards what onboard stores, but a C library may also write buffers it allocated and never filled:
chroma's HNSW segment file (`data_level0.bin`) holds its whole capacity, and its slots beyond the vectors it has
are whatever the allocator handed out. In a process that has read a repository's files, that can be their raw
text: the test suite once found a README's bearer token there (`onboard index --wait` and the tests embed in the
process that read the files). glibc's ``M_PERTURB`` fills each block it hands out, and each it frees, with a
constant byte, so a buffer chroma allocates afterwards carries nothing the process held before.

Switched on when ``store.vectors`` loads chroma, not for the whole program: it costs ~15 % of an index run
(Django 5.2.8: 12.4 s against 10.8 s, 2026-11-28), and the indexer's own store, SQLite, zeroes the pages it adds.
Written here: a few lines of ctypes, which no library offers. Where the C library is not glibc (macOS, musl)
nothing changes; there only the background worker (``onboard index`` without ``--wait``) writes vectors safely,
being a fresh process that reads redacted chunks from SQLite and never a repository file.
"""

from __future__ import annotations

import ctypes

M_PERTURB = -6  # glibc's mallopt parameter
PERTURB_BYTE = 0xA5  # freed memory reads 0xA5, new memory 0x5A: neither is text


def fill_handed_out_memory() -> bool:
    """Ask the process's C library to fill the memory it hands out and frees; whether it could."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # no C library to load, or one without mallopt (macOS)
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return mallopt(M_PERTURB, PERTURB_BYTE) == 1
