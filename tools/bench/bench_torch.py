#!/usr/bin/env python3
"""PyTorch reference of Distill4j's standard distillation benchmark step (see /work/shared/bench/README.md).

Runs exactly the step the Java harness runs, on CPU, and prints one `key value` line per figure on stdout
(everything else goes to stderr), so the harness can put both side by side:

  torch_version                    torch.__version__
  threads                          intra-op threads used (--threads)
  full_step_samples_per_s          batch / median seconds of: teacher forward (no_grad) + student forward
                                   + loss + backward + Adam step + zero_grad
  cached_step_samples_per_s        the same with the teacher's logits and matched hidden states computed once
                                   beforehand and reused (no teacher forward in the timed part)
  student_inference_samples_per_s  student forward, no_grad, logits only
  teacher_inference_samples_per_s  teacher forward, no_grad, logits only
  peak_rss_mib                     VmHWM (peak resident set) of this process in MiB, read after the four measurements
                                   above (not ru_maxrss: exec carries the parent's peak over, so under the JVM it
                                   would report the JVM's)
                                   and before the SGEMM (whose 3 x 64 MiB matrices would otherwise count)
  step_gflop                       analytic FLOPs of one full step (formula below), in GFLOP
  achieved_gflops                  step_gflop / median full-step seconds
  sgemm_ceiling_gflops             median GFLOP/s of torch.mm on two float32 4096x4096 matrices (2 n^3 flops),
                                   5 timed after 1 warm-up

Every timing is the median of --steps timed iterations after --warmup untimed ones (time.perf_counter).

Model (mirrors Distill4j's BertModel and tools/bert/make_bert_fixtures.py; Google/TF BERT conventions):
embeddings = word + position + token_type, LayerNorm(eps 1e-12); no dropout; per layer separate Q, K, V
Linear(H, H), scores = Q K^T / sqrt(head_dim) + (1 - mask) * -10000, softmax, context, output Linear(H, H),
residual + LayerNorm; FFN Linear(H, F) -> exact erf GELU -> Linear(F, H), residual + LayerNorm; pooler
tanh(Linear(H, H)) on token 0; classifier Linear(H, labels). hidden[0] = embedding output, hidden[i] = layer i.

Loss = kd_ce(student_logits, teacher_logits, T=8)              (TextBrewer kd_ce_loss, no T^2 factor)
     + cross_entropy(student_logits, labels)                    (mean)
     + sum over --matches (t:s) of mse(proj_k(student_hidden[s]), teacher_hidden[t])
where proj_k is its own Linear(student_hidden -> teacher_hidden) with bias; all weights 1.
Adam(lr=1e-4) over student + projection parameters; the teacher is frozen.

Analytic FLOPs of one full step (multiply-add = 2 flops; embeddings, LayerNorm, softmax, GELU, losses and
the optimizer are not counted):
  layer(B, L, H, F) = 2*B*L*(4*H*H + 2*H*F) + 4*B*L*L*H           (Q, K, V, O and FFN matmuls; QK^T and PV)
  head(B, H, C)     = 2*B*H*H + 2*B*H*C                           (pooler + classifier)
  step = layers_t * layer(B, L, Ht, Ft) + head(B, Ht, C)                      teacher forward
       + 3 * (layers_s * layer(B, L, Hs, Fs) + head(B, Hs, C))                student forward + backward
       + n_matches * 3 * 2*B*L*Hs*Ht                                          projections forward + backward
For the defaults: teacher ~45.9, student ~31.4, projections ~4.8, total ~82.1 GFLOP.

Run from the repository root with Debian's Python (python3-torch, OpenBLAS):
  /usr/bin/python3 tools/bench/bench_torch.py                      # the standard benchmark
  /usr/bin/python3 tools/bench/bench_torch.py --teacher-layers 2 --teacher-hidden 64 --teacher-heads 2 \
      --teacher-ffn 128 --student-layers 1 --student-hidden 32 --student-heads 2 --student-ffn 64 \
      --vocab 100 --seq 16 --batch 4 --steps 3 --matches 0:0,2:1                 # a quick smoke run
"""
import argparse
import math
import os
import statistics
import sys
import time


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    a = p.add_argument
    a("--teacher-layers", type=int, default=6)
    a("--teacher-hidden", type=int, default=384)
    a("--teacher-heads", type=int, default=6)
    a("--teacher-ffn", type=int, default=1536)
    a("--student-layers", type=int, default=3)
    a("--student-hidden", type=int, default=256)
    a("--student-heads", type=int, default=4)
    a("--student-ffn", type=int, default=1024)
    a("--vocab", type=int, default=8000)
    a("--positions", type=int, default=128)
    a("--labels", type=int, default=2)
    a("--batch", type=int, default=16)
    a("--seq", type=int, default=128)
    a("--warmup", type=int, default=3)
    a("--steps", type=int, default=30)
    a("--threads", type=int, default=2)
    a("--matches", default="0:0,2:1,4:2,6:3", help="teacher_layer:student_layer pairs for hidden_mse")
    a("--seed", type=int, default=1)
    a("--allow-other-blas", action="store_true",
      help="run even if torch's BLAS is not OpenBLAS (figures then not comparable; the reference BLAS is far slower)")
    args = p.parse_args(argv)
    try:
        args.match_pairs = [tuple(int(x) for x in m.split(":")) for m in args.matches.split(",") if m.strip()]
        assert all(len(m) == 2 for m in args.match_pairs)
    except (ValueError, AssertionError):
        p.error("--matches must look like 0:0,2:1,4:2,6:3")
    for t, s in args.match_pairs:
        if not (0 <= t <= args.teacher_layers and 0 <= s <= args.student_layers):
            p.error("match %d:%d out of range (teacher 0..%d, student 0..%d)"
                    % (t, s, args.teacher_layers, args.student_layers))
    if args.seq > args.positions:
        p.error("--seq must not exceed --positions")
    if args.teacher_hidden % args.teacher_heads or args.student_hidden % args.student_heads:
        p.error("hidden size must be divisible by the number of heads")
    if args.steps < 1 or args.warmup < 0 or args.threads < 1:
        p.error("need --steps >= 1, --warmup >= 0, --threads >= 1")
    return args


