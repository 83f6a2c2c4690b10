#!/usr/bin/env bash
# Every test of the project, in order: the Wasm tasks are built first (the engine, sandbox and
# server tests run them), then the Rust workspace (unit tests, the AWS-recorded conformance
# corpus with its pass bars, the HTTP server over TCP), the guest-side workspaces, the console
# (node unit tests, then headless Chromium end to end), the real AWS clients (boto3, AWS CLI)
# against `stepwasm serve`, and the two examples end to end.
#
# Needs: Rust (rustup), Python 3 with venv, Node.js 20+ with npm, curl; Debian's chromium for
# the console (installed by the console's run.sh when missing and running as root). The
# AWS-recorded conformance corpus is read from `$STEPWASM_CONFORMANCE_CASES`, or from
# `shared/conformance/cases` next to the checkout.
set -euo pipefail
cd "$(dirname "$0")"

if command -v rustup >/dev/null; then
    rustup target add wasm32-wasip1 wasm32-wasip2
fi
section() { printf '\n======== %s (at %d s) ========\n' "$*" "$SECONDS"; }

section "Wasm tasks (plugins/build.sh)"
plugins/build.sh

section "Rust workspace"
cargo test --workspace

section "guest SDK and plugins (native)"
(cd guest-sdk && cargo test)
(cd plugins && cargo test)

section "console unit tests"
node --test runtime/server/console/test/

section "console end to end (headless Chromium)"
runtime/server/console/e2e/run.sh

section "AWS clients (boto3, AWS CLI)"
tests/clients/run.sh

section "the order-processing example"
STEPWASM_PROFILE=debug examples/order-processing/run.sh

section "the mocked-integrations example"
STEPWASM_PROFILE=debug examples/mocked-integrations/run.sh

section "conformance report"
cargo run -q -p server -- conformance "${STEPWASM_CONFORMANCE_CASES:-../shared/conformance/cases}" | tail -n 8
echo "all tests passed in $SECONDS s"
