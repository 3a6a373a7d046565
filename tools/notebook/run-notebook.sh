#!/usr/bin/env bash
# Executes a notebook headless: run-notebook.sh IN.ipynb [OUT.ipynb]. Fails (exit 1) on the first cell error.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
IN="$1"; OUT="${2:-${1%.ipynb}.out.ipynb}"
[ -f "$HERE/jupyter/kernels/java/kernel.json" ] || "$HERE/setup-kernel.sh"
export JUPYTER_PATH="$HERE/jupyter"
exec jupyter nbconvert --to notebook --execute --ExecutePreprocessor.timeout=600 \
  --ExecutePreprocessor.kernel_name=java --output-dir "$(dirname "$OUT")" --output "$(basename "$OUT")" "$IN"
