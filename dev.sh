#!/usr/bin/env bash
# Tandem's developer entry point (Debian 12, as root). Installs what is missing, builds, runs.
#   ./dev.sh demo    the main job: the demo on the embedded defaults (x64 build, under Wine)
#   ./dev.sh test    build x64 and i686, run every test of the x64 build under Wine (ctest)
#   ./dev.sh build   build both architectures only
set -euo pipefail
cd "$(dirname "$0")"
top=$(pwd)
cache=$(toolchain/bootstrap.sh | tail -n1)
jobs=$(nproc)

configure_build() {   # configure_build ARCH [extra cmake args]
  local arch=$1; shift
  local dir=$top/build/$arch
  mkdir -p "$dir"
  echo "[dev] building $arch in build/$arch (log: build/$arch/build.log)" >&2
  if ! { cmake -S "$top" -B "$dir" -DCMAKE_TOOLCHAIN_FILE="$top/toolchain/mingw-$arch.cmake" \
               -DTANDEM_CACHE="$cache" "$@" &&
         cmake --build "$dir" -j"$jobs" -- --no-print-directory; } >"$dir/build.log" 2>&1; then
    grep -E -B2 -A6 'error|warning|Error' "$dir/build.log" | head -n 80 >&2 || tail -n 40 "$dir/build.log" >&2
    echo "[dev] the $arch build failed (full log: build/$arch/build.log)" >&2
    exit 1
  fi
}

case "${1:-}" in
  build)
    configure_build i686
    configure_build x86_64
    ;;
  test)
    # The i686 build must compile and link without warnings (-Werror); its tests cannot run
    # here (Debian 12's Wine has no 32-bit side): they are built, not run.
    configure_build i686
    configure_build x86_64 -DTANDEM_I686_BIN="$top/build/i686/bin"
    cd build/x86_64
    ctest --output-on-failure -j"$jobs"
    ;;
  demo)
    configure_build x86_64
    toolchain/wineprefix.sh start build/x86_64
    rc=0
    toolchain/wine-run "$top/build/x86_64" build/x86_64/bin/tandem-demo.exe || rc=$?
    toolchain/wineprefix.sh stop build/x86_64
    exit $rc
    ;;
  *)
    sed -n '2,6p' "$0"; exit 2 ;;
esac
