#!/usr/bin/env python3
"""Reference outputs of a small BERT, computed with PyTorch, for Distill4j's parity tests.

This is an independent implementation of BERT's forward pass (the Hugging Face BertModel / Google BERT
semantics: post-layer-norm encoder, erf GELU, additive -10000 attention masking, tanh pooler over [CLS]) with
torch.nn.functional ops. It draws random weights, runs a padded batch of token ids with two segments, and writes:

  distill-bert/src/test/resources/bert/parity/weights/<name>.npy   every parameter, under Distill4j's (= Google TF)
                                                                    names, kernels as [in, out]
  distill-bert/src/test/resources/bert/parity/inputs/<name>.npy    input_ids, token_type_ids, attention_mask, labels...
  distill-bert/src/test/resources/bert/parity/expected/<name>.npy  hidden_i, attention_i, scores_i, pooled, head logits
                                                                    and losses
  distill-bert/src/test/resources/bert/parity/config.json          the architecture (Hugging Face field names)

Run from the repository root:  /usr/bin/python3 tools/bert/make_bert_fixtures.py
Needs Debian's python3-torch and python3-numpy. Deterministic (seed 20261129).
"""
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

OUT = os.path.join("distill-bert", "src", "test", "resources", "bert", "parity")
CONFIG = dict(vocab_size=40, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
              max_position_embeddings=24, type_vocab_size=2, layer_norm_eps=1e-12, hidden_dropout_prob=0.0,
              attention_probs_dropout_prob=0.0, initializer_range=0.02)
CLASSES = {"classifier_seq": 3, "classifier_multi": 4, "classifier_token": 5}


# ---------------------------------------------------------------------------
# The BERT math (importable: tools/bert/make_bert_base_reference.py runs it on Google's BERT-base).
# W maps Distill4j's (= Google TF) names to tensors; kernels are [in, out] (x @ kernel).
# ---------------------------------------------------------------------------

def layer_norm(x, W, prefix, eps):
    return F.layer_norm(x, (x.shape[-1],), W[prefix + "/gamma"], W[prefix + "/beta"], eps=eps)


def dense(x, prefix, params):
    return x @ params[prefix + "/kernel"] + params[prefix + "/bias"]


def gelu(x):
    return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))


def encoder(W, config, input_ids, token_type_ids, attention_mask):
    """BERT's encoder and pooler: hidden_0 (embeddings) .. hidden_N, attention_l (probabilities), scores_l
    (pre-softmax, mask added), query_l / key_l / value_l, and pooled."""
    D = config["hidden_size"]
    H = config["num_attention_heads"]
    eps = config["layer_norm_eps"]
    B, L = input_ids.shape
    h = (W["bert/embeddings/word_embeddings"][input_ids]
         + W["bert/embeddings/position_embeddings"][torch.arange(L)][None, :, :]
         + W["bert/embeddings/token_type_embeddings"][token_type_ids])
    h = layer_norm(h, W, "bert/embeddings/LayerNorm", eps)
    out = {"hidden_0": h}
    additive = (1.0 - attention_mask.to(torch.float64))[:, None, None, :] * -10000.0
    dh = D // H
    for l in range(config["num_hidden_layers"]):
        p = "bert/encoder/layer_%d" % l
        q, k, v = (dense(h, p + "/attention/self/" + n, W) for n in ("query", "key", "value"))
        split = lambda t: t.view(B, L, H, dh).permute(0, 2, 1, 3)
        scores = split(q) @ split(k).transpose(-1, -2) / math.sqrt(dh) + additive
        probs = torch.softmax(scores, dim=-1)
        context = (probs @ split(v)).permute(0, 2, 1, 3).reshape(B, L, D)
        h = layer_norm(dense(context, p + "/attention/output/dense", W) + h, W, p + "/attention/output/LayerNorm", eps)
        inner = gelu(dense(h, p + "/intermediate/dense", W))
        h = layer_norm(dense(inner, p + "/output/dense", W) + h, W, p + "/output/LayerNorm", eps)
        out["hidden_%d" % (l + 1)] = h
        out["attention_%d" % l] = probs
        out["scores_%d" % l] = scores
        out["query_%d" % l], out["key_%d" % l], out["value_%d" % l] = q, k, v
    out["pooled"] = torch.tanh(dense(h[:, 0], "bert/pooler/dense", W))
    return out


# ---------------------------------------------------------------------------
# The small random model and its fixtures
# ---------------------------------------------------------------------------

def normal(*shape, std=0.3):
    return torch.randn(*shape) * std


