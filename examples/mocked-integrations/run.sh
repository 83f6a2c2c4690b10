#!/usr/bin/env bash
# Tests a workflow written for AWS (DynamoDB, Lambda, SQS) with the mocked integrations of
# MockConfigFile.json, Step Functions Local's format: each test case first on the simulated
# clock (`stepwasm run --mock-config --test-case`: the hour-long Wait and the retries take no
# time), then as durable executions of a server started with `--mock-config` and
# `--wait-time-scale 0`, started on `fulfillment#TestCase`.
# Exits non-zero when an answer differs from the expected files.
#
#   STEPWASM_PROFILE=debug   use a debug build (default: release)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
profile=${STEPWASM_PROFILE:-release}
target=${CARGO_TARGET_DIR:-$root/target}

say() { printf '\n==> %s\n' "$*"; }

say "building stepwasm ($profile)"
if [ "$profile" = release ]; then
    cargo build --release -q -p server --manifest-path "$root/Cargo.toml"
else
    cargo build -q -p server --manifest-path "$root/Cargo.toml"
fi
bin=$target/$profile/stepwasm
out=$(mktemp)

same_json() { # actual-file expected-file
    python3 - "$1" "$2" <<'PY'
import json, sys
a, e = (json.load(open(p)) for p in sys.argv[1:])
if a != e:
    print("unexpected answer:", json.dumps(a, indent=2), "expected:", json.dumps(e, indent=2), sep="\n")
    sys.exit(1)
PY
}

for case in HappyPath ThrottledTwice; do
    say "stepwasm run fulfillment.asl.json --mock-config MockConfigFile.json --test-case $case"
    "$bin" run "$here/fulfillment.asl.json" --input "@$here/input.json" --mock-config "$here/MockConfigFile.json" --test-case "$case" | tee "$out"
    same_json "$out" "$here/expected/$case.json"
done
say "stepwasm run ... --test-case OutOfStock   (caught, then failed: exits 1)"
if "$bin" run "$here/fulfillment.asl.json" --input "@$here/input.json" --mock-config "$here/MockConfigFile.json" --test-case OutOfStock | tee "$out"; then
    echo "the out-of-stock order succeeded" >&2
    exit 1
fi
grep -q 'error: Backordered' "$out"

data=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export STEPWASM_ENDPOINT=http://127.0.0.1:$port
say "starting stepwasm serve --mock-config MockConfigFile.json --wait-time-scale 0 on $STEPWASM_ENDPOINT"
"$bin" serve --listen "127.0.0.1:$port" --data-dir "$data" --log-level error \
    --mock-config "$here/MockConfigFile.json" --wait-time-scale 0 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$data" "$out"' EXIT
for _ in $(seq 1 100); do
    if curl -fsS "$STEPWASM_ENDPOINT/healthz" >/dev/null 2>&1; then break; fi
    sleep 0.1
done
"$bin" deploy "$here"

for case in HappyPath ThrottledTwice; do
    say "stepwasm start 'fulfillment#$case' --wait   (a durable execution, its tasks mocked)"
    "$bin" start "fulfillment#$case" --input "@$here/input.json" --name "$case" --wait | tee "$out"
    same_json "$out" "$here/expected/$case.json"
done
say "stepwasm history of ThrottledTwice (two throttled attempts, then the reservation)"
"$bin" history "arn:aws:states:us-east-1:123456789012:execution:fulfillment:ThrottledTwice" | tee "$out"
[ "$(grep -c 'TaskFailed' "$out")" = 2 ]

say "the mocked test cases ran on the simulated clock and on a server"