ARGS = parse_args() if __name__ == "__main__" else None
if ARGS is not None:
    # The Debian build reaches OpenBLAS through libblas.so.3, and torch.set_num_threads does not reach OpenBLAS's
    # own pool in that case: fix both pools before torch (and with it OpenBLAS) is loaded.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(ARGS.threads)

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

LN_EPS = 1e-12
TEMPERATURE = 8.0
LR = 1e-4


# ---------------------------------------------------------------------------
# BERT (no dropout modules at all; eval() semantics throughout)
# ---------------------------------------------------------------------------

class Layer(nn.Module):
    def __init__(self, hidden, heads, ffn):
        super().__init__()
        self.heads, self.head_dim = heads, hidden // heads
        self.query, self.key, self.value = nn.Linear(hidden, hidden), nn.Linear(hidden, hidden), nn.Linear(hidden, hidden)
        self.attn_out = nn.Linear(hidden, hidden)
        self.attn_norm = nn.LayerNorm(hidden, eps=LN_EPS)
        self.inter = nn.Linear(hidden, ffn)
        self.out = nn.Linear(ffn, hidden)
        self.out_norm = nn.LayerNorm(hidden, eps=LN_EPS)

    def forward(self, h, additive_mask):
        B, L, D = h.shape

        def split(t):
            return t.view(B, L, self.heads, self.head_dim).permute(0, 2, 1, 3)

        q, k, v = split(self.query(h)), split(self.key(h)), split(self.value(h))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_dim) + additive_mask
        probs = torch.softmax(scores, dim=-1)
        context = torch.matmul(probs, v).permute(0, 2, 1, 3).reshape(B, L, D)
        h = self.attn_norm(self.attn_out(context) + h)
        inner = F.gelu(self.inter(h))  # exact erf GELU (approximate='none')
        return self.out_norm(self.out(inner) + h)


class Bert(nn.Module):
    def __init__(self, vocab, positions, hidden, layers, heads, ffn, labels, type_vocab=2):
        super().__init__()
        self.word = nn.Embedding(vocab, hidden)
        self.position = nn.Embedding(positions, hidden)
        self.token_type = nn.Embedding(type_vocab, hidden)
        self.emb_norm = nn.LayerNorm(hidden, eps=LN_EPS)
        self.layers = nn.ModuleList(Layer(hidden, heads, ffn) for _ in range(layers))
        self.pooler = nn.Linear(hidden, hidden)
        self.classifier = nn.Linear(hidden, labels)
        for m in self.modules():  # BERT's initializer (normal 0.02, zero biases, unit LayerNorm)
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, std=0.02)
            if isinstance(m, nn.Linear):
                nn.init.zeros_(m.bias)

    def forward(self, input_ids, token_type_ids, attention_mask):
        """Returns (logits, hidden) with hidden[0] = embedding output and hidden[i] = output of layer i."""
        L = input_ids.shape[1]
        h = self.word(input_ids) + self.position.weight[:L][None, :, :] + self.token_type(token_type_ids)
        h = self.emb_norm(h)
        additive = (1.0 - attention_mask.to(h.dtype))[:, None, None, :] * -10000.0
        hidden = [h]
        for layer in self.layers:
            h = layer(h, additive)
            hidden.append(h)
        pooled = torch.tanh(self.pooler(h[:, 0]))
        return self.classifier(pooled), hidden


