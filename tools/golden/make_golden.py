#!/usr/bin/env python3
"""Independent PyTorch reference for Distill4j's golden tests.

Distill4j is a Java port of TextBrewer.  This script recomputes, with
PyTorch in float64, the values that the Java implementation must reproduce:

  * kd               logits-level distillation losses (ce, mse, bce)
  * match            intermediate-feature matching losses (TextBrewer 0.2.1
                     semantics, plus MiniLM-v2 style relation losses)
  * temperature      temperature schedulers (constant, flsw, cwsm)
  * weight_schedule  loss-weight schedulers (none, linear_decay, linear_growth)
  * lr_schedule      learning-rate schedules, read off a real
                     torch.optim.lr_scheduler.LambdaLR
  * optimizer        parameter trajectories of the real torch.optim classes
  * clip             torch.nn.utils.clip_grad_norm_
  * projection       linear / relu / tanh projections (x @ W + b)

It writes distill-core/src/test/resources/golden/reference.json.  Every case
looks like

    {"id": ..., "family": ..., "name": <registry name>,
     "params":   {scalar params},
     "inputs":   {name: {"shape": [...], "data": [flat row-major numbers]}},
     "expected": {name: {"shape": [...], "data": [...]}}}

A scalar has shape [] and a one-element data list.  Masks are float 0/1.

The formulas are written out here on purpose (rather than importing
TextBrewer) so that the Java code is checked against an independent
implementation; see tools/golden/README.md for where they differ from
TextBrewer's own source.

Run from the repository root with Debian's python3 and python3-torch:

    /usr/bin/python3 tools/golden/make_golden.py
"""

import json
import math
import os

import torch
import torch.nn.functional as F

DTYPE = torch.float64
SEED = 1234

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUTPUT = os.path.join(REPO_ROOT, "distill-core", "src", "test", "resources",
                      "golden", "reference.json")

# Default sizes.
L = 5      # sequence length
C = 4      # classes
D_S = 6    # student hidden width
D_T = 8    # teacher hidden width
H = 3      # attention heads
LENGTHS = [5, 3]   # valid lengths for the batch-2 masks (second row padded)


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

def randn(*shape, scale=1.0):
    return torch.randn(*shape, dtype=DTYPE) * scale


def uniform(lo, hi, *shape):
    return lo + (hi - lo) * torch.rand(*shape, dtype=DTYPE)


def length_mask(lengths, length=L):
    """Float 0/1 mask [B, length] with mask[b, i] = 1 for i < lengths[b]."""
    positions = torch.arange(length).unsqueeze(0)
    return (positions < torch.tensor(lengths).unsqueeze(1)).to(DTYPE)


def encode(t):
    t = torch.as_tensor(t, dtype=DTYPE).detach()
    return {"shape": list(t.shape), "data": t.reshape(-1).tolist()}


CASES = []


def add_case(case_id, family, name, params, inputs, expected):
    assert all(c["id"] != case_id for c in CASES), "duplicate id " + case_id
    for k, v in params.items():
        assert isinstance(v, (int, float, str, bool)), (case_id, k)
    CASES.append({
        "id": case_id,
        "family": family,
        "name": name,
        "params": params,
        "inputs": {k: encode(v) for k, v in inputs.items()},
        "expected": {k: encode(v) for k, v in expected.items()},
    })


def masked_row_mean(values, mask):
    """values: per-row quantity [B, L]; mean over rows with mask 1."""
    if mask is None:
        return values.mean()
    return (values * mask).sum() / mask.sum()


def broadcast_tau(tau, logits):
    """Scalar tau, or per-row tau (shape = logits.shape[:-1]) over classes."""
    return tau if tau.dim() == 0 else tau.unsqueeze(-1)


# ---------------------------------------------------------------------------
# family "kd"
# ---------------------------------------------------------------------------

def kd_ce(S, T, tau, mask=None):
    tau = broadcast_tau(tau, S)
    p_T = torch.softmax(T / tau, dim=-1)
    row = -(p_T * torch.log_softmax(S / tau, dim=-1)).sum(dim=-1)
    return masked_row_mean(row, mask)


