#!/usr/bin/env bash
# tests/fuzz/run.sh - build the libFuzzer target fuzz_imessage (clang,
# -DKMS_FUZZ=ON: libFuzzer + ASan + UBSan on all of kms_crypto) in its own
# build directory and run it for a bounded time on a working copy of the
# seed corpus.  Exit status: libFuzzer's (non-zero on a crash or a leak).
#
#   FUZZ_SECONDS  run time in seconds (default 60)
#   FUZZ_BUILD    build directory (default build-fuzz at the repo root)
#   FUZZ_JOBS     parallel fuzzing jobs (default 1)
#   FUZZ_TARGET   fuzz_imessage (default) or fuzz_tkms (the MIKEY-TICKET
#                 KMS request path, seeds tests/fuzz/corpus/tkms)
#
# A long run:  FUZZ_SECONDS=3600 tests/fuzz/run.sh
#              FUZZ_TARGET=fuzz_tkms FUZZ_SECONDS=3600 tests/fuzz/run.sh
# Findings are written to $FUZZ_BUILD/findings/; new inputs to
# $FUZZ_BUILD/corpus-imessage/ (copy the interesting ones to the seeds).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
secs=${FUZZ_SECONDS:-60}
build=${FUZZ_BUILD:-$root/build-fuzz}
jobs=${FUZZ_JOBS:-1}
target=${FUZZ_TARGET:-fuzz_imessage}
case $target in
fuzz_imessage) seeds=imessage ;;
fuzz_tkms) seeds=tkms ;;
*) echo "run.sh: unknown FUZZ_TARGET $target" >&2; exit 2 ;;
esac

CC=clang cmake -S "$root" -B "$build" -DKMS_FUZZ=ON -DKMS_SANITIZE=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target "$target" -j"$(nproc)" >/dev/null

work=$build/corpus-$seeds
mkdir -p "$work" "$build/findings"
cd "$build/findings"
# Seeds are read, never written: new units go to $work.
"$build/tests/fuzz/$target" -max_total_time="$secs" \
    -max_len=8192 -print_final_stats=1 -jobs="$jobs" -workers="$jobs" \
    "$work" "$root/tests/fuzz/corpus/$seeds"
