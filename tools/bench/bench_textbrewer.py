#!/usr/bin/env python3
"""The standard benchmark's full distillation step run by TextBrewer's own GeneralDistiller (the peer, unmodified).

bench_torch.py times a lean script of the step; this times the same models, data, losses and update driven by
TextBrewer's training loop, so that the peer's figure in /work/shared/bench/README.md (about 11 samples/s) can be
measured side by side instead of quoted. TextBrewer is not packaged for Debian and is not part of this repository:
pass a checkout of its source (https://github.com/airaria/TextBrewer; the directory holding src/textbrewer, or the
package directory itself) with --textbrewer. It needs Debian's python3-torch and python3-tqdm.

What runs (TextBrewer 0.2.1 semantics, as its README's GeneralDistiller example):
  distiller = GeneralDistiller(TrainingConfig(device='cpu', ckpt_steps=n), DistillationConfig(temperature=8,
      kd_loss_type='ce', kd_loss_weight=1, hard_label_weight=1, intermediate_matches=[{layer_T: t, layer_S: s,
      feature: 'hidden', loss: 'hidden_mse', weight: 1, proj: ['linear', student_hidden, teacher_hidden]} ...]),
      model_T=teacher, model_S=student, adaptor_T, adaptor_S)
  with distiller: distiller.train(Adam(student.parameters(), lr=1e-4), batches, num_steps=n)
The models are bench_torch.py's (same seed, so the same teacher and student weights); the student also returns its
cross-entropy loss, which TextBrewer adds as the hard-label term ('losses'); the adaptors return 'logits', 'hidden'
and, for the student, 'losses' (no 'inputs_mask', so hidden_mse is plain mean squared error, as in bench_torch.py).
TextBrewer builds and initialises the four projections itself and adds them to the optimizer.

A step is timed from one batch being taken from the data iterator to the next (train_on_batch, backward, Adam,
zero_grad and TextBrewer's bookkeeping, its progress bar included); the median of --steps after --warmup. The
checkpoint TextBrewer writes after the last step goes to a temporary folder and is outside the timed steps.

Prints `key value` lines on stdout (logging on stderr):
  version                   TextBrewer's __version__
  full_step_samples_per_s   batch / median seconds of a step
  first_loss, last_loss     the total loss of the first and last step (the first is checked against bench_torch.py's
                            formula; the run fails if they differ)

  /usr/bin/python3 tools/bench/bench_textbrewer.py --textbrewer /path/to/TextBrewer [bench_torch.py's size options]
"""
import os
import sys


def split_argv(argv):
    """Takes --textbrewer PATH (or --textbrewer=PATH) out of argv; the rest are bench_torch.py's options."""
    rest, path, i = [], None, 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--textbrewer":
            if i + 1 >= len(argv):
                sys.exit("--textbrewer needs a path to a TextBrewer source checkout")
            path, i = argv[i + 1], i + 2
            continue
        if arg.startswith("--textbrewer="):
            path = arg.split("=", 1)[1]
        else:
            rest.append(arg)
        i += 1
    if not path:
        sys.exit("--textbrewer PATH is required: a checkout of https://github.com/airaria/TextBrewer")
    return path, rest


def textbrewer_package_parent(path):
    """The directory to put on sys.path: PATH/src (a checkout), PATH (holding textbrewer/) or PATH/.. (the package)."""
    for candidate in (os.path.join(path, "src"), path, os.path.dirname(os.path.abspath(path))):
        if os.path.isfile(os.path.join(candidate, "textbrewer", "__init__.py")):
            return candidate
    sys.exit("--textbrewer %s: no textbrewer/__init__.py in %s/src, %s or its parent (expected a checkout of "
             "https://github.com/airaria/TextBrewer)" % (path, path, path))


def threads_option(argv):
    """--threads as bench_torch.py reads it (default 2), needed before torch (imported by bench_torch) loads."""
    import argparse
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--threads", type=int, default=2)
    return p.parse_known_args(argv)[0].threads


TB_PATH, REST = split_argv(sys.argv[1:]) if __name__ == "__main__" else (None, None)
if REST is not None:
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads_option(REST))  # before torch loads OpenBLAS, as in bench_torch.py
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_torch  # noqa: E402  (defines its models and helpers; runs nothing when imported)

ARGS = bench_torch.parse_args(REST) if REST is not None else None

import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import types  # noqa: E402

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402


def import_textbrewer(path):
    sys.path.insert(0, textbrewer_package_parent(path))
    try:
        import tqdm  # noqa: F401
    except ImportError:
        sys.exit("TextBrewer imports tqdm, which %s lacks: apt-get install python3-tqdm" % sys.executable)
    try:
        import tensorboardX  # noqa: F401
    except ImportError:
        try:
            import torch.utils.tensorboard  # noqa: F401
        except ImportError:
            # TextBrewer imports SummaryWriter at module level but uses it only with TrainingConfig(log_dir=...);
            # this run sets no log_dir, so an unused stand-in lets it import without the tensorboard package.
            sys.modules["tensorboardX"] = types.SimpleNamespace(SummaryWriter=None)
    import textbrewer
    return textbrewer


class StudentWithLoss(nn.Module):
    """bench_torch.Bert plus the hard-label cross-entropy, which TextBrewer takes from the student's outputs."""

    def __init__(self, bert):
        super().__init__()
        self.bert = bert

    def forward(self, input_ids, token_type_ids, attention_mask, labels):
        logits, hidden = self.bert(input_ids, token_type_ids, attention_mask)
        return logits, hidden, F.cross_entropy(logits, labels)