def kd_mse(S, T, tau, mask=None):
    tau = broadcast_tau(tau, S)
    row = ((S / tau - T / tau) ** 2).mean(dim=-1)   # sum_c / C
    return masked_row_mean(row, mask)


def kd_bce(S, T, tau, mask=None):
    tau = broadcast_tau(tau, S)
    target = torch.sigmoid(T / tau)
    elem = F.binary_cross_entropy_with_logits(S / tau, target, reduction="none")
    return masked_row_mean(elem.mean(dim=-1), mask)


KD = {"ce": kd_ce, "mse": kd_mse, "bce": kd_bce}


def kd_cases():
    def case(case_id, name, S, T, tau, mask=None):
        inputs = {"S": S, "T": T, "tau": tau}
        if mask is not None:
            inputs["mask"] = mask
        add_case(case_id, "kd", name, {}, inputs,
                 {"loss": KD[name](S, T, tau, mask)})

    for name in ("ce", "mse", "bce"):
        case(f"kd_{name}_scalar_tau", name,
             randn(3, C, scale=3), randn(3, C, scale=3),
             torch.tensor(2.0, dtype=DTYPE))
        case(f"kd_{name}_per_row_tau", name,
             randn(3, C, scale=3), randn(3, C, scale=3), uniform(1, 4, 3))
        case(f"kd_{name}_token_masked", name,
             randn(2, L, C, scale=3), randn(2, L, C, scale=3),
             torch.tensor(1.5, dtype=DTYPE), length_mask(LENGTHS))

    case("kd_ce_token_unmasked", "ce",
         randn(2, L, C, scale=3), randn(2, L, C, scale=3),
         torch.tensor(1.5, dtype=DTYPE))
    case("kd_ce_token_masked_per_position_tau", "ce",
         randn(2, L, C, scale=3), randn(2, L, C, scale=3),
         uniform(1, 4, 2, L), length_mask(LENGTHS))
    # Large logits: a naive exp() overflows / log(0) underflows.
    case("kd_ce_large_logits", "ce",
         randn(3, C, scale=50), randn(3, C, scale=50),
         torch.tensor(1.0, dtype=DTYPE))


# ---------------------------------------------------------------------------
# family "match"
# ---------------------------------------------------------------------------

def hidden_mse(S, T, mask=None):
    sq = (S - T) ** 2
    if mask is None:
        return sq.mean()
    return (sq * mask.unsqueeze(-1)).sum() / (mask.sum() * S.size(-1))


def cos_match(S, T, mask=None):
    S2 = S.reshape(-1, S.size(-1))
    T2 = T.reshape(-1, T.size(-1))
    if mask is not None:
        keep = mask.reshape(-1) > 0.5
        S2, T2 = S2[keep], T2[keep]
    target = torch.ones(S2.size(0), dtype=DTYPE)
    return F.cosine_embedding_loss(S2, T2, target, reduction="mean")


def pkd(S, T, mask=None):
    s = F.normalize(S[:, 0], dim=-1)
    t = F.normalize(T[:, 0], dim=-1)
    return ((s - t) ** 2).sum(dim=-1).mean()


def zero_additive_masked(x):
    """TextBrewer's rule for the unmasked case: entries <= -1e-3 become 0."""
    return torch.where(x <= -1e-3, torch.zeros_like(x), x)


def pair_mask(mask):
    """[B, L] -> [B, L, L] with m_i * m_j."""
    return mask.unsqueeze(-1) * mask.unsqueeze(-2)


def attention_mse(S, T, mask=None):
    """S, T: [B, H, L, L] (or [B, L, L])."""
    if mask is None:
        return ((zero_additive_masked(S) - zero_additive_masked(T)) ** 2).mean()
    pm = pair_mask(mask)
    if S.dim() == 4:
        pm = pm.unsqueeze(1).expand(-1, S.size(1), -1, -1)
        count = (mask.sum(dim=1) ** 2).sum() * S.size(1)
    else:
        count = (mask.sum(dim=1) ** 2).sum()
    return (((S - T) ** 2) * pm).sum() / count


