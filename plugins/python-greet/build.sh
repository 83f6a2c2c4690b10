#!/usr/bin/env bash
# Builds the python-greet task into a component of the world `task`
# (guest-sdk/wit) with componentize-py.
#
# Usage: build.sh [OUTPUT.wasm]   (default: ../dist/python-greet.wasm)
# Environment: STEPWASM_GUEST_VENV  virtualenv holding componentize-py
#              (default: ../.venv; created and filled from PyPI when missing).
set -euo pipefail

COMPONENTIZE_PY_VERSION=0.25.1

here=$(cd "$(dirname "$0")" && pwd)
wit=$here/../../guest-sdk/wit
out=${1:-$here/../dist/python-greet.wasm}
venv=${STEPWASM_GUEST_VENV:-$here/../.venv}

if [ ! -x "$venv/bin/componentize-py" ] \
    || [ "$("$venv/bin/componentize-py" --version)" != "componentize-py $COMPONENTIZE_PY_VERSION" ]; then
    echo "python-greet: installing componentize-py $COMPONENTIZE_PY_VERSION into $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "componentize-py==$COMPONENTIZE_PY_VERSION"
fi

echo "python-greet: testing" >&2
(cd "$here" && python3 -m unittest --quiet test_greet)

mkdir -p "$(dirname "$out")"
echo "python-greet: building $out" >&2
cd "$here"
"$venv/bin/componentize-py" --wit-path "$wit" --world task componentize app --output "$out"
