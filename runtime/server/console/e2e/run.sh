#!/usr/bin/env bash
# The console's end-to-end tests: a real `stepwasm serve`, Debian's headless Chromium, Playwright
# for Python (from PyPI, never downloading a browser). Screenshots and the page-load numbers land
# in target/console-screenshots/. STEPWASM_E2E_PROFILE=release tests a release build of the server
# (the page-load numbers then are what a user gets; the default debug server is slower).
set -euo pipefail
cd "$(dirname "$0")/../../../.."
target="${CARGO_TARGET_DIR:-target}"

if ! command -v chromium >/dev/null; then
    apt-get update -qq && apt-get install -y -qq chromium
fi
venv="$target/console-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check playwright pytest

profile="${STEPWASM_E2E_PROFILE:-debug}"
case "$profile" in
    debug) cargo build -q -p server ;;
    release) cargo build -q --release -p server ;;
    *) echo "STEPWASM_E2E_PROFILE is debug or release, not $profile" >&2; exit 2 ;;
esac
# A task component that logs and fails on request (the sandbox's test guest).
cargo build -q --release --manifest-path runtime/sandbox/tests/guests/Cargo.toml \
    --target wasm32-wasip2 -p task-guest --target-dir "$target/tmp/guests"

STEPWASM_BIN="$target/$profile/stepwasm" \
TASK_GUEST="$target/tmp/guests/wasm32-wasip2/release/task_guest.wasm" \
CHROMIUM="$(command -v chromium)" \
SCREENSHOTS="$PWD/target/console-screenshots" \
STEPWASM_TOKEN="console-e2e-token" \
    "$venv/bin/python" -m pytest -q -p no:cacheprovider runtime/server/console/e2e "$@"