def kd_ce_loss(logits_s, logits_t, temperature):
    """TextBrewer's kd_ce_loss: cross entropy against the teacher's softened distribution, no T^2 factor."""
    p_t = F.softmax(logits_t / temperature, dim=-1)
    return -(p_t * F.log_softmax(logits_s / temperature, dim=-1)).sum(dim=-1).mean()


def distill_loss(student, projections, matches, batch, t_logits, t_matched):
    """t_matched[k] is the teacher hidden state of matches[k]."""
    input_ids, token_type_ids, attention_mask, labels = batch
    s_logits, s_hidden = student(input_ids, token_type_ids, attention_mask)
    loss = kd_ce_loss(s_logits, t_logits, TEMPERATURE) + F.cross_entropy(s_logits, labels)
    for proj, (_, s), t_h in zip(projections, matches, t_matched):
        loss = loss + F.mse_loss(proj(s_hidden[s]), t_h)
    return loss


def teacher_targets(teacher, matches, batch):
    input_ids, token_type_ids, attention_mask, _ = batch
    with torch.no_grad():
        t_logits, t_hidden = teacher(input_ids, token_type_ids, attention_mask)
    return t_logits, [t_hidden[t] for t, _ in matches]


# ---------------------------------------------------------------------------
# FLOPs and timing
# ---------------------------------------------------------------------------

def layer_flops(B, L, H, Fd):
    return 2 * B * L * (4 * H * H + 2 * H * Fd) + 4 * B * L * L * H


def head_flops(B, H, C):
    return 2 * B * H * H + 2 * B * H * C


def step_flops(a):
    B, L, C = a.batch, a.seq, a.labels
    teacher = a.teacher_layers * layer_flops(B, L, a.teacher_hidden, a.teacher_ffn) + head_flops(B, a.teacher_hidden, C)
    student = 3 * (a.student_layers * layer_flops(B, L, a.student_hidden, a.student_ffn)
                   + head_flops(B, a.student_hidden, C))
    projections = len(a.match_pairs) * 3 * 2 * B * L * a.student_hidden * a.teacher_hidden
    return teacher, student, projections


def timed(name, fn, warmup, steps):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    log("%-18s median %.4f s  (min %.4f, max %.4f, %d timed after %d warm-up)"
        % (name, med, min(times), max(times), steps, warmup))
    return med


def check_blas(allow_other=False):
    config = torch.__config__.show()
    info = [part.strip() for part in config.replace("\n", ",").split(",") if "BLAS_INFO" in part]
    a = torch.randn(64, 64)
    torch.mm(a, a)  # make sure the BLAS library is loaded
    try:
        with open("/proc/self/maps") as f:
            libs = sorted({line.split()[-1] for line in f if "blas" in line.lower()})
    except OSError:
        libs = []
    openblas = "openblas" in config.lower() or any("openblas" in lib.lower() for lib in libs)
    log("torch.__config__.show(): %s" % (", ".join(info) or "no BLAS_INFO line"))
    log("BLAS libraries mapped: %s" % (", ".join(libs) or "none found"))
    log("BLAS is OpenBLAS: %s" % ("yes" if openblas else "NO - figures are not comparable with the standard run"))
    if not openblas and not allow_other:
        # Debian's python3-torch takes whichever libblas.so.3 is installed; without OpenBLAS that is the reference
        # BLAS, which ran a BERT-base-sized step for many minutes. Stop before any model is built.
        log("error: torch's BLAS is not OpenBLAS (mapped: %s); install it with 'apt-get install libopenblas0-pthread' "
            "(Debian points libblas.so.3 at it), or pass --allow-other-blas" % (", ".join(libs) or "none found"))
        sys.exit(2)
    return openblas


