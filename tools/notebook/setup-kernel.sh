#!/usr/bin/env bash
# Installs what a headless run of the Java notebooks needs, from Debian's packages and Maven Central only:
#   - jupyter-nbconvert + python3-nbclient (Debian bookworm: nbconvert 6.5.3, nbclient 0.7.2, jupyter-client 7.4.9)
#   - the Java kernel io.github.padreati:rapaio-jupyter-kernel:3.0.1 (a shaded jar on Maven Central, Java 17+)
#   - a kernelspec written by hand into $KDIR (default: ./jupyter/kernels/java next to this script), with a patched
#     LoopThread ahead of the kernel jar (see kernel-patch/) and its Maven local repository pointed at ~/.m2/repository.
# Then: JUPYTER_PATH=<dir>/jupyter jupyter nbconvert --to notebook --execute ...
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
KVER="${RJK_VERSION:-3.0.1}"
KDIR="${KDIR:-$HERE/jupyter/kernels/java}"
M2="${M2_REPO:-$HOME/.m2/repository}"

if ! command -v jupyter-nbconvert >/dev/null || ! /usr/bin/python3 -c 'import nbclient' 2>/dev/null; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends jupyter-nbconvert python3-nbclient jupyter-client
fi

mkdir -p "$KDIR/patch"
JAR="$M2/io/github/padreati/rapaio-jupyter-kernel/$KVER/rapaio-jupyter-kernel-$KVER.jar"
[ -f "$JAR" ] || mvn -B -q dependency:get -Dtransitive=false -Dartifact="io.github.padreati:rapaio-jupyter-kernel:$KVER"
# A copy, not a link: the kernel resolves RJK_MIMA_CACHE relative to the folder of the jar it was started from.
cp "$JAR" "$KDIR/rapaio-jupyter-kernel.jar"
ln -sfn "$M2" "$KDIR/m2repo"
javac --release 17 -nowarn -cp "$KDIR/rapaio-jupyter-kernel.jar" -d "$KDIR/patch" \
  "$HERE/kernel-patch/src/org/rapaio/jupyter/kernel/channels/LoopThread.java"

cat > "$KDIR/kernel.json" <<JSON
{
  "argv": [
    "java",
    "-Xmx4g",
    "-Dorg.bytedeco.javacpp.maxbytes=8G",
    "-Dorg.bytedeco.javacpp.maxphysicalbytes=12G",
    "-cp",
    "$KDIR/patch:$KDIR/rapaio-jupyter-kernel.jar",
    "org.rapaio.jupyter.kernel.MainApp",
    "{connection_file}"
  ],
  "display_name": "Java (rapaio-jupyter-kernel $KVER)",
  "language": "java",
  "interrupt_mode": "message",
  "env": {
    "RJK_CLASSPATH": "",
    "RJK_COMPILER_OPTIONS": "",
    "RJK_INIT_SCRIPT": "",
    "RJK_TIMEOUT_MILLIS": "-1",
    "RJK_MIMA_CACHE": "m2repo",
    "OMP_WAIT_POLICY": "PASSIVE",
    "OPENBLAS_THREAD_TIMEOUT": "4"
  }
}
JSON
echo "kernelspec 'java' in $KDIR; use JUPYTER_PATH=$(dirname "$(dirname "$KDIR")")"
