#!/usr/bin/env python3
"""Exports the small reference BERT (with a sequence-classification head) to ONNX, for Distill4j's import tests.

The model is the BERT of tools/bert/make_bert_fixtures.py (post-layer-norm encoder, erf GELU, additive -10000
attention masking, tanh pooler over [CLS]) rewritten as a torch.nn.Module whose dense layers are F.linear calls
like Hugging Face's nn.Linear, with the *same weights*: it reads the
parity fixtures (distill-bert/src/test/resources/bert/parity/weights and heads/sequence), so the exported graph,
the parity fixtures and our native BertModel all describe one network. Nothing here edits those fixtures.

It writes, into distill-bert/src/test/resources/imports/:

  bert_tiny.onnx                    opset 13, float32, inputs input_ids / attention_mask / token_type_ids as int64
                                    (as Hugging Face exports have them) with dynamic batch and sequence axes; outputs
                                    logits, hidden_0..hidden_2 (hidden_0 = embedding output) and attention_0..
                                    attention_1 (softmax probabilities). torch.onnx.export's file, untouched.
  bert_tiny_opset11_static.onnx     the same network at opset 11 with int32 inputs of fixed shape [3, 10]
  cases/full/<name>.npy             the parity fixture's batch [3, 10] (inputs as int32) and the outputs PyTorch
                                    computes for it in float64
  cases/short/<name>.npy            another batch [2, 6] (checks the dynamic axes) and its outputs
  export.json                       opset, torch/onnx versions, input/output names and shapes, ONNX ops used

The Java side (org.distill4j.bert.imports.OnnxImport) repairs what SameDiff M2.1's importer gets wrong in such
files before importing them; tools/onnx/README.md lists each problem.

The expected outputs are checked here against the parity fixtures' expected/ (hidden_i, attention_i,
sequence_logits), so the module reproduces make_bert_fixtures.py exactly.

Regenerate from the repository root (needs Debian's python3-torch, python3-numpy and python3-onnx;
`apt-get install -y python3-onnx`):

    /usr/bin/python3 tools/onnx/export_bert.py

Deterministic (no random numbers: the weights come from the fixtures).
"""
import json
import math
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn.functional as F

PARITY = os.path.join("distill-bert", "src", "test", "resources", "bert", "parity")
OUT = os.path.join("distill-bert", "src", "test", "resources", "imports")
OPSET = 13  # set per export in main()


def load_folder(folder):
    out = {}
    for f in sorted(os.listdir(folder)):
        if f.endswith(".npy"):
            out[f[:-4].replace("__", "/")] = torch.from_numpy(np.load(os.path.join(folder, f)))
    return out


class ReferenceBert(torch.nn.Module):
    """make_bert_fixtures.py's encoder + the sequence-classification head, one nn.Parameter per fixture tensor."""

    def __init__(self, config, weights, head, input_dtype):
        super().__init__()
        self.config = config
        self.names = {}
        for name, t in list(weights.items()) + list(head.items()):
            key = name.replace("/", "__")
            self.names[name] = key
            self.register_parameter(key, torch.nn.Parameter(t.clone(), requires_grad=False))
        self.input_dtype = input_dtype

    def w(self, name):
        return getattr(self, self.names[name])

    def layer_norm(self, x, prefix):
        d = self.config["hidden_size"]
        return F.layer_norm(x, (d,), self.w(prefix + "/gamma"), self.w(prefix + "/beta"), eps=self.config["layer_norm_eps"])

    def dense(self, x, prefix):
        # F.linear with an [out, in] weight, as Hugging Face's nn.Linear: MatMul + Add on [B, L, D] activations,
        # Gemm (transB=1) on the [B, D] pooler and classifier inputs.
        return F.linear(x, self.w(prefix + "/kernel").t(), self.w(prefix + "/bias"))

    @staticmethod
    def gelu(x):
        return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))

    def forward(self, input_ids, attention_mask, token_type_ids):
        c = self.config
        D, H = c["hidden_size"], c["num_attention_heads"]
        dh = D // H
        ids = input_ids.long()
        types = token_type_ids.long()
        L = ids.shape[1]
        h = (F.embedding(ids, self.w("bert/embeddings/word_embeddings"))
             + self.w("bert/embeddings/position_embeddings")[:L].unsqueeze(0)
             + F.embedding(types, self.w("bert/embeddings/token_type_embeddings")))
        h = self.layer_norm(h, "bert/embeddings/LayerNorm")
        hidden = [h]
        attention = []
        dtype = h.dtype
        additive = (1.0 - attention_mask.to(dtype))[:, None, None, :] * -10000.0
        for l in range(c["num_hidden_layers"]):
            p = "bert/encoder/layer_%d" % l
            q, k, v = (self.dense(h, p + "/attention/self/" + n) for n in ("query", "key", "value"))
            # reshape with -1 for the batch: no Shape->Gather->Concat chains for the batch axis
            split = lambda t: t.reshape(-1, L, H, dh).permute(0, 2, 1, 3)
            scores = split(q) @ split(k).transpose(-1, -2) / math.sqrt(dh) + additive
            probs = torch.softmax(scores, dim=-1)
            context = (probs @ split(v)).permute(0, 2, 1, 3).reshape(-1, L, D)
            h = self.layer_norm(self.dense(context, p + "/attention/output/dense") + h, p + "/attention/output/LayerNorm")
            inner = self.gelu(self.dense(h, p + "/intermediate/dense"))
            h = self.layer_norm(self.dense(inner, p + "/output/dense") + h, p + "/output/LayerNorm")
            hidden.append(h)
            attention.append(probs)
        pooled = torch.tanh(self.dense(h[:, 0], "bert/pooler/dense"))
        logits = self.dense(pooled, "classifier")
        return (logits, *hidden, *attention)