def attention_mse_sum(S, T, mask=None):
    return attention_mse(S.sum(dim=1), T.sum(dim=1), mask)


def attention_ce(S, T, mask=None):
    """S, T: [B, H, L, L] (or [B, L, L]); softmax over the last (key) axis."""
    p_T = torch.softmax(T, dim=-1)
    log_p_S = torch.log_softmax(S, dim=-1)
    if mask is None:
        p_T = torch.where(T <= -1e-3, torch.zeros_like(p_T), p_T)
        return -(p_T * log_p_S).sum(dim=-1).mean()
    m = mask if S.dim() == 3 else mask.unsqueeze(1).expand(-1, S.size(1), -1)
    per_query = (p_T * log_p_S * m.unsqueeze(-2)).sum(dim=-1)   # key mask
    return -(per_query * m).sum() / m.sum()                      # query mask


def attention_ce_mean(S, T, mask=None):
    return attention_ce(S.mean(dim=1), T.mean(dim=1), mask)


def fsp_gram(X0, X1, mask=None):
    """[B, L, D] x [B, L, D] -> [B, D, D]: X0^T X1 / length."""
    if mask is None:
        return X0.transpose(1, 2) @ X1 / X0.size(1)
    m = mask.unsqueeze(-1)
    lengths = mask.sum(dim=1).view(-1, 1, 1)
    return (X0 * m).transpose(1, 2) @ (X1 * m) / lengths


def fsp(S0, S1, T0, T1, mask=None):
    return F.mse_loss(fsp_gram(S0, S1, mask), fsp_gram(T0, T1, mask))


def mmd_gram(X0, X1):
    """[B, L, D] x [B, L, D] -> [B, L, L]: X0 X1^T / D (D = this side's width)."""
    return X0 @ X1.transpose(1, 2) / X1.size(2)


def mmd(S0, S1, T0, T1, mask=None):
    sq = (mmd_gram(S0, S1) - mmd_gram(T0, T1)) ** 2
    if mask is None:
        return sq.mean()
    return (sq * pair_mask(mask)).sum() / (mask.sum(dim=1) ** 2).sum()