class TeacherForward(nn.Module):
    def __init__(self, bert):
        super().__init__()
        self.bert = bert

    def forward(self, input_ids, token_type_ids, attention_mask, labels):
        return self.bert(input_ids, token_type_ids, attention_mask)


def adaptor_teacher(batch, outputs):
    return {"logits": outputs[0], "hidden": outputs[1]}


def adaptor_student(batch, outputs):
    return {"logits": outputs[0], "hidden": outputs[1], "losses": outputs[2]}


class TimedBatches:
    """The same batch n times; records when each is handed out (the step boundaries of TextBrewer's loop)."""

    def __init__(self, batch, n):
        self.batch, self.n, self.times = batch, n, []

    def __iter__(self):
        for _ in range(self.n):
            self.times.append(time.perf_counter())
            yield self.batch


def main(a, tb_path):
    textbrewer = import_textbrewer(tb_path)
    torch.set_num_threads(a.threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError as e:
        bench_torch.log("set_num_interop_threads(1) not allowed: %s" % e)
    bench_torch.log("TextBrewer %s from %s, torch %s, intra-op threads %d"
                    % (textbrewer.__version__, os.path.dirname(textbrewer.__file__), torch.__version__,
                       torch.get_num_threads()))
    bench_torch.check_blas(a.allow_other_blas)
    torch.manual_seed(a.seed)  # same construction order as bench_torch.main: the same teacher and student weights
    teacher = bench_torch.Bert(a.vocab, a.positions, a.teacher_hidden, a.teacher_layers, a.teacher_heads,
                               a.teacher_ffn, a.labels)
    student = bench_torch.Bert(a.vocab, a.positions, a.student_hidden, a.student_layers, a.student_heads,
                               a.student_ffn, a.labels)
    teacher.requires_grad_(False)
    model_t, model_s = TeacherForward(teacher), StudentWithLoss(student)

    B, L = a.batch, a.seq
    batch = {"input_ids": torch.randint(0, a.vocab, (B, L)),
             "token_type_ids": torch.zeros(B, L, dtype=torch.long),
             "attention_mask": torch.ones(B, L, dtype=torch.long),
             "labels": torch.arange(B) % 2}

    n = a.warmup + a.steps + 1  # the last step's end is the end of training, where TextBrewer saves a checkpoint
    matches = [{"layer_T": t, "layer_S": s, "feature": "hidden", "loss": "hidden_mse", "weight": 1,
                "proj": ["linear", a.student_hidden, a.teacher_hidden]} for t, s in a.match_pairs]
    distill_config = textbrewer.DistillationConfig(temperature=bench_torch.TEMPERATURE, kd_loss_type="ce",
                                                   kd_loss_weight=1, hard_label_weight=1,
                                                   intermediate_matches=matches)
    losses = []
    with tempfile.TemporaryDirectory(prefix="bench-textbrewer-") as out:
        train_config = textbrewer.TrainingConfig(device="cpu", output_dir=out, ckpt_steps=n)
        distiller = textbrewer.GeneralDistiller(train_config, distill_config, model_t, model_s,
                                                adaptor_teacher, adaptor_student)
        compute_loss = distiller.compute_loss

        def recording_compute_loss(results_s, results_t):
            total, parts = compute_loss(results_s, results_t)
            losses.append(float(total))  # .item() as TextBrewer's own write_loss does with a log_dir
            return total, parts

        distiller.compute_loss = recording_compute_loss
        # The loss TextBrewer will compute at its first step, from bench_torch.py's formula with TextBrewer's own
        # projections: checks that the peer runs the same step as the reference script.
        as_tuple = (batch["input_ids"], batch["token_type_ids"], batch["attention_mask"], batch["labels"])
        with torch.no_grad():
            reference_loss0 = bench_torch.distill_loss(student, distiller.projs, a.match_pairs, as_tuple,
                                                       *bench_torch.teacher_targets(teacher, a.match_pairs, as_tuple)).item()
        optimizer = torch.optim.Adam(student.parameters(), lr=bench_torch.LR)
        batches = TimedBatches(batch, n)
        with distiller:
            distiller.train(optimizer, batches, num_steps=n)
    step_times = [t1 - t0 for t0, t1 in zip(batches.times, batches.times[1:])][a.warmup:]
    if len(step_times) != a.steps or len(losses) != n:
        bench_torch.log("ERROR: expected %d timed steps and %d losses, got %d and %d"
                        % (a.steps, n, len(step_times), len(losses)))
        return 1
    if abs(losses[0] - reference_loss0) > 1e-4 * max(1.0, abs(reference_loss0)):
        bench_torch.log("ERROR: TextBrewer's first loss %.6f differs from bench_torch.py's formula %.6f: not the same "
                        "step" % (losses[0], reference_loss0))
        return 1
    bench_torch.log("first loss %.6f equals bench_torch.py's formula (%.6f) with TextBrewer's projections"
                    % (losses[0], reference_loss0))
    median = statistics.median(step_times)
    bench_torch.log("textbrewer full step median %.4f s  (min %.4f, max %.4f, %d timed after %d warm-up)"
                    % (median, min(step_times), max(step_times), a.steps, a.warmup))
    if not all(x == x and abs(x) != float("inf") for x in losses):
        bench_torch.log("ERROR: non-finite loss: %s" % losses)
        return 1
    bench_torch.log("loss on the fixed batch: first %.6f, last %.6f over %d updates (%s)"
                    % (losses[0], losses[-1], len(losses), "decreasing" if losses[-1] < losses[0] else "NOT decreasing"))
    print("version %s" % textbrewer.__version__)
    print("full_step_samples_per_s %.3f" % (B / median))
    print("first_loss %.6f" % losses[0])
    print("last_loss %.6f" % losses[-1])
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(ARGS, TB_PATH))
