#!/usr/bin/env bash
# The client suite: the real AWS clients (boto3 and the AWS CLI, from PyPI) against a real
# `stepwasm serve`. Needs plugins/dist/*.wasm (run plugins/build.sh first).
#
#   tests/clients/run.sh [pytest args...]
#
# The virtualenv lives in $CARGO_TARGET_DIR/client-venv (default target/client-venv) and is
# reused from one run to the next.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$repo"

target="${CARGO_TARGET_DIR:-target}"
case "$target" in
  /*) ;;
  *) target="$repo/$target" ;;
esac
venv="$target/client-venv"

for f in validate-order check-inventory process-payment confirm-order; do
  if [ ! -f "plugins/dist/$f.wasm" ]; then
    echo "plugins/dist/$f.wasm is missing: run plugins/build.sh first" >&2
    exit 2
  fi
done

python="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q --disable-pip-version-check boto3 awscli pytest

cargo build -q -p server

export STEPWASM_BIN="$target/debug/stepwasm"
export STEPWASM_CLIENT_VENV="$venv"
cd "$here"
exec "$venv/bin/python" -m pytest -q -p no:cacheprovider "$@"
