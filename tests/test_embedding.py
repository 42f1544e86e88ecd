"""The fast embedder against chroma's own MiniLM pipeline on the same weights (no download, ever)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
from chromadb.utils.embedding_functions import ONNXMiniLM_L6_V2

from onboard.store.embedding import Embedder, ensure_model

TEXTS = [
    "shop/cart.py\nclass Cart:\n    def total(self) -> int:\n        return sum(item.price for item in self.items)",
    "x",
    "README.md\n# onboard\nAsk a codebase how it works. " + "It indexes a repository and answers. " * 60,  # > 256
    "def charge(card: str, cents: int) -> bool:\n    '''Charge a credit card.'''\n    return gateway.post(card)",
    "",
]


class ChromaStock(ONNXMiniLM_L6_V2):
    """chroma's default pipeline (pads every text to 256 wordpieces), fed our fp32 ONNX file."""

    def __init__(self) -> None:
        super().__init__(preferred_providers=["CPUExecutionProvider"])
        self.DOWNLOAD_PATH = ensure_model()

    def _download_model_if_not_exists(self) -> None:
        ensure_model(Path(self.DOWNLOAD_PATH))


def test_fused_fp32_equals_chromas_pipeline_and_int8_stays_close() -> None:
    """Length batching, the fused graph and mean pooling reproduce chroma's vectors; the int8
    variant stays within the cosine the benchmark reports for it."""
    stock = np.array(ChromaStock()(TEXTS))
    fp32, int8 = Embedder("fp32")(TEXTS), Embedder("int8")(TEXTS)
    assert fp32.shape == int8.shape == (len(TEXTS), 384)
    assert np.allclose(np.linalg.norm(int8, axis=1), 1.0, atol=1e-5)
    assert (fp32 * stock).sum(axis=1).min() > 0.9999
    assert (int8 * fp32).sum(axis=1).min() > 0.97
    assert Embedder("int8")([]).shape == (0, 384)


def test_batches_run_side_by_side_give_the_vectors_of_one_run_at_a_time() -> None:
    """Several workers (one thread each) split the batches between them: every text still gets its
    own vector, whatever the number of workers and however the list divides into batches."""
    texts = [f"def f{i}(x):\n    return x * {i}  # {'long comment ' * (i % 7)}" for i in range(20)]
    texts += [text for text in TEXTS if len(text) < 500]  # short ones: a quick test
    alone = Embedder("fp32", workers=1)(texts)
    for workers in (2, 3):
        side_by_side = Embedder("fp32", workers=workers)
        assert side_by_side.workers == workers
        assert np.allclose(side_by_side(texts), alone, atol=1e-5)
        assert np.allclose(side_by_side(texts[:3]), alone[:3], atol=1e-5)  # fewer texts than a batch


def test_embedding_long_chunks_two_at_a_time_stays_within_a_few_hundred_megabytes() -> None:
    """The background worker embeds for minutes beside the user's own work: 64 chunks at the 256-wordpiece
    cap, two batches at a time, must not grow the process by more than 400 MB (batches of 32 grew it by
    ~630 MB and the worker past 1.1 GB; batches of 8 ~210 MB, at the same speed: bench/index_bench.py)."""
    script = (
        "import resource\n"
        "from onboard.store.embedding import Embedder\n"
        "embed = Embedder('int8', workers=2)\n"
        "embed(['warm up'] * 2)\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "embed([' '.join(f'word{i} value_{i}' for i in range(200))] * 64)\n"
        "print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)\n"
    )
    grown = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=True)
    assert int(grown.stdout) < 400, f"grew by {grown.stdout.strip()} MB"
