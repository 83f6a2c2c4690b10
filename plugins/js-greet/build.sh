#!/usr/bin/env bash
# Builds the js-greet task into a component of the world `task` (guest-sdk/wit)
# with ComponentizeJS. Versions are pinned in package.json / package-lock.json
# (@bytecodealliance/componentize-js 0.23.0); needs Node.js 20 or newer and npm.
#
# Usage: build.sh [OUTPUT.wasm]   (default: ../dist/js-greet.wasm)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
wit=$here/../../guest-sdk/wit
out=${1:-$here/../dist/js-greet.wasm}
cd "$here"

if [ ! -x node_modules/.bin/componentize-js ]; then
    echo "js-greet: installing npm packages from package-lock.json" >&2
    npm ci --no-audit --no-fund
fi

echo "js-greet: testing" >&2
node --test

mkdir -p "$(dirname "$out")"
echo "js-greet: building $out" >&2
# The greeting needs no outgoing HTTP: leave wasi:http out of the imports.
node_modules/.bin/componentize-js app.js --wit "$wit" --world-name task --disable http fetch-event --out "$out"
