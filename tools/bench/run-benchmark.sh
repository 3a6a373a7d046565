#!/usr/bin/env bash
# Builds Distill4j and runs the standard distillation benchmark (org.distill4j.examples.bench.DistillBenchmark),
# then, unless --torch none, the PyTorch reference tools/bench/bench_torch.py with the same sizes.
#
#   tools/bench/run-benchmark.sh [--key=value | --key value]...     e.g. --steps 20 --torch none
#
# Results go to stdout as "key value" lines; progress and logging go to stderr. See tools/bench/RUNNING.md.
# Environment:
#   OMP_NUM_THREADS  threads for ND4J (and, through --threads, for PyTorch); default 2
#   JAVA_OPTS        JVM options; default -Xmx8g plus JavaCPP limits (maxbytes 4G, maxphysicalbytes 10G): a backstop,
#                    as ND4J frees its native buffers only when the garbage collector runs (the training loop collects
#                    after updates); 10G leaves room for the cached run's memory check, which counts the full run's
#                    freed-but-resident memory as held (with 6G it refused the run now and then)
#   MVN_ARGS         extra Maven arguments, e.g. -o for an offline build
#   SKIP_BUILD=1     reuse the existing target/classes and classpath file
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"   # idle OpenMP threads sleep: see README, Speed
export OPENBLAS_THREAD_TIMEOUT="${OPENBLAS_THREAD_TIMEOUT:-4}"   # idle OpenBLAS threads too (both sides' OpenBLAS)
export JAVA_OPTS="${JAVA_OPTS:--Xmx8g -Dorg.bytedeco.javacpp.maxbytes=4G -Dorg.bytedeco.javacpp.maxphysicalbytes=10G}"
if [[ "${SKIP_BUILD:-0}" != "1" ]]; then
    export REBUILD=1
fi
echo "# OMP_NUM_THREADS=$OMP_NUM_THREADS java $JAVA_OPTS" >&2
exec "$root/bin/java-main" org.distill4j.examples.bench.DistillBenchmark "$@"
