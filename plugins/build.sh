#!/usr/bin/env bash
# Builds every task in plugins/ into plugins/dist/<name>.wasm, then checks that
# each file is a component a stepwasm host can run (tools/check-component).
#
#   Rust tasks     cargo build --target wasm32-wasip2 --release (this workspace)
#   python-greet   componentize-py 0.25.1 from a virtualenv (python-greet/build.sh)
#   js-greet       @bytecodealliance/componentize-js 0.23.0 via npm (js-greet/build.sh);
#                  skipped with a warning when npm is not installed
#
# Environment:
#   CARGO_TARGET_DIR      where cargo builds (default: plugins/target)
#   STEPWASM_GUEST_VENV   virtualenv for componentize-py (default: plugins/.venv)
#
# Safe to run again: cargo rebuilds only what changed, the Python and JavaScript
# components are rebuilt only when their sources or the WIT changed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
dist=$here/dist
wit_dir=$here/../guest-sdk/wit
target_dir=${CARGO_TARGET_DIR:-$here/target}
export STEPWASM_GUEST_VENV=${STEPWASM_GUEST_VENV:-$here/.venv}
mkdir -p "$dist"

say() { printf '==> %s\n' "$*" >&2; }

# True when $1 exists and is newer than every other argument (files or directories).
fresh() {
    local out=$1
    shift
    [ -f "$out" ] || return 1
    [ -z "$(find "$@" -newer "$out" -print -quit)" ]
}

# --- Rust tasks -------------------------------------------------------------
if command -v rustup >/dev/null && ! rustup target list --installed | grep -qx wasm32-wasip2; then
    say "adding the wasm32-wasip2 Rust target"
    rustup target add wasm32-wasip2
fi
say "building Rust tasks (cargo, wasm32-wasip2, release)"
(cd "$here" && CARGO_TARGET_DIR=$target_dir cargo build --target wasm32-wasip2 --release --locked)

built=()
for manifest in "$here"/*/Cargo.toml; do
    crate_dir=$(dirname "$manifest")
    grep -q 'crate-type = \["cdylib"\]' "$manifest" || continue
    name=$(basename "$crate_dir")
    artifact=$target_dir/wasm32-wasip2/release/${name//-/_}.wasm
    if [ ! -f "$artifact" ]; then
        echo "error: cargo did not produce $artifact" >&2
        exit 1
    fi
    cp "$artifact" "$dist/$name.wasm"
    built+=("$dist/$name.wasm")
done

# --- Python -----------------------------------------------------------------
py_out=$dist/python-greet.wasm
if fresh "$py_out" "$here/python-greet" "$wit_dir"; then
    say "python-greet is up to date"
else
    say "building python-greet (componentize-py)"
    "$here/python-greet/build.sh" "$py_out"
fi
built+=("$py_out")

# --- JavaScript -------------------------------------------------------------
js_out=$dist/js-greet.wasm
if ! command -v npm >/dev/null; then
    say "WARNING: npm not found; js-greet was NOT built"
elif fresh "$js_out" "$here/js-greet/app.js" "$here/js-greet/greet.js" "$here/js-greet/build.sh" \
    "$here/js-greet/package-lock.json" "$wit_dir"; then
    say "js-greet is up to date"
    built+=("$js_out")
else
    say "building js-greet (ComponentizeJS)"
    "$here/js-greet/build.sh" "$js_out"
    built+=("$js_out")
fi

# --- Check ------------------------------------------------------------------
say "checking ${#built[@]} component(s)"
CARGO_TARGET_DIR=$target_dir cargo run --quiet --release --locked \
    --manifest-path "$here/tools/check-component/Cargo.toml" -- "${built[@]}"
say "done: $dist"
