#!/usr/bin/env bash
# One run of the load scenarios against `quire serve` (strict and relaxed) and
# the Node peer @y/websocket-server 0.1.1, all on loopback, bounded in count
# and time (about 10 minutes). Prints a table and writes benches/RESULTS.md
# (with the merge figures of the last `cargo bench -p quire-benches`, if any)
# and benches/latency.svg.
#
#   bash benches/run-load.sh            # everything
#   QUICK=1 bash benches/run-load.sh    # fewer, shorter points (a smoke run)
#   QUIRE_BIN=path                      # test this quire binary instead of building one
#   PATCHED_BIN=path                    # also run a second quire build, labelled
#                                       # quire-patched (e.g. a proposed server change)
#   PATCHED_ARGS="--flag=value ..."     # extra server flags for quire-patched
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=benches/results
mkdir -p "$out"
jsonl="$out/load.jsonl"
: > "$jsonl"
commands="$out/commands.txt"
: > "$commands"

if [ -z "${QUIRE_BIN:-}" ]; then
  cargo build --release -p quire-server --bin quire 2>&1 | tail -1
fi
cargo build --release -p quire-benches --bin loadgen --example ratios 2>&1 | tail -1
(cd benches/js && { [ -d node_modules/@y/websocket-server ] || npm ci --no-audit --no-fund; })

quire=${QUIRE_BIN:-target/release/quire}
patched=${PATCHED_BIN:-}
loadgen=target/release/loadgen
node_server=benches/js/node_modules/@y/websocket-server/src/server.js

if [ -n "${QUICK:-}" ]; then
  sweep=(25 100); secs=5; big=(200 40)
else
  sweep=(25 100 250 500 1000); secs=8; big=(1000 200)
fi
etherpad=(--interval-ms 400 --chars 4)

run() { # label, then loadgen arguments
  local label=$1; shift
  echo "$loadgen --label $label $*" >> "$commands"
  "$loadgen" --label "$label" "$@" | grep '^RESULT ' | sed 's/^RESULT //' >> "$jsonl" \
    || echo "!! $label $*: failed or unverified (see above)" | tee -a "$commands" >&2
}

node_pid=
start_node() {
  local port=$((41000 + RANDOM % 2000))
  HOST=127.0.0.1 PORT=$port node "$node_server" > "$out/node.log" 2>&1 &
  node_pid=$!
  for _ in $(seq 50); do
    grep -q "running at" "$out/node.log" 2>/dev/null && break
    sleep 0.1
  done
  node_url="ws://127.0.0.1:$port/ws"
}
stop_node() {
  if [ -n "$node_pid" ]; then kill "$node_pid" 2>/dev/null || true; wait "$node_pid" 2>/dev/null || true; fi
  node_pid=
}
trap stop_node EXIT

