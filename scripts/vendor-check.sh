#!/usr/bin/env bash
# Checks that vendor/yrs and vendor/sled are the crates published on
# crates.io with exactly the patches in vendor/patches/ and nothing else:
# unpacks each published crate into a temporary directory, keeps the files
# Quire vendors, applies vendor/patches/<crate>-NN-*.patch in order, and
# fails, naming the files, when the result differs from vendor/<crate>.
#
#   scripts/vendor-check.sh              check every vendored crate
#   scripts/vendor-check.sh --diff yrs   print what vendor/yrs has beyond the
#                                        published crate and its patches, as
#                                        a patch (see vendor/README.md)
#
# The .crate files are downloaded once per machine into target/vendor-check/
# (or $QUIRE_VENDOR_CACHE) and checked against the sha256 sums below, which
# are those of crates.io's index. Needs curl (first run only), tar, gzip,
# patch, diff and sha256sum.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export LC_ALL=C

# name, version, sha256 of the .crate, and the top-level entries of the
# published crate that vendor/<name> keeps (the rest, such as
# .cargo_vcs_info.json, Cargo.toml.orig, Cargo.lock and sled's tests/, is
# not vendored).
crates=(
  "yrs 0.28.1 9f7716b4846f9fab489af2ed7ab31c4554f5fe6965ede2392b9cdfed0e5087ff Cargo.toml README.md benches src"
  "sled 0.34.7 7f96b4737c2ce5987354855aed3797279def4ebf734436c6aa4552cf8e169935 Cargo.toml LICENSE-APACHE LICENSE-MIT README.md src"
)
cache=${QUIRE_VENDOR_CACHE:-$root/target/vendor-check}

say() { printf 'vendor-check: %s\n' "$*"; }
fail() { printf 'vendor-check: %s\n' "$*" >&2; exit 1; }

mode=check
only=
case "${1:-}" in
  "") ;;
  --diff) mode=diff; only=${2:-}; [ -n "$only" ] || fail "usage: $0 --diff CRATE" ;;
  *) fail "usage: $0 [--diff CRATE]" ;;
esac

need() {
  local tool=$1 package=$2
  command -v "$tool" >/dev/null 2>&1 && return
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing $package with apt-get"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null
  else
    fail "$tool is missing: install the Debian package $package"
  fi
}
for tool in tar gzip diff sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || fail "$tool is missing"
done
need patch patch

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Every patch must belong to a vendored crate.
known=" "
for entry in "${crates[@]}"; do known+="${entry%% *} "; done
for p in vendor/patches/*; do
  [ -e "$p" ] || continue
  base=${p##*/}
  [[ "$base" =~ ^([a-z0-9_]+)-[0-9][0-9]-[a-z0-9-]+\.patch$ ]] ||
    fail "$p: patches are named <crate>-NN-<what-it-fixes>.patch"
  [[ "$known" == *" ${BASH_REMATCH[1]} "* ]] ||
    fail "$p: no vendored crate ${BASH_REMATCH[1]} (vendored: $known)"
done

# Prints the .crate file of $1 $2, downloading it into the cache once.
fetch() {
  local name=$1 version=$2 sum=$3
  local file="$cache/$name-$version.crate"
  if [ ! -f "$file" ] || ! echo "$sum  $file" | sha256sum -c --status; then
    need curl curl
    mkdir -p "$cache"
    say "downloading $name $version from crates.io into ${cache#"$root"/}" >&2
    curl -sSfL --retry 3 -o "$file.part" \
      "https://static.crates.io/crates/$name/$name-$version.crate" ||
      curl -sSfL --retry 3 -o "$file.part" \
        "https://crates.io/api/v1/crates/$name/$version/download" ||
      fail "could not download $name $version from crates.io"
    echo "$sum  $file.part" | sha256sum -c --status ||
      fail "$name-$version.crate from crates.io does not have the sha256 $sum"
    mv "$file.part" "$file"
  fi
  printf '%s\n' "$file"
}

# Unpacks $1 $2, keeps the vendored entries and applies the patches in order
# into $tmp/$name/a.
rebuild() {
  local name=$1 version=$2 sum=$3
  shift 3
  local crate
  crate=$(fetch "$name" "$version" "$sum")
  mkdir -p "$tmp/$name"
  tar -xzf "$crate" -C "$tmp/$name"
  local dir="$tmp/$name/a"
  mv "$tmp/$name/$name-$version" "$dir"
  local entry
  for entry in "$dir"/* "$dir"/.[!.]*; do
    [ -e "$entry" ] || continue
    [[ " $* " == *" ${entry##*/} "* ]] || rm -rf "$entry"
  done
  local p out
  for p in vendor/patches/"$name"-[0-9][0-9]-*.patch; do
    [ -e "$p" ] || continue
    # Exactly: no fuzz, no offset, no reversed or already applied hunks.
    if ! out=$(patch -p1 -N -F0 --no-backup-if-mismatch --reject-file=- \
      -d "$dir" -i "$root/$p" 2>&1); then
      printf '%s\n' "$out" >&2
      fail "$p does not apply to $name $version (after the patches before it)"
    fi
    if grep -Eq 'offset|fuzz' <<<"$out"; then
      printf '%s\n' "$out" >&2
      fail "$p applies to $name $version only at other lines: its line numbers are stale"
    fi
  done
}

status=0
for entry in "${crates[@]}"; do
  read -r name version sum kept <<<"$entry"
  [ -z "$only" ] || [ "$only" = "$name" ] || continue
  [ -d "vendor/$name" ] || fail "vendor/$name is missing"
  # shellcheck disable=SC2086 # $kept is a list of names
  rebuild "$name" "$version" "$sum" $kept
  ln -s "$root/vendor/$name" "$tmp/$name/b"
  if [ "$mode" = diff ]; then
    (cd "$tmp/$name" && diff -ruN a/ b/) |
      sed -E -e '/^diff /d' -e 's/^(---|\+\+\+) ([^\t]*)\t.*/\1 \2/' || true
    continue
  fi
  if differences=$(cd "$tmp/$name" && diff -rq a/ b/); then
    count=$(ls vendor/patches/"$name"-[0-9][0-9]-*.patch 2>/dev/null | wc -l)
    say "vendor/$name is $name $version with its $count patches"
    continue
  fi
  status=1
  printf '%s\n' "$differences" | sed -E \
    -e "s#^Files a/(.*) and b/.* differ\$#vendor/$name/\\1 differs from $name $version with vendor/patches/$name-*.patch#" \
    -e "s#^Only in b/(.*): (.*)\$#vendor/$name/\\1/\\2 is not in $name $version with its patches#" \
    -e "s#^Only in a/(.*): (.*)\$#vendor/$name/\\1/\\2 is missing (it is in $name $version with its patches)#" \
    -e "s#/+#/#g" -e 's/^/vendor-check: /' >&2
  (cd "$tmp/$name" && diff -ruN a/ b/ | sed -E -e '/^diff /d' \
    -e 's/^(---|\+\+\+) ([^\t]*)\t.*/\1 \2/' | head -n 40) >&2 || true
  say "vendor/$name and vendor/patches disagree: make the change a patch (scripts/vendor-check.sh --diff $name, see vendor/README.md) or undo it" >&2
done
exit $status
