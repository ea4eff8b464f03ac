#!/bin/sh
# What one document costs on disk: starts the release binary on an empty
# data directory, writes to one document with benches/examples/disk_churn.rs,
# stops the server (SIGTERM: every document checkpoints and unloads) and
# prints the data directory's size.
#
#   scripts/disk-usage.sh churn --secs 20            # insert/delete churn
#   scripts/disk-usage.sh grow --mb 52               # a 52 MB document
#   QUIRE_ARGS='--max-doc-disk-bytes 8388608' scripts/disk-usage.sh churn
set -eu
cd "$(dirname "$0")/.."
mode=${1:?churn or grow}
shift
cargo build --release -q -p quire-server
cargo build --release -q -p quire-benches --example disk_churn
dir=$(mktemp -d)
out=$(mktemp)
# shellcheck disable=SC2086
QUIRE_LOG=${QUIRE_LOG:-warn} target/release/quire serve --listen 127.0.0.1:0 --data-dir "$dir/data" ${QUIRE_ARGS:-} >"$out" &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir" "$out"' EXIT
while ! grep -q listening "$out"; do sleep 0.1; done
addr=$(sed -n 's#^listening on http://##p' "$out" | head -n1)
target/release/examples/disk_churn "$mode" "ws://$addr/ws/disk-usage?acks=1" "$@"
kill -TERM $pid
wait $pid || true
echo "data directory: $(du -sb "$dir/data" | cut -f1) bytes ($(du -sh "$dir/data" | cut -f1))"
