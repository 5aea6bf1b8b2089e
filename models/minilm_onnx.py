"""all-MiniLM-L6-v2 as an ONNX graph, written from its safetensors weights (no torch needed).

The graph is the BERT encoder of the sentence-transformers model followed by its mean pooling and
normalisation, so one run gives the unit-length sentence vectors :class:`models.embedding.Embedder`
returns. It is built with ``onnx.helper`` op by op rather than traced through ``torch.onnx``:
the export then needs neither torch nor a tracer, takes about a second instead of tens, and works
offline on any machine; ``tests/test_embedding_onnx.py`` checks its vectors against torch's.

Inputs ``input_ids`` and ``attention_mask`` (int64, batch x tokens, from the model's own
``tokenizer.json``); output ``sentence_embedding`` (float32, batch x 384).

:func:`export` writes the weights as ONNX external data: raw arrays in a file beside the graph
(``NAME.weights`` for ``NAME.onnx``, each array at a page boundary), which ONNX Runtime maps
into memory instead of parsing 90 MB of protobuf: writing takes a few tenths of a second, and
loading a third of what one file took.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

#: The ONNX opset of the graph (18: LayerNormalization, and ReduceL2 taking its axes as input).
OPSET = 18
#: Added to the attention scores of padding tokens: exp() of it is exactly 0 in float32.
MASKED = -1.0e9
#: Where each weight starts in the external data file: a multiple of this (a memory page), so
#: ONNX Runtime can map it rather than copy it.
ALIGN = 4096
#: Weights smaller than this stay in the graph itself (shapes, scalars).
INLINE_BYTES = 1024


@dataclass(frozen=True)
class BertShape:
    """The sizes of a BERT encoder, from its ``config.json``."""

    hidden: int
    layers: int
    heads: int
    eps: float

    @classmethod
    def of(cls, model_dir: Path) -> BertShape:
        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        if config.get("model_type") != "bert" or config.get("hidden_act") != "gelu":
            raise ValueError(f"{model_dir} is not a BERT model with GELU: cannot write its graph")
        return cls(
            hidden=int(config["hidden_size"]),
            layers=int(config["num_hidden_layers"]),
            heads=int(config["num_attention_heads"]),
            eps=float(config["layer_norm_eps"]),
        )


class _Graph:
    """Nodes and weights collected in order; each op returns its output's name."""

    def __init__(self) -> None:
        from onnx import helper

        self.helper = helper
        self.nodes: list[Any] = []
        self.weights: list[tuple[str, np.ndarray]] = []
        self._count = 0

    def weight(self, name: str, array: np.ndarray) -> str:
        self.weights.append((name, np.ascontiguousarray(array)))
        return name

    def op(self, kind: str, *inputs: str, **attributes: Any) -> str:
        self._count += 1
        output = f"{kind.lower()}_{self._count}"
        self.nodes.append(self.helper.make_node(kind, list(inputs), [output], **attributes))
        return output


