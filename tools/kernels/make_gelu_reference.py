#!/usr/bin/python3
"""Reference values of BERT's exact GELU and its derivative for GeluKernelTest (distill-core).

PyTorch in float64: gelu(x) = torch.nn.functional.gelu(x) (approximate='none', x * Phi(x) with erf), and its
derivative by autograd, at every multiple of 1/64 on [-10, 10] (exactly representable in float32, so the Java test
feeds the same x) and at a few points between. Writes
distill-core/src/test/resources/golden/gelu.json: {"x": [...], "gelu": [...], "derivative": [...]}.

Run from the repository root with Debian's python3-torch:  /usr/bin/python3 tools/kernels/make_gelu_reference.py
The output is deterministic (no random numbers).
"""
import json
import torch

xs = [i / 64.0 for i in range(-640, 641)]
xs += [1e-6, -1e-6, 0.3333333432674408, -2.718281745910645, 5.999, -5.999, 6.001, -6.001, 40.0, -40.0]
x = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
y = torch.nn.functional.gelu(x)
(dy,) = torch.autograd.grad(y.sum(), x)
out = {
    "source": "torch " + torch.__version__ + ", float64, torch.nn.functional.gelu (exact, erf) and autograd",
    "x": xs,
    "gelu": [float(v) for v in y.detach()],
    "derivative": [float(v) for v in dy],
}
with open("distill-core/src/test/resources/golden/gelu.json", "w") as f:
    json.dump(out, f, indent=0)
    f.write("\n")
print("wrote", len(xs), "points")