def split_heads(x, heads):
    """[B, L, D] -> [B, heads, L, D/heads]; head r owns dims r*d .. (r+1)*d-1."""
    B, length, D = x.shape
    assert D % heads == 0
    return x.view(B, length, heads, D // heads).transpose(1, 2)


def relation_log_probs(X, Y, heads, mask=None):
    """log softmax_keys(X_h Y_h^T / sqrt(d)) per relation head: [B, R, L, L]."""
    Xh, Yh = split_heads(X, heads), split_heads(Y, heads)
    scores = Xh @ Yh.transpose(-1, -2) / math.sqrt(Xh.size(-1))
    if mask is not None:
        scores = scores + ((1.0 - mask) * -10000.0)[:, None, None, :]
    return torch.log_softmax(scores, dim=-1)


def relation_kl(log_A_S, log_A_T, heads, mask=None):
    kl = (log_A_T.exp() * (log_A_T - log_A_S)).sum(dim=-1)   # [B, R, L]
    if mask is None:
        return kl.mean()
    return (kl * mask.unsqueeze(1)).sum() / (heads * mask.sum())


def minilm_attention(QS, KS, QT, KT, heads, mask=None):
    return relation_kl(relation_log_probs(QS, KS, heads, mask),
                       relation_log_probs(QT, KT, heads, mask), heads, mask)


def minilm_value(VS, VT, heads, mask=None):
    return relation_kl(relation_log_probs(VS, VS, heads, mask),
                       relation_log_probs(VT, VT, heads, mask), heads, mask)


def with_mask(inputs, mask):
    if mask is not None:
        inputs = dict(inputs, mask=mask)
    return inputs


def match_cases():
    masks = {"unmasked": None, "masked": length_mask(LENGTHS)}

    # hidden-state losses, D_S = D_T = 6
    for name, fn in (("hidden_mse", hidden_mse), ("cos", cos_match)):
        for tag, mask in masks.items():
            S, T = randn(2, L, D_S), randn(2, L, D_S)
            add_case(f"match_{name}_{tag}", "match", name, {},
                     with_mask({"S": S, "T": T}, mask),
                     {"loss": fn(S, T, mask)})
    S, T = randn(2, L, D_S), randn(2, L, D_S)
    add_case("match_pkd", "match", "pkd", {}, {"S": S, "T": T},
             {"loss": pkd(S, T)})

    # attention losses, [B, H, L, L]
    attention_fns = (("attention_mse", attention_mse),
                     ("attention_mse_sum", attention_mse_sum),
                     ("attention_ce", attention_ce),
                     ("attention_ce_mean", attention_ce_mean))
    for name, fn in attention_fns:
        # Unmasked: additive -10000 mask on the padded keys of row 1, as a
        # model would produce; TextBrewer zeroes entries <= -1e-3.
        S, T = randn(2, H, L, L, scale=2), randn(2, H, L, L, scale=2)
        S[1, :, :, 3:] = -10000.0
        T[1, :, :, 3:] = -10000.0
        add_case(f"match_{name}_unmasked", "match", name, {},
                 {"S": S, "T": T}, {"loss": fn(S, T)})
        # Masked: plain scores, padding handled by the mask only.
        mask = length_mask(LENGTHS)
        S, T = randn(2, H, L, L, scale=2), randn(2, H, L, L, scale=2)
        add_case(f"match_{name}_masked", "match", name, {},
                 {"S": S, "T": T, "mask": mask}, {"loss": fn(S, T, mask)})

    # pair losses
    for name, fn, d_t in (("fsp", fsp, D_S), ("gram", fsp, D_S),
                          ("mmd", mmd, D_T), ("nst", mmd, D_T)):
        for tag, mask in masks.items():
            S0, S1 = randn(2, L, D_S), randn(2, L, D_S)
            T0, T1 = randn(2, L, d_t), randn(2, L, d_t)
            add_case(f"match_{name}_{tag}", "match", name, {},
                     with_mask({"S0": S0, "S1": S1, "T0": T0, "T1": T1}, mask),
                     {"loss": fn(S0, S1, T0, T1, mask)})

    # MiniLM-v2 relation losses, R = 2 relation heads
    R = 2
    for tag, mask in masks.items():
        QS, KS = randn(2, L, D_S, scale=2), randn(2, L, D_S, scale=2)
        QT, KT = randn(2, L, D_T, scale=2), randn(2, L, D_T, scale=2)
        add_case(f"match_minilm_attention_{tag}", "match", "minilm_attention",
                 {"relation_heads": R},
                 with_mask({"QS": QS, "KS": KS, "QT": QT, "KT": KT}, mask),
                 {"loss": minilm_attention(QS, KS, QT, KT, R, mask)})
        VS, VT = randn(2, L, D_S, scale=2), randn(2, L, D_T, scale=2)
        add_case(f"match_minilm_value_{tag}", "match", "minilm_value",
                 {"relation_heads": R},
                 with_mask({"VS": VS, "VT": VT}, mask),
                 {"loss": minilm_value(VS, VT, R, mask)})


# ---------------------------------------------------------------------------
# family "temperature"
# ---------------------------------------------------------------------------

def flsw_tau(S, T, base, beta, gamma):
    v = S / (S.norm(dim=-1, keepdim=True) + 1e-4)
    t = T / (T.norm(dim=-1, keepdim=True) + 1e-4)
    w = (1 - (v * t).sum(dim=-1)) ** gamma
    return base + (w.mean() - w) * beta


def cwsm_tau(S, T, base, beta):
    w = 1 / (torch.softmax(S, dim=-1).max(dim=-1).values + 1e-3)
    return base + (w.mean() - w) * beta


def temperature_cases():
    B = 3
    for gamma in (1.0, 2.0):
        S, T = randn(B, C, scale=3), randn(B, C, scale=3)
        params = {"base": 4.0, "beta": 1.5, "gamma": gamma}
        add_case(f"temperature_flsw_gamma{int(gamma)}", "temperature", "flsw",
                 params, {"S": S, "T": T},
                 {"tau": flsw_tau(S, T, 4.0, 1.5, gamma)})
    for i, beta in enumerate((1.0, 0.5)):
        S, T = randn(B, C, scale=3), randn(B, C, scale=3)
        add_case(f"temperature_cwsm_{i + 1}", "temperature", "cwsm",
                 {"base": 3.0, "beta": beta}, {"S": S, "T": T},
                 {"tau": cwsm_tau(S, T, 3.0, beta)})
    S, T = randn(B, C, scale=3), randn(B, C, scale=3)
    add_case("temperature_constant", "temperature", "constant",
             {"base": 2.5, "beta": 1.0}, {"S": S, "T": T},
             {"tau": torch.full((B,), 2.5, dtype=DTYPE)})


# ---------------------------------------------------------------------------
# family "weight_schedule"
# ---------------------------------------------------------------------------

def weight_schedule_cases():
    total = 10
    x = torch.arange(total + 1, dtype=DTYPE) / total
    schedules = {"linear_decay": 1 - x,
                 "linear_growth": x,
                 "none": torch.ones_like(x)}
    for name, w in schedules.items():
        add_case(f"weight_schedule_{name}", "weight_schedule", name,
                 {"total_steps": total}, {}, {"weight": w})


# ---------------------------------------------------------------------------
# family "lr_schedule"
# ---------------------------------------------------------------------------

def lambda_lr_trace(base_lr, total, factor):
    """lr used for update t = 0..total-1, read from a real LambdaLR."""
    p = torch.nn.Parameter(torch.zeros(1, dtype=DTYPE))
    opt = torch.optim.SGD([p], lr=base_lr)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, factor)
    lrs = []
    for _ in range(total):
        lrs.append(opt.param_groups[0]["lr"])
        p.grad = torch.zeros_like(p)
        opt.step()
        sched.step()
    return torch.tensor(lrs, dtype=DTYPE)


