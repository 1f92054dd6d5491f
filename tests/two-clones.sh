#!/usr/bin/env bash
# Two clones of the book built with one shared target directory: each clone's
# `cargo test` and `cargo xtask` must read and write that clone, although
# cargo reuses the build artifacts between them (a path compiled in with
# `env!("CARGO_MANIFEST_DIR")` would name the other clone).
#
# The second clone differs from the first by one broken include; its markdown
# check must fail on it, the first clone's must pass, and `cargo xtask
# exercise ch01` must write the second clone's exercises/ only.
set -euo pipefail
first=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$first/target}"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
second="$scratch/second-clone"
git clone --quiet "$first" "$second"

printf '\n{{#include no-such-file-in-the-second-clone.rs}}\n' >> "$second/src/introduction.md"
rm -rf "$first/exercises/ch01"

cd "$second"
if output=$(cargo test --quiet --test book_markdown 2>&1); then
    echo "two-clones: the second clone's broken include passed its markdown check:"
    echo "$output"
    exit 1
fi
if ! grep -q "no-such-file-in-the-second-clone.rs" <<<"$output"; then
    echo "two-clones: the second clone's markdown check failed, but not on its broken include:"
    echo "$output"
    exit 1
fi
cargo xtask exercise ch01 >/dev/null
test -f "$second/exercises/ch01/src/lib.rs" || { echo "two-clones: cargo xtask exercise ch01 did not write the second clone's exercises/ch01"; exit 1; }
test ! -e "$first/exercises/ch01" || { echo "two-clones: cargo xtask exercise ch01 in the second clone wrote into the first"; exit 1; }

cd "$first"
cargo test --quiet --test book_markdown >/dev/null 2>&1 || {
    echo "two-clones: the first clone's markdown check failed after the second clone's build (it read the second clone?)"
    cargo test --quiet --test book_markdown
    exit 1
}
echo "two-clones: each clone checked and wrote its own files with one shared target directory"