def vm_hwm_mib():
    """Peak resident set of this process (Linux /proc), in MiB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0  # kB
    raise RuntimeError("no VmHWM in /proc/self/status")


def main(a):
    torch.set_num_threads(a.threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError as e:
        log("set_num_interop_threads(1) not allowed: %s" % e)
    log("torch %s, intra-op threads %d, inter-op threads %d, OPENBLAS_NUM_THREADS=%s"
        % (torch.__version__, torch.get_num_threads(), torch.get_num_interop_threads(),
           os.environ.get("OPENBLAS_NUM_THREADS")))
    check_blas(a.allow_other_blas)
    torch.manual_seed(a.seed)

    teacher = Bert(a.vocab, a.positions, a.teacher_hidden, a.teacher_layers, a.teacher_heads, a.teacher_ffn, a.labels)
    student = Bert(a.vocab, a.positions, a.student_hidden, a.student_layers, a.student_heads, a.student_ffn, a.labels)
    projections = nn.ModuleList(nn.Linear(a.student_hidden, a.teacher_hidden) for _ in a.match_pairs)
    teacher.eval().requires_grad_(False)
    student.train()  # no dropout anywhere, so train() and eval() compute the same thing
    params = list(student.parameters()) + list(projections.parameters())
    optimizer = torch.optim.Adam(params, lr=LR)
    log("teacher %.2fM parameters, student %.2fM, projections %.2fM"
        % tuple(sum(p.numel() for p in m.parameters()) / 1e6 for m in (teacher, student, projections)))

    B, L = a.batch, a.seq
    batch = (torch.randint(0, a.vocab, (B, L)),
             torch.zeros(B, L, dtype=torch.long),
             torch.ones(B, L, dtype=torch.long),
             torch.arange(B) % 2)
    matches = a.match_pairs

    # Cached teacher outputs, and a consistency check: the loss from cached targets equals the loss from a live
    # teacher forward for the same student state.
    cached_logits, cached_matched = teacher_targets(teacher, matches, batch)
    with torch.no_grad():
        cached_loss0 = distill_loss(student, projections, matches, batch, cached_logits, cached_matched).item()

    losses = []

    def full_step():
        t_logits, t_matched = teacher_targets(teacher, matches, batch)
        loss = distill_loss(student, projections, matches, batch, t_logits, t_matched)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())

    def cached_step():
        loss = distill_loss(student, projections, matches, batch, cached_logits, cached_matched)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())

    def inference(model):
        def run():
            with torch.no_grad():
                model(batch[0], batch[1], batch[2])[0]
        return run

    full_s = timed("full step", full_step, a.warmup, a.steps)
    if abs(losses[0] - cached_loss0) > 1e-4 * max(1.0, abs(cached_loss0)):
        log("WARNING: first full-step loss %.6f differs from the cached-teacher loss %.6f" % (losses[0], cached_loss0))
    cached_s = timed("cached step", cached_step, a.warmup, a.steps)
    student_s = timed("student inference", inference(student), a.warmup, a.steps)
    teacher_s = timed("teacher inference", inference(teacher), a.warmup, a.steps)
    peak_rss_mib = vm_hwm_mib()

    if not all(math.isfinite(x) for x in losses):
        log("ERROR: non-finite loss: %s" % losses)
        return 1
    log("loss on the fixed batch: first %.6f, last %.6f over %d updates (%s)"
        % (losses[0], losses[-1], len(losses), "decreasing" if losses[-1] < losses[0] else "NOT decreasing"))

    n = 4096
    x, y = torch.randn(n, n), torch.randn(n, n)
    sgemm_s = timed("sgemm 4096", lambda: torch.mm(x, y), 1, 5)
    del x, y

    t_f, s_f, p_f = step_flops(a)
    step_gflop = (t_f + s_f + p_f) / 1e9
    log("step GFLOP: teacher %.2f, student %.2f, projections %.2f" % (t_f / 1e9, s_f / 1e9, p_f / 1e9))

    print("torch_version %s" % torch.__version__)
    print("threads %d" % a.threads)
    print("full_step_samples_per_s %.3f" % (B / full_s))
    print("cached_step_samples_per_s %.3f" % (B / cached_s))
    print("student_inference_samples_per_s %.3f" % (B / student_s))
    print("teacher_inference_samples_per_s %.3f" % (B / teacher_s))
    print("peak_rss_mib %.1f" % peak_rss_mib)
    print("step_gflop %.3f" % step_gflop)
    print("achieved_gflops %.2f" % (step_gflop / full_s))
    print("sgemm_ceiling_gflops %.2f" % (2.0 * n ** 3 / sgemm_s / 1e9))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(ARGS))
