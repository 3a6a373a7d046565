#!/usr/bin/env python3
"""Fits the float32 erf of distill-core's ErfKernel: erf(x) ~= x P(x^2) / Q(x^2) on |x| <= 4, clamped to [-1, 1].

Beyond |x| = 4, erf(x) rounds to +-1 in float32 (1 - erf(4) = 1.5e-8), so the kernel clamps x to [-4, 4] first.
P has degree 6 and Q degree 4 in t = x^2 (Q's constant term 1): a linearised weighted least-squares fit of
erf(x)/x (Sanathanan-Koerner iterations) with Lawson reweighting towards the smallest largest error, against
Python's math.erf (double precision) on a dense grid. The coefficients are then rounded to float32 and the
approximation is evaluated in float32 exactly as the Java kernel does (Horner's rule, one division), and the
largest absolute error against math.erf over a finer grid is printed with the Java constants.

Needs Debian's python3-numpy. Run: python3 tools/kernels/erf_rational_fit.py
"""
import math

import numpy as np

NP, NQ = 7, 5           # coefficients of P (degrees 0..6) and Q (degrees 0..4)
CLAMP = 4.0
SCALE = CLAMP * CLAMP   # fit in t / 16 (in [0, 1]) for conditioning; converted back at the end


def fit():
    xs = np.linspace(0.0, CLAMP, 40001)[1:]
    t = xs * xs / SCALE
    f = np.array([math.erf(x) / x for x in xs])
    weights = np.ones_like(t)
    lawson = np.ones_like(t)
    best = None
    for _ in range(200):
        a = np.hstack([np.vander(t, NP, increasing=True),
                       -(f[:, None] * np.vander(t, NQ, increasing=True)[:, 1:])])
        w = weights * lawson
        coef, *_ = np.linalg.lstsq(a * w[:, None], f * w, rcond=None)
        p = coef[:NP]
        q = np.concatenate([[1.0], coef[NP:]])
        qv = np.polyval(q[::-1], t)
        err = xs * (np.polyval(p[::-1], t) / qv - f)
        worst = np.abs(err).max()
        if best is None or worst < best[0]:
            best = (worst, p.copy(), q.copy())
        weights = 1.0 / np.abs(qv)
        lawson = lawson * np.abs(err) / np.abs(err).mean() + 1e-300
        lawson /= lawson.mean()
    worst, p, q = best
    return worst, p / SCALE ** np.arange(NP), q / SCALE ** np.arange(NQ)


def evaluate_float32(p, q, x):
    """The Java kernel's arithmetic: clamp, t = x*x, Horner for P and Q, x*P/Q, clamp to [-1, 1]."""
    x = np.clip(x.astype(np.float32), np.float32(-CLAMP), np.float32(CLAMP))
    t = x * x
    pv = np.zeros_like(t)
    for c in p[::-1]:
        pv = pv * t + c
    qv = np.zeros_like(t)
    for c in q[::-1]:
        qv = qv * t + c
    return np.clip(x * pv / qv, np.float32(-1), np.float32(1))


def main():
    worst_double, p, q = fit()
    p32, q32 = p.astype(np.float32), q.astype(np.float32)
    x = np.linspace(-6.0, 6.0, 1200001).astype(np.float32)
    y = evaluate_float32(p32, q32, x).astype(np.float64)
    ref = np.array([math.erf(float(v)) for v in x])
    err = np.abs(y - ref)
    print("# largest error of the fit in double precision: %.3g" % worst_double)
    print("# largest absolute error in float32 on [-6, 6]: %.3g at x = %.7g" % (err.max(), x[err.argmax()]))
    for i, c in enumerate(p32):
        print("    private static final float P%d = %.9ef;" % (i, c))
    for i, c in enumerate(q32):
        print("    private static final float Q%d = %.9ef;" % (i, c))


if __name__ == "__main__":
    main()