quire_strict=(--server-bin "$quire" --durability strict)
# quire-postgres: the same binary on PostgreSQL (--database-url), in a
# database of its own per run; skipped when none answers at
# QUIRE_TEST_DATABASE_URL (default: the local one, user postgres).
pg_admin=${QUIRE_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
run_postgres() { # loadgen arguments
  local db="quire_load_$$_$RANDOM"
  if ! psql "$pg_admin" -qc "CREATE DATABASE $db" >/dev/null 2>&1; then
    echo "!! quire-postgres: no PostgreSQL at $pg_admin; skipped" | tee -a "$commands" >&2
    return 0
  fi
  run quire-postgres --server-bin "$quire" --durability strict \
    "--server-arg=--database-url=${pg_admin%/*}/$db" "$@"
  psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null || true
}
quire_relaxed=(--server-bin "$quire" --durability relaxed)
quire_patched=(--server-bin "$patched" --durability strict)
for a in ${PATCHED_ARGS:-}; do quire_patched+=("--server-arg=$a"); done
{
  echo "# quire: $quire ($(sha256sum "$quire" | cut -c1-12))"
  if [ -n "$patched" ]; then echo "# quire-patched: $patched ($(sha256sum "$patched" | cut -c1-12))"; fi
  echo "# node: $node_server (@y/websocket-server $(node -p "require('./benches/js/node_modules/@y/websocket-server/package.json').version"))"
} >> "$commands"

echo "== ingest (automerge-paper keystrokes over one websocket)"
run quire-strict "${quire_strict[@]}" ingest
run_postgres ingest
run quire-relaxed "${quire_relaxed[@]}" ingest
if [ -n "$patched" ]; then run quire-patched "${quire_patched[@]}" ingest; fi
start_node; run node --url "$node_url" --server-pid "$node_pid" ingest --no-acks; stop_node

echo "== relay: 20 typists on one document at Etherpad's rate"
# quire-strict-acks: the typists ask for Saved acknowledgements, as the web
# client does, so that every edit is flushed before its ack.
targets=(quire-strict quire-strict-acks quire-relaxed node)
if [ -n "$patched" ]; then targets+=(quire-patched); fi
for target in "${targets[@]}"; do
  extra=()
  case $target in
    quire-strict) args=("${quire_strict[@]}") ;;
    quire-strict-acks) args=("${quire_strict[@]}"); extra=(--acks) ;;
    quire-patched) args=("${quire_patched[@]}") ;;
    quire-relaxed) args=("${quire_relaxed[@]}") ;;
    node) start_node; args=(--url "$node_url" --server-pid "$node_pid") ;;
  esac
  run "$target" "${args[@]}" typists --clients 20 --docs 1 "${etherpad[@]}" --secs 15 --warmup-secs 3 "${extra[@]}"
  if [ "$target" = node ]; then stop_node; fi
done

echo "== typists on one document: p99 against clients"
for n in "${sweep[@]}"; do
  run quire-strict "${quire_strict[@]}" typists --clients "$n" --docs 1 "${etherpad[@]}" --secs "$secs" --warmup-secs 2 --drain-secs 10
  if [ -n "$patched" ]; then run quire-patched "${quire_patched[@]}" typists --clients "$n" --docs 1 "${etherpad[@]}" --secs "$secs" --warmup-secs 2 --drain-secs 10; fi
  start_node
  run node --url "$node_url" --server-pid "$node_pid" typists --clients "$n" --docs 1 "${etherpad[@]}" --secs "$secs" --warmup-secs 2 --drain-secs 10
  stop_node
done

echo "== ${big[0]} typists over ${big[1]} documents"
run quire-strict "${quire_strict[@]}" typists --clients "${big[0]}" --docs "${big[1]}" "${etherpad[@]}" --secs "$secs" --warmup-secs 2 --observers 1
if [ -n "$patched" ]; then run quire-patched "${quire_patched[@]}" typists --clients "${big[0]}" --docs "${big[1]}" "${etherpad[@]}" --secs "$secs" --warmup-secs 2 --observers 1; fi
start_node
run node --url "$node_url" --server-pid "$node_pid" typists --clients "${big[0]}" --docs "${big[1]}" "${etherpad[@]}" --secs "$secs" --warmup-secs 2 --observers 1
stop_node

echo "== idle connections"
run quire-strict "${quire_strict[@]}" idle --connections "${big[0]}" --docs "${big[1]}"
if [ -n "$patched" ]; then run quire-patched "${quire_patched[@]}" idle --connections "${big[0]}" --docs "${big[1]}"; fi
start_node; run node --url "$node_url" --server-pid "$node_pid" idle --connections "${big[0]}" --docs "${big[1]}"; stop_node

echo "== cold load of a document with a long history"
run quire-strict "${quire_strict[@]}" cold
if [ -n "$patched" ]; then run quire-patched "${quire_patched[@]}" cold; fi

echo "== merge ratios, interleaved (crdt-core against raw yrs)"
echo "target/release/examples/ratios 30" >> "$commands"
target/release/examples/ratios 30 > "$out/ratios.json"

echo "== Yjs on Node: whole-trace merges"
echo "node benches/js/merge.mjs 10" >> "$commands"
node benches/js/merge.mjs 10 > "$out/merge-node.json"

node benches/js/report.mjs "$root"