def random_weights():
    """The small model's encoder weights and head parameter sets, drawn in a fixed order."""
    D = CONFIG["hidden_size"]
    I = CONFIG["intermediate_size"]
    W = {}  # Distill4j name -> tensor; kernels are [in, out] (x @ kernel)
    W["bert/embeddings/word_embeddings"] = normal(CONFIG["vocab_size"], D, std=1.0)
    W["bert/embeddings/position_embeddings"] = normal(CONFIG["max_position_embeddings"], D, std=0.5)
    W["bert/embeddings/token_type_embeddings"] = normal(CONFIG["type_vocab_size"], D, std=0.5)

    def layer_norm_params(prefix):
        W[prefix + "/gamma"] = 1.0 + normal(D, std=0.1)
        W[prefix + "/beta"] = normal(D, std=0.1)

    def dense_params(prefix, n_in, n_out):
        W[prefix + "/kernel"] = normal(n_in, n_out, std=1.0 / math.sqrt(n_in))
        W[prefix + "/bias"] = normal(n_out, std=0.1)

    layer_norm_params("bert/embeddings/LayerNorm")
    for l in range(CONFIG["num_hidden_layers"]):
        p = "bert/encoder/layer_%d" % l
        for part in ("query", "key", "value"):
            dense_params(p + "/attention/self/" + part, D, D)
        dense_params(p + "/attention/output/dense", D, D)
        layer_norm_params(p + "/attention/output/LayerNorm")
        dense_params(p + "/intermediate/dense", D, I)
        dense_params(p + "/output/dense", I, D)
        layer_norm_params(p + "/output/LayerNorm")
    dense_params("bert/pooler/dense", D, D)

    HEADS = {}  # separate parameter sets per head, saved in their own folders
    HEADS["sequence"] = {"classifier/kernel": normal(D, 3, std=0.5), "classifier/bias": normal(3, std=0.1)}
    HEADS["multi_label"] = {"classifier/kernel": normal(D, 4, std=0.5), "classifier/bias": normal(4, std=0.1)}
    HEADS["token"] = {"classifier/kernel": normal(D, 5, std=0.5), "classifier/bias": normal(5, std=0.1)}
    HEADS["qa"] = {"qa_outputs/kernel": normal(D, 2, std=0.5), "qa_outputs/bias": normal(2, std=0.1)}
    return W, HEADS


def save(folder, arrays, dtype):
    os.makedirs(folder, exist_ok=True)
    for name, t in arrays.items():
        np.save(os.path.join(folder, name.replace("/", "__") + ".npy"), t.detach().numpy().astype(dtype))


def main():
    torch.manual_seed(20261129)
    torch.set_default_dtype(torch.float64)
    W, HEADS = random_weights()

    input_ids = torch.tensor([[2, 7, 11, 7, 3, 19, 25, 3, 0, 0],
                              [2, 33, 5, 5, 5, 3, 8, 39, 14, 3],
                              [2, 1, 3, 0, 0, 0, 0, 0, 0, 0]])
    token_type_ids = torch.tensor([[0, 0, 0, 0, 0, 1, 1, 1, 0, 0],
                                   [0, 0, 0, 0, 0, 0, 1, 1, 1, 1],
                                   [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]])
    attention_mask = (input_ids != 0).to(torch.int64)
    attention_mask[2, 1] = 1
    out = encoder(W, CONFIG, input_ids, token_type_ids, attention_mask)

    seq_labels = torch.tensor([2, 0, 1])
    seq_labels_partial = torch.tensor([2, -100, 1])  # the middle example unlabelled (a transfer set's row)
    multi_labels = torch.tensor([[1., 0., 1., 0.], [0., 0., 0., 1.], [1., 1., 0., 0.]])
    token_labels = torch.tensor([[-100, 1, 4, 0, -100, 2, 3, -100, -100, -100],
                                 [-100, 0, 0, 1, 2, -100, 4, 4, 3, -100],
                                 [-100, 1, -100, -100, -100, -100, -100, -100, -100, -100]])
    start_positions = torch.tensor([1, 6, 2])
    end_positions = torch.tensor([3, 8, 2])

    pooled = out["pooled"]
    sequence = out["hidden_%d" % CONFIG["num_hidden_layers"]]
    expected = dict(out)
    logits = dense(pooled, "classifier", HEADS["sequence"])
    expected["sequence_logits"] = logits
    expected["sequence_loss"] = F.cross_entropy(logits, seq_labels)
    expected["sequence_loss_partial"] = F.cross_entropy(logits, seq_labels_partial, ignore_index=-100)
    logits = dense(pooled, "classifier", HEADS["multi_label"])
    expected["multi_label_logits"] = logits
    expected["multi_label_loss"] = F.binary_cross_entropy_with_logits(logits, multi_labels)
    logits = dense(sequence, "classifier", HEADS["token"])
    expected["token_logits"] = logits
    expected["token_loss"] = F.cross_entropy(logits.reshape(-1, 5), token_labels.reshape(-1), ignore_index=-100)
    both = dense(sequence, "qa_outputs", HEADS["qa"])
    start, end = both[..., 0], both[..., 1]
    expected["qa_start_logits"], expected["qa_end_logits"] = start, end
    expected["qa_loss"] = (F.cross_entropy(start, start_positions) + F.cross_entropy(end, end_positions)) / 2

    save(os.path.join(OUT, "weights"), W, np.float32)
    for head, params in HEADS.items():
        save(os.path.join(OUT, "heads", head), params, np.float32)
    save(os.path.join(OUT, "inputs"), {"input_ids": input_ids, "token_type_ids": token_type_ids,
                                       "attention_mask": attention_mask, "labels_sequence": seq_labels,
                                       "labels_sequence_partial": seq_labels_partial,
                                       "labels_token": token_labels, "start_positions": start_positions,
                                       "end_positions": end_positions}, np.int32)
    save(os.path.join(OUT, "inputs"), {"labels_multi_label": multi_labels}, np.float32)
    save(os.path.join(OUT, "expected"), expected, np.float64)
    # The same encoder with another layer_norm_eps, 1e-3: large enough to move the hidden states by about 1e-3, well
    # above the 1e-4 tolerance of the parity tests (1e-5 moves them by only 2.5e-5), so a layer norm that ignored the
    # configured epsilon fails.
    other_eps = encoder(W, dict(CONFIG, layer_norm_eps=1e-3), input_ids, token_type_ids, attention_mask)
    save(os.path.join(OUT, "expected_eps_1e-3"), other_eps, np.float64)
    with open(os.path.join(OUT, "config.json"), "w") as f:
        json.dump(dict(CONFIG, generator="tools/bert/make_bert_fixtures.py", torch_version=torch.__version__), f,
                  indent=1)
    print("wrote", OUT)


if __name__ == "__main__":
    main()
