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

export JAVA_OPTS="${JAVA_OPTS:--Xmx2g}"
if [[ "${SKIP_BUILD:-0}" != "1" ]]; then
    export REBUILD=1
fi
exec "$root/bin/java-main" "$main" "$@"
