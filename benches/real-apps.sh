#!/usr/bin/env bash
# Builds two real Rust applications from crates.io sources, as workspaces `cleave` can analyze:
#   lemmy 0.17.4 (a federated forum server: 11 crates) and rust-analyzer 0.0.352 (an IDE backend:
#   its 28 `ra_ap_*` crates). Then runs `cleave analyze` on each and prints the summary.
# Usage: benches/real-apps.sh [CLEAVE_BINARY] [WORK_DIR]
# Needs network access to crates.io (cargo fetch). Not run in CI.
set -euo pipefail
cleave=${1:-target/release/cleave}
work=${2:-$(mktemp -d)}
mkdir -p "$work/fetch/src"
cat > "$work/fetch/Cargo.toml" <<'TOML'
[package]
name = "fetch"
version = "0.1.0"
edition = "2021"
[dependencies]
lemmy_server = "=0.17.4"
ra_ap_ide = "=0.0.352"
TOML
: > "$work/fetch/src/lib.rs"
(cd "$work/fetch" && cargo fetch -q)
registry=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/ | head -1)
assemble() { # NAME GLOB
  local dir="$work/$1"
  rm -rf "$dir" && mkdir -p "$dir"
  for crate in "$registry"/$2; do cp -r "$crate" "$dir/"; done
  local members
  members=$(cd "$dir" && ls -d */ | sed 's|/$||; s/.*/"&"/' | paste -sd, -)
  printf '[workspace]\nmembers = [%s]\n' "$members" > "$dir/Cargo.toml"
}
assemble lemmy 'lemmy_*-0.17.4'
assemble rust-analyzer 'ra_ap_*-0.0.352'
for app in lemmy rust-analyzer; do
  echo "== $app ($work/$app)"
  "$cleave" analyze "$work/$app" -o "$work/$app.json"
done
