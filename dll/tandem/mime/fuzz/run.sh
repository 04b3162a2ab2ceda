#!/usr/bin/env bash
# Native builds of the codec (dll/tandem/mime) for Linux: the unit tests (gcc, ASan + UBSan)
# and the libFuzzer target (clang-14 -fsanitize=fuzzer,address,undefined); runs both.
#
#   run.sh [SECONDS]        unit tests, then fuzz for SECONDS (default 60)
#   run.sh --unit           unit tests only
#   run.sh --fuzz SECONDS   fuzz only
# Options: --out DIR  build and working folder (default: $MIME_FUZZ_OUT or /tmp/tandem-mime-fuzz)
#          --jobs N   parallel fuzzing jobs (default 1)
#          --seed N   libFuzzer's seed (default: a new one each run). The test suite passes a
#                     fixed seed so that a CI run explores what a local run of the same length
#                     explores; discovery belongs to long runs with fresh seeds.
#
# The seed corpus (corpus/) is copied into DIR/corpus, so new inputs never land in the
# repository; crashes are written to DIR/crash-*. To fuzz for long, e.g. overnight:
#   run.sh --fuzz 28800 --jobs 2
# Needs Debian's clang-14 and libclang-rt-14-dev (toolchain/bootstrap.sh installs them); the
# unit tests use gcc when present.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mime=$(dirname "$here")
top=$(cd "$mime/../../.." && pwd)
out=${MIME_FUZZ_OUT:-/tmp/tandem-mime-fuzz}
seconds=60 unit=1 fuzz=1 jobs=1 seed=

while (($#)); do
  case "$1" in
    --unit) fuzz=0 ;;
    --fuzz) unit=0; seconds=${2:?--fuzz needs SECONDS}; shift ;;
    --out) out=${2:?--out needs DIR}; shift ;;
    --jobs) jobs=${2:?--jobs needs N}; shift ;;
    --seed) seed=${2:?--seed needs N}; shift ;;
    [0-9]*) seconds=$1 ;;
    *) sed -n '2,18p' "$0"; exit 2 ;;
  esac
  shift
done
mkdir -p "$out"

sources=()
for f in address arena buf charset codec date fold header model parse rfc2047 write charset_iconv; do
  sources+=("$mime/$f.c")
done
flags=(-std=gnu11 -g -O1 -Wall -Wextra -Wno-unused-parameter -Werror -I"$mime"
       -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined)

status=0
if ((unit)); then
  # gcc when the machine has it, else clang-14 (the bootstrap installs clang-14 for sure).
  cc=$(command -v gcc || command -v clang-14)
  echo "[mime] unit tests (native, $(basename "$cc"), ASan+UBSan)"
  "$cc" "${flags[@]}" -DMIME_NATIVE_TESTS "${sources[@]}" "$top/tests/test_mime_codec.c" \
      -o "$out/test_mime_codec"
  "$out/test_mime_codec" || status=1
fi
if ((fuzz)); then
  echo "[mime] fuzzing for ${seconds}s (clang-14, libFuzzer, ASan+UBSan)"
  clang-14 "${flags[@]}" -fsanitize=fuzzer "${sources[@]}" "$here/fuzz_mime.c" -o "$out/fuzz_mime"
  mkdir -p "$out/corpus"
  cp -n "$here"/corpus/* "$out/corpus/" 2>/dev/null || true
  # -rss_limit_mb: the codec's own bounds keep memory far below; a leak or blow-up shows here.
  args=(-max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 -timeout=20
        -artifact_prefix="$out/" -print_final_stats=1)
  if ((jobs > 1)); then args+=(-jobs="$jobs" -workers="$jobs"); fi
  if [[ -n $seed ]]; then args+=(-seed="$seed"); fi
  (cd "$out" && "$out/fuzz_mime" "${args[@]}" "$out/corpus") || status=1
fi
exit $status