def export(model, inputs, path, dynamic):
    layers = model.config["num_hidden_layers"]
    output_names = (["logits"] + ["hidden_%d" % i for i in range(layers + 1)]
                    + ["attention_%d" % i for i in range(layers)])
    input_names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = None
    if dynamic:
        axes = {n: {0: "batch", 1: "sequence"} for n in input_names}
        axes["logits"] = {0: "batch"}
        for i in range(layers + 1):
            axes["hidden_%d" % i] = {0: "batch", 1: "sequence"}
        for i in range(layers):
            axes["attention_%d" % i] = {0: "batch", 2: "sequence", 3: "sequence"}
    torch.onnx.export(model, tuple(inputs[n] for n in input_names), path, input_names=input_names,
                      output_names=output_names, dynamic_axes=axes, opset_version=OPSET, do_constant_folding=True)
    m = onnx.load(path)
    onnx.checker.check_model(m)
    ops = sorted({n.op_type for n in m.graph.node})

    def shape(vi):
        return [d.dim_param or d.dim_value for d in vi.type.tensor_type.shape.dim]

    return {
        "file": os.path.basename(path),
        "bytes": os.path.getsize(path),
        "dynamic_axes": dynamic,
        "inputs": {vi.name: {"elem_type": onnx.TensorProto.DataType.Name(vi.type.tensor_type.elem_type),
                             "shape": shape(vi)} for vi in m.graph.input},
        "outputs": {vi.name: shape(vi) for vi in m.graph.output},
        "ops": ops,
        "nodes": len(m.graph.node),
    }


NAMES_IN = ("input_ids", "attention_mask", "token_type_ids")


def run(model, inputs):
    with torch.no_grad():
        return model(*(inputs[n].to(torch.int64) for n in NAMES_IN))


def save_case(name, inputs, outputs):
    folder = os.path.join(OUT, "cases", name)
    os.makedirs(folder, exist_ok=True)
    for n, t in inputs.items():
        np.save(os.path.join(folder, n + ".npy"), t.numpy().astype(np.int32))
    for n, t in outputs.items():
        np.save(os.path.join(folder, n + ".npy"), t.numpy().astype(np.float64))


def main():
    with open(os.path.join(PARITY, "config.json")) as f:
        config = json.load(f)
    weights = load_folder(os.path.join(PARITY, "weights"))
    head = load_folder(os.path.join(PARITY, "heads", "sequence"))
    parity_in = load_folder(os.path.join(PARITY, "inputs"))
    parity_expected = load_folder(os.path.join(PARITY, "expected"))
    layers = config["num_hidden_layers"]
    names = ["logits"] + ["hidden_%d" % i for i in range(layers + 1)] + ["attention_%d" % i for i in range(layers)]

    full = {n: parity_in[n].to(torch.int32) for n in NAMES_IN}
    short = {n: t[[1, 2], :6].clone() for n, t in full.items()}  # 2 x 6: other batch and sequence sizes
    short["attention_mask"][0, 5] = 0                             # and a padded position

    # Expected outputs: float64 (the fixtures' float32 weights widened), like make_bert_fixtures.py.
    ref = ReferenceBert(config, {k: v.double() for k, v in weights.items()}, {k: v.double() for k, v in head.items()},
                        torch.int64).eval()
    expected = {case: dict(zip(names, run(ref, inputs))) for case, inputs in (("full", full), ("short", short))}
    # The same network as the parity fixtures (whose weights were float64 before they were saved as float32).
    worst = 0.0
    for ours, theirs in [("logits", "sequence_logits")] + [(n, n) for n in names[1:]]:
        worst = max(worst, (expected["full"][ours] - parity_expected[theirs]).abs().max().item())
    if worst > 1e-4:
        sys.exit("the module does not reproduce make_bert_fixtures.py: max abs difference %g" % worst)
    save_case("full", full, expected["full"])
    save_case("short", short, expected["short"])

    model = ReferenceBert(config, weights, head, torch.int64).float().eval()
    f32 = dict(zip(names, run(model, full)))
    worst32 = max((f32[n].double() - expected["full"][n]).abs().max().item() for n in names)
    global OPSET
    OPSET = 13
    dynamic = export(model, {n: t.to(torch.int64) for n, t in full.items()}, os.path.join(OUT, "bert_tiny.onnx"), True)
    OPSET = 11
    static = export(model, full, os.path.join(OUT, "bert_tiny_opset11_static.onnx"), False)
    static["opset"], dynamic["opset"] = 11, 13
    report = {"generator": "tools/onnx/export_bert.py", "torch_version": torch.__version__,
              "onnx_version": onnx.__version__, "config": config,
              "float32_vs_float64_max_abs_diff": worst32, "reference_vs_parity_fixtures_max_abs_diff": worst,
              "exports": [dynamic, static]}
    with open(os.path.join(OUT, "export.json"), "w") as f:
        json.dump(report, f, indent=1)
    print(json.dumps({k: v for k, v in report.items() if k != "exports"}, indent=1))
    for e in report["exports"]:
        print(e["file"], e["bytes"], "bytes, opset", e["opset"], "ops", e["ops"])


if __name__ == "__main__":
    torch.set_grad_enabled(False)
    main()
