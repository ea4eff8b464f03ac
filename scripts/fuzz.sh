#!/usr/bin/env bash
# Fuzzes crdt-core for a bounded time: scripts/fuzz.sh [SECONDS] [TARGET...]
#
# SECONDS (default 60) is the fuzzing time in total, split evenly across the
# targets (default: codec update session import; see fuzz/README.md). Each target
# starts from its committed corpus (fuzz/corpus/TARGET) and committed
# crashers (fuzz/regressions/TARGET), grows a scratch corpus in
# fuzz/corpus-work/TARGET, and the script fails on the first crash, which
# libFuzzer leaves in fuzz/artifacts/TARGET. Installs cargo-fuzz if missing.
# cargo-fuzz needs nightly compiler flags: RUSTC_BOOTSTRAP=1 lets the stable
# toolchain accept them.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

total=${1:-60}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(codec update session import)
fi
per=$((total / ${#targets[@]}))
if [ "$per" -lt 1 ]; then
  per=1
fi

export RUSTC_BOOTSTRAP=1
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "==> installing cargo-fuzz"
  cargo install cargo-fuzz --version 0.13.2 --locked
fi

echo "==> building the fuzz targets"
cargo fuzz build

for target in "${targets[@]}"; do
  echo "==> fuzzing $target for ${per}s"
  mkdir -p "corpus-work/$target"
  corpora=("corpus-work/$target" "corpus/$target")
  if [ -d "regressions/$target" ]; then
    corpora+=("regressions/$target")
  fi
  # One process on one core; a unit slower than 25 s counts as a crash.
  cargo fuzz run "$target" "${corpora[@]}" -- \
    -max_total_time="$per" -timeout=25 -rss_limit_mb=2048 -print_final_stats=1
done
echo "==> no crash in ${#targets[@]} targets"
