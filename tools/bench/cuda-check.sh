#!/usr/bin/env bash
# The CUDA check of issue #4, in one script for a machine with an NVIDIA GPU (and Maven Central reachable, or a
# ~/.m2 that already holds the -Pcuda artifacts). It prints, in order:
#   1. the GPU and driver (nvidia-smi);
#   2. the -Pcuda build and the core and BERT tests on the GPU (skipped automatically where no device exists);
#   3. the standard benchmark on the CUDA backend (tools/bench/run-benchmark.sh, PyTorch reference off: Debian's
#      torch is CPU-only);
#   4. a short end-to-end distillation: the quickstart on the CUDA backend.
# Usage: tools/bench/cuda-check.sh [--redist]      (--redist adds JavaCPP's CUDA 11.6 / cuDNN 8.3 runtime jars,
#        several GB, for machines without a CUDA 11.x toolkit; nd4j-cuda-11.6 needs those libraries)
# Exit status: 0 when every part passed; the first failing part's status otherwise (its output says why).
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
profiles="cuda"
if [[ "${1:-}" == "--redist" ]]; then
    profiles="cuda,cuda-redist"
fi
mvn_args=(-B -q ${MVN_ARGS:-} -P"$profiles")

section() { printf '\n===== %s =====\n' "$*"; }

section "GPU"
if ! command -v nvidia-smi >/dev/null || ! nvidia-smi; then
    echo "no NVIDIA GPU here (nvidia-smi missing or failing): nothing to check" >&2
    exit 3
fi

section "build and tests with -P$profiles"
start=$(date +%s)
if ! mvn "${mvn_args[@]}" -DskipTests=false install; then
    echo "the -P$profiles build or its tests failed (see above)" >&2
    exit 4
fi
echo "build and tests: $(( $(date +%s) - start )) s"

section "standard benchmark on CUDA"
if ! MVN_ARGS="${MVN_ARGS:-} -P$profiles" SKIP_BUILD=0 tools/bench/run-benchmark.sh --torch none; then
    echo "the benchmark failed (see above)" >&2
    exit 5
fi

section "end-to-end distillation (quickstart) on CUDA"
start=$(date +%s)
if ! mvn "${mvn_args[@]}" -pl distill-examples exec:java; then
    echo "the quickstart failed (see above)" >&2
    exit 6
fi
echo "quickstart: $(( $(date +%s) - start )) s"
