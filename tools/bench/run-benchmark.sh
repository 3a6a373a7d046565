#!/usr/bin/env bash
# Builds Distill4j and runs the standard distillation benchmark (org.distill4j.examples.bench.DistillBenchmark),
# then, unless --torch none, the PyTorch reference tools/bench/bench_torch.py with the same sizes.
#
#   tools/bench/run-benchmark.sh [--key=value | --key value]...     e.g. --steps 20 --torch none
#
# Results go to stdout as "key value" lines; progress and logging go to stderr. See tools/bench/RUNNING.md.
# Environment:
#   OMP_NUM_THREADS  threads for ND4J (and, through --threads, for PyTorch); default 2
#   JAVA_OPTS        JVM options; default -Xmx8g plus JavaCPP limits (maxbytes 4G, maxphysicalbytes 6G): ND4J frees its
#                    native buffers only when the garbage collector runs, and without a limit the resident size grew
#                    by about 1.6 GiB per standard step until the kernel killed the JVM at 24 GiB
#   MVN_ARGS         extra Maven arguments, e.g. -o for an offline build
#   SKIP_BUILD=1     reuse the existing target/classes and classpath file
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"
java_opts="${JAVA_OPTS:--Xmx8g -Dorg.bytedeco.javacpp.maxbytes=4G -Dorg.bytedeco.javacpp.maxphysicalbytes=6G}"
mvn_args=(-B -q ${MVN_ARGS:-})
cp_file="distill-examples/target/bench-classpath.txt"

if [[ "${SKIP_BUILD:-0}" != "1" || ! -s "$cp_file" ]]; then
    echo "# building (mvn install -pl distill-examples -am -DskipTests)" >&2
    mvn "${mvn_args[@]}" -pl distill-examples -am install -DskipTests >&2
    mvn "${mvn_args[@]}" -pl distill-examples dependency:build-classpath \
        -Dmdep.includeScope=runtime -Dmdep.outputFile="$root/$cp_file" >&2
fi

# Our own modules come from target/classes, so drop their jars from the dependency classpath.
deps="$(tr ':' '\n' < "$cp_file" | grep -v '/org/distill4j/' | paste -sd: -)"
classes="distill-examples/target/classes:distill-bert/target/classes:distill-core/target/classes"

echo "# OMP_NUM_THREADS=$OMP_NUM_THREADS java $java_opts" >&2
# shellcheck disable=SC2086
exec java $java_opts -cp "$classes:$deps" org.distill4j.examples.bench.DistillBenchmark "$@"
