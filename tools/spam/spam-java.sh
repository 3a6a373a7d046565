#!/usr/bin/env bash
# Builds distill-examples (unless SKIP_BUILD=1) and runs one of the spam data mains with the given arguments:
#
#   tools/spam/spam-java.sh PrepareSpamData [--out DIR] [--cache DIR] [--max-chars N]
#   tools/spam/spam-java.sh SpamSubsetBuilder --from DIR --out DIR [--train N] [--dev N] [--test N] [--max-chars N]
#
# The class name is relative to org.distill4j.examples.spam. See tools/spam/README.md.
# Environment: MVN_ARGS extra Maven arguments (e.g. -o), JAVA_OPTS JVM options (default -Xmx2g), SKIP_BUILD=1.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

if [[ $# -lt 1 ]]; then
    sed -n '2,8p' "${BASH_SOURCE[0]}" >&2
    exit 2
fi
main="org.distill4j.examples.spam.$1"
shift

mvn_args=(-B -q ${MVN_ARGS:-})
cp_file="distill-examples/target/spam-classpath.txt"
if [[ "${SKIP_BUILD:-0}" != "1" || ! -s "$cp_file" ]]; then
    echo "# building (mvn install -pl distill-examples -am -DskipTests)" >&2
    mvn "${mvn_args[@]}" -pl distill-examples -am install -DskipTests >&2
    mvn "${mvn_args[@]}" -pl distill-examples dependency:build-classpath \
        -Dmdep.includeScope=runtime -Dmdep.outputFile="$root/$cp_file" >&2
fi

# Our own modules come from target/classes, so drop their jars from the dependency classpath.
deps="$(tr ':' '\n' < "$cp_file" | grep -v '/org/distill4j/' | paste -sd: -)"
classes="distill-examples/target/classes:distill-bert/target/classes:distill-core/target/classes"

# shellcheck disable=SC2086
exec java ${JAVA_OPTS:--Xmx2g} -cp "$classes:$deps" "$main" "$@"
