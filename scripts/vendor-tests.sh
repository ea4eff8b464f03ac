#!/usr/bin/env bash
# Runs the vendored crates' own unit tests: vendor/yrs and vendor/sled (the
# published sources with vendor/patches, as scripts/vendor-check.sh proves)
# are copied out of the workspace with the published manifests and lock
# files, so that their dev-dependencies are what upstream tests with.
#
# yrs 0.28.1's tests use `std::assert_matches`, unstable on the stable
# toolchain: RUSTC_BOOTSTRAP and `-Zcrate-attr` enable it for that build
# only. Nine of its tests are skipped by name, each failing on the published
# crate as on the patched one: seven read test data that the published crate
# does not ship (compatibility data sets, edit traces),
# `undo::test::special_deletion_case` fails upstream, and
# `sync::awareness::test::awareness_summary` compares two wall-clock
# milliseconds and fails when the clock ticks between them. Every other
# test must pass.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

scripts/vendor-check.sh >/dev/null
cache=${QUIRE_VENDOR_CACHE:-$root/target/vendor-check}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export CARGO_TARGET_DIR="$root/target/vendor-tests"

# The vendored tree, with the published crate's manifest and lock file.
prepare() {
  local name=$1 version=$2
  mkdir -p "$work/published"
  tar -xzf "$cache/$name-$version.crate" -C "$work/published"
  cp -r "vendor/$name" "$work/$name"
  cp "$work/published/$name-$version/Cargo.toml" "$work/published/$name-$version/Cargo.lock" "$work/$name/"
}

prepare yrs 0.28.1
(
  cd "$work/yrs"
  RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Zcrate-attr=feature(assert_matches)" \
    cargo test --lib --locked --quiet -- \
    --skip tests::compatibility_tests::test_medium_data_set \
    --skip tests::compatibility_tests::test_small_data_set \
    --skip tests::edit_traces_tests::edit_trace_automerge \
    --skip tests::edit_traces_tests::edit_trace_friendsforever \
    --skip tests::edit_traces_tests::edit_trace_rustcode \
    --skip tests::edit_traces_tests::edit_trace_sephblog1 \
    --skip tests::edit_traces_tests::edit_trace_sveltecomponent \
    --skip undo::test::special_deletion_case \
    --skip sync::awareness::test::awareness_summary
)

prepare sled 0.34.7
(cd "$work/sled" && cargo test --lib --locked --quiet)
echo "vendor-tests: the vendored yrs and sled pass their own unit tests"
