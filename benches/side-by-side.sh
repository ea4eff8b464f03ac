#!/usr/bin/env bash
# Two quire builds side by side, each scenario run for both back to back:
# ingest three rounds alternating, then relay, 1,000 typists on one document
# and 1,000 over 200 documents.
#   bash benches/side-by-side.sh OLD_BIN NEW_BIN
# Build the load generator first: cargo build --release -p quire-benches --bin loadgen
set -euo pipefail
cd "$(dirname "$0")/.."
old=${1:?usage: benches/side-by-side.sh OLD_BIN NEW_BIN}
new=${2:?usage: benches/side-by-side.sh OLD_BIN NEW_BIN}
loadgen=${LOADGEN:-target/release/loadgen}
etherpad=(--interval-ms 400 --chars 4)

run() {
  local name=$1 bin=$2
  shift 2
  printf '%s %s: ' "$name" "$bin"
  "$loadgen" --label side-by-side --server-bin "$bin" "$@" 2>&1 | grep -v '^RESULT ' | tail -1
}

for round in 1 2 3; do
  for bin in "$old" "$new"; do run "ingest round $round" "$bin" --durability strict ingest; done
done
for durability in strict relaxed; do
  for bin in "$old" "$new"; do
    run "relay 20 $durability" "$bin" --durability "$durability" \
      typists --clients 20 --docs 1 "${etherpad[@]}" --secs 15 --warmup-secs 3
  done
done
for bin in "$old" "$new"; do
  run "typists 1000/1" "$bin" --durability strict \
    typists --clients 1000 --docs 1 "${etherpad[@]}" --secs 8 --warmup-secs 2 --drain-secs 10
  run "typists 1000/200" "$bin" --durability strict \
    typists --clients 1000 --docs 200 "${etherpad[@]}" --secs 8 --warmup-secs 2 --observers 1
done