def build(model_dir: Path, layers: int | None = None, weights_file: Path | None = None) -> Any:
    """The ``onnx.ModelProto`` of the sentence-transformers model in ``model_dir`` (with only
    its first ``layers`` encoder layers if given: a wrong model, for the tests). With
    ``weights_file`` the weights are written there as external data (see the module), the graph
    naming it beside itself; else they are in the graph."""
    from onnx import TensorProto, helper, numpy_helper
    from safetensors.numpy import load_file

    shape = BertShape.of(model_dir)
    w = load_file(str(model_dir / "model.safetensors"))
    g = _Graph()
    head = shape.hidden // shape.heads

    def linear(x: str, prefix: str) -> str:
        weight = g.weight(f"{prefix}.weight", w[f"{prefix}.weight"].T)  # (in, out) for MatMul
        return g.op(
            "Add", g.op("MatMul", x, weight), g.weight(f"{prefix}.bias", w[f"{prefix}.bias"])
        )

    def layer_norm(x: str, prefix: str) -> str:
        scale = g.weight(f"{prefix}.weight", w[f"{prefix}.weight"])
        bias = g.weight(f"{prefix}.bias", w[f"{prefix}.bias"])
        return g.op("LayerNormalization", x, scale, bias, axis=-1, epsilon=shape.eps)

    def const(name: str, values: Any, dtype: type = np.int64) -> str:
        return g.weight(name, np.asarray(values, dtype=dtype))

    # Embeddings: word + position + token type 0 (every token is of the first segment).
    words = g.op(
        "Gather", g.weight("word_embeddings", w["embeddings.word_embeddings.weight"]), "input_ids"
    )
    length = g.op("Slice", g.op("Shape", "input_ids"), const("one", [1]), const("two", [2]))
    position_table = (
        w["embeddings.position_embeddings.weight"] + w["embeddings.token_type_embeddings.weight"][0]
    )
    table = g.weight("position_embeddings", position_table)
    placed = g.op("Slice", table, const("zero", [0]), length, const("axis_0", [0]))
    x = layer_norm(g.op("Add", words, placed), "embeddings.LayerNorm")

    # Padding tokens get MASKED added to their attention scores: (1 - mask) * MASKED.
    mask = g.op("Cast", "attention_mask", to=TensorProto.FLOAT)
    bias = g.op(
        "Mul",
        g.op("Sub", const("one_f", 1.0, np.float32), mask),
        const("masked", MASKED, np.float32),
    )
    bias = g.op("Unsqueeze", bias, const("axes_1_2", [1, 2]))  # batch x 1 x 1 x tokens
    split_heads = const("split_heads", [0, 0, shape.heads, head])
    join_heads = const("join_heads", [0, 0, shape.hidden])
    scale = const("scale", 1.0 / math.sqrt(head), np.float32)

    inv_sqrt2 = const("inv_sqrt2", 1 / math.sqrt(2), np.float32)
    half = const("half", 0.5, np.float32)

    def heads(x: str, prefix: str, perm: list[int]) -> str:
        """``x`` projected by ``prefix`` and split into heads, in the order ``perm``."""
        return g.op("Transpose", g.op("Reshape", linear(x, prefix), split_heads), perm=perm)

    for i in range(shape.layers if layers is None else layers):
        p = f"encoder.layer.{i}"
        query = heads(x, f"{p}.attention.self.query", [0, 2, 1, 3])  # batch, head, token, dim
        key = heads(x, f"{p}.attention.self.key", [0, 2, 3, 1])  # batch, head, dim, token
        value = heads(x, f"{p}.attention.self.value", [0, 2, 1, 3])
        scores = g.op("Add", g.op("Mul", g.op("MatMul", query, key), scale), bias)
        context = g.op("MatMul", g.op("Softmax", scores, axis=-1), value)
        context = g.op("Reshape", g.op("Transpose", context, perm=[0, 2, 1, 3]), join_heads)
        attended = g.op("Add", linear(context, f"{p}.attention.output.dense"), x)
        x = layer_norm(attended, f"{p}.attention.output.LayerNorm")
        inner = linear(x, f"{p}.intermediate.dense")
        # GELU as BERT has it: x * (1 + erf(x / sqrt 2)) / 2.
        erf = g.op("Erf", g.op("Mul", inner, inv_sqrt2))
        gelu = g.op("Mul", g.op("Mul", inner, g.op("Add", erf, "one_f")), half)
        x = layer_norm(g.op("Add", linear(gelu, f"{p}.output.dense"), x), f"{p}.output.LayerNorm")

    # Mean over the real tokens (sentence-transformers' Pooling), then unit length (Normalize).
    weights = g.op("Unsqueeze", mask, const("axis_2", [2]))
    total = g.op("ReduceSum", g.op("Mul", x, weights), const("axis_1", [1]), keepdims=0)
    count = g.op(
        "Max", g.op("ReduceSum", weights, "axis_1", keepdims=0), const("tiny", 1e-9, np.float32)
    )
    mean = g.op("Div", total, count)
    norm = g.op(
        "Max",
        g.op("ReduceL2", mean, const("axis_last", [-1]), keepdims=1),
        const("eps", 1e-12, np.float32),
    )
    g.nodes.append(helper.make_node("Div", [mean, norm], ["sentence_embedding"]))

    tokens = ["batch", "tokens"]
    graph = helper.make_graph(
        g.nodes,
        "all-MiniLM-L6-v2",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, tokens),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, tokens),
        ],
        [
            helper.make_tensor_value_info(
                "sentence_embedding", TensorProto.FLOAT, ["batch", shape.hidden]
            )
        ],
        initializer=(
            [numpy_helper.from_array(array, name) for name, array in g.weights]
            if weights_file is None
            else _external(g.weights, weights_file)
        ),
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8  # read by every ONNX Runtime since 1.10
    return model


def _external(weights: list[tuple[str, np.ndarray]], path: Path) -> list[Any]:
    """The initializers of ``weights``, those of ``INLINE_BYTES`` or more written to ``path``
    (whole or not at all) and referred to by its name and their offsets."""
    from onnx import TensorProto, helper, numpy_helper

    tensors = []
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    with partial.open("wb") as file:
        for name, array in weights:
            if array.nbytes < INLINE_BYTES:
                tensors.append(numpy_helper.from_array(array, name))
                continue
            file.write(b"\0" * (-file.tell() % ALIGN))
            offset = file.tell()
            file.write(memoryview(array).cast("B"))
            tensor = TensorProto(
                name=name,
                dims=array.shape,
                data_type=helper.np_dtype_to_tensor_dtype(array.dtype),
                data_location=TensorProto.EXTERNAL,
            )
            for key, value in (
                ("location", path.name),
                ("offset", offset),
                ("length", array.nbytes),
            ):
                entry = tensor.external_data.add()
                entry.key, entry.value = key, str(value)
            tensors.append(tensor)
    partial.replace(path)
    return tensors


def weights_path(path: Path) -> Path:
    """The external data file of the graph at ``path``."""
    return path.with_suffix(".weights")


def export(model_dir: Path, path: Path) -> Path:
    """Write the graph of ``model_dir`` to ``path`` and its weights beside it
    (:func:`weights_path`), each whole or not at all, the weights first (``onnx.checker``
    checks the graph in the tests)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    model = build(model_dir, weights_file=weights_path(path))
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    partial.write_bytes(model.SerializeToString())
    partial.replace(path)
    return path