def linear_warmup_decay(total, warmup_fraction):
    warmup = int(warmup_fraction * total)

    def factor(t):
        if t < warmup:
            return t / max(1, warmup)
        return max(0.0, (total - t) / max(1, total - warmup))
    return factor


def slanted_triangular(total, cut_frac, ratio):
    cut = math.floor(total * cut_frac)

    def factor(t):
        if t < cut:
            p = t / cut
        else:
            p = 1 - (t - cut) / (cut * (1 / cut_frac - 1))
        return (1 + p * (ratio - 1)) / ratio
    return factor


def lr_schedule_cases():
    base_lr = 1e-3
    add_case("lr_constant", "lr_schedule", "constant",
             {"base_lr": base_lr, "total_steps": 10}, {},
             {"lr": lambda_lr_trace(base_lr, 10, lambda t: 1.0)})
    for tag, frac in (("warmup30", 0.3), ("no_warmup", 0.0)):
        add_case(f"lr_linear_warmup_decay_{tag}", "lr_schedule",
                 "linear_warmup_decay",
                 {"base_lr": base_lr, "total_steps": 10, "warmup_fraction": frac},
                 {}, {"lr": lambda_lr_trace(base_lr, 10,
                                            linear_warmup_decay(10, frac))})
    add_case("lr_slanted_triangular", "lr_schedule", "slanted_triangular",
             {"base_lr": base_lr, "total_steps": 20, "cut_frac": 0.1,
              "ratio": 32.0},
             {}, {"lr": lambda_lr_trace(base_lr, 20,
                                        slanted_triangular(20, 0.1, 32.0))})


# ---------------------------------------------------------------------------
# family "optimizer"
# ---------------------------------------------------------------------------

