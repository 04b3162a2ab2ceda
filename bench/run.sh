#!/bin/sh
# Build the x64 benchmarks and run each under Wine in the build's own prefix (minimapi
# registered, as for the wine-tests). Benchmarks print ratios against baselines measured in
# the same run; nothing here is a pass/fail test.
# Usage: bench/run.sh [BUILD_DIR] (default build/x86_64); extra programs' args are their own.
set -e
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build/x86_64}
cmake -S "$src" -B "$build" -DCMAKE_TOOLCHAIN_FILE="$src/toolchain/mingw-x86_64.cmake" >/dev/null
make -C "$build" -j2 bench_table bench_mime bench_store bench_stream bench_send bench_contents
"$src/toolchain/wineprefix.sh" start "$build"
for b in bench_table bench_mime bench_store bench_stream bench_send bench_contents; do
  echo "== $b"
  "$src/toolchain/wine-run" "$build" "$build/bin/$b.exe" || echo "$b failed ($?)"
done
