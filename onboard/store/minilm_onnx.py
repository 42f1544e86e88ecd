"""The ONNX graph of all-MiniLM-L6-v2 (a 6-layer BERT encoder), built from its safetensors weights.

Written once into the model cache by ``onboard.store.embedding.ensure_model``. The attention mask is
spelled the way onnxruntime's BERT optimizer recognises (two Unsqueezes, Cast, (1 - mask) * -10000,
scores divided by sqrt(head size)), so it can fuse each layer into one Attention node.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from onboard.store.embedding import HEADS, HIDDEN

LAYERS = 6
EPS = 1e-12


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

    def op(self, kind: str, *inputs: str, name: str | None = None, **attrs: object) -> str:
        self.count += 1
        out = f"{kind.lower()}_{self.count}"
        self.nodes.append(helper.make_node(kind, list(inputs), [out], name=name or out, **attrs))
        return out

    def linear(self, x: str, prefix: str) -> str:
        product = self.op("MatMul", x, self.weight(prefix + ".weight", True), name=prefix)
        return self.op("Add", product, self.weight(prefix + ".bias"))

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

    # Two Unsqueezes, then Cast, then (1 - mask) * -10000: the pattern onnxruntime's BERT optimizer
    # recognises, so it can fuse each layer's attention into one Attention node.
    mask = g.op("Unsqueeze", "attention_mask", g.const("axis1", np.array([1], dtype=np.int64)))
    mask = g.op("Cast", g.op("Unsqueeze", mask, g.const("axis2", np.array([2], dtype=np.int64))), to=TensorProto.FLOAT)
    bias = g.op("Mul", g.op("Sub", g.const("one", np.array(1.0, dtype=np.float32)), mask),
                g.const("neg", np.array(-1e4, dtype=np.float32)))
    scale = g.const("scale", np.array(np.sqrt(head_dim), dtype=np.float32))

    for i in range(LAYERS):
        p = f"encoder.layer.{i}"

        def heads(name: str, layer: str = p) -> str:
            projected = g.linear(x, f"{layer}.attention.self.{name}")
            return g.op("Transpose", g.op("Reshape", projected, split_heads), perm=[0, 2, 1, 3])

        q, k, v = heads("query"), heads("key"), heads("value")
        scores = g.op("Add", g.op("Div", g.op("MatMul", q, g.op("Transpose", k, perm=[0, 1, 3, 2])), scale), bias)
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