def optimizer_trace(make_opt, p0, grads):
    p = torch.nn.Parameter(p0.clone())
    opt = make_opt([p])
    out = []
    for g in grads:
        p.grad = g.clone()
        opt.step()
        out.append(p.detach().clone())
    return torch.stack(out)


def optimizer_cases():
    configs = [
        ("optimizer_adam", "adam", 0.05, 0.9, 0.999, 1e-8, 0.0, 0.0),
        ("optimizer_adam_l2", "adam", 0.05, 0.9, 0.999, 1e-8, 0.01, 0.0),
        ("optimizer_adamw", "adamw", 0.05, 0.9, 0.999, 1e-8, 0.01, 0.0),
        ("optimizer_sgd_momentum", "sgd", 0.1, 0.9, 0.999, 1e-8, 0.0, 0.9),
        ("optimizer_sgd_plain", "sgd", 0.1, 0.9, 0.999, 1e-8, 0.0, 0.0),
    ]
    for case_id, name, lr, b1, b2, eps, wd, momentum in configs:
        if name == "adam":
            make = lambda ps: torch.optim.Adam(ps, lr=lr, betas=(b1, b2),
                                               eps=eps, weight_decay=wd)
        elif name == "adamw":
            make = lambda ps: torch.optim.AdamW(ps, lr=lr, betas=(b1, b2),
                                                eps=eps, weight_decay=wd)
        else:
            make = lambda ps: torch.optim.SGD(ps, lr=lr, momentum=momentum,
                                              weight_decay=wd)
        p0, g = randn(6), randn(4, 6)
        add_case(case_id, "optimizer", name,
                 {"lr": lr, "beta1": b1, "beta2": b2, "eps": eps,
                  "weight_decay": wd, "momentum": momentum},
                 {"p0": p0, "g": g}, {"p": optimizer_trace(make, p0, g)})


# ---------------------------------------------------------------------------
# family "clip"
# ---------------------------------------------------------------------------

def clip_cases():
    for case_id, max_norm in (("clip_global_norm_clipped", 1.0),
                              ("clip_global_norm_unclipped", 100.0)):
        g0, g1 = randn(2, 3, scale=2), randn(4, scale=2)
        p0 = torch.nn.Parameter(torch.zeros(2, 3, dtype=DTYPE))
        p1 = torch.nn.Parameter(torch.zeros(4, dtype=DTYPE))
        p0.grad, p1.grad = g0.clone(), g1.clone()
        norm = torch.nn.utils.clip_grad_norm_([p0, p1], max_norm)
        add_case(case_id, "clip", "global_norm", {"max_norm": max_norm},
                 {"g0": g0, "g1": g1},
                 {"g0": p0.grad, "g1": p1.grad, "norm": norm})


# ---------------------------------------------------------------------------
# family "projection"
# ---------------------------------------------------------------------------

def projection_cases():
    activations = {"linear": lambda y: y, "relu": torch.relu, "tanh": torch.tanh}
    for name, act in activations.items():
        x, W, b = randn(2, L, D_S), randn(D_S, D_T, scale=0.5), randn(D_T)
        add_case(f"projection_{name}", "projection", name, {},
                 {"x": x, "W": W, "b": b}, {"y": act(x @ W + b)})


# ---------------------------------------------------------------------------

def main():
    torch.manual_seed(SEED)
    kd_cases()
    match_cases()
    temperature_cases()
    weight_schedule_cases()
    lr_schedule_cases()
    optimizer_cases()
    clip_cases()
    projection_cases()

    for case in CASES:
        for group in ("inputs", "expected"):
            for key, value in case[group].items():
                assert all(math.isfinite(v) for v in value["data"]), (case["id"], key)

    doc = {"generator": "tools/golden/make_golden.py",
           "torch_version": torch.__version__,
           "cases": CASES}
    os.makedirs(os.path.dirname(OUTPUT), exist_ok=True)
    with open(OUTPUT, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(f"wrote {len(CASES)} cases to {os.path.relpath(OUTPUT, REPO_ROOT)}")


if __name__ == "__main__":
    main()
