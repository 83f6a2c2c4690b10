#!/usr/bin/env bash
# Builds what the example needs (the Wasm tasks and stepwasm) and runs it end to end on a
# fresh server with the embedded SQLite store: deploy, a durable execution and its history,
# a rejected order, and the same workflow called synchronously over HTTP.
# Exits non-zero when an answer differs from the expected files.
#
#   STEPWASM_PROFILE=debug   use a debug build (default: release)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
profile=${STEPWASM_PROFILE:-release}
target=${CARGO_TARGET_DIR:-$root/target}

say() { printf '\n==> %s\n' "$*"; }

say "building the Wasm tasks"
"$root/plugins/build.sh" >/dev/null
say "building stepwasm ($profile)"
if [ "$profile" = release ]; then
    cargo build --release -q -p server --manifest-path "$root/Cargo.toml"
else
    cargo build -q -p server --manifest-path "$root/Cargo.toml"
fi
bin=$target/$profile/stepwasm

data=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
endpoint=http://127.0.0.1:$port
export STEPWASM_ENDPOINT=$endpoint
say "starting stepwasm serve on $endpoint (data in $data)"
"$bin" serve --listen "127.0.0.1:$port" --data-dir "$data" --log-level warn &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do
    if curl -fsS "$endpoint/healthz" >/dev/null 2>&1; then break; fi
    sleep 0.1
done
curl -fsS "$endpoint/healthz" >/dev/null

say "stepwasm deploy examples/order-processing"
"$bin" deploy "$here"

same_json() { # actual-file expected-file
    python3 - "$1" "$2" <<'PY'
import json, sys
a, e = (json.load(open(p)) for p in sys.argv[1:])
if a != e:
    print("unexpected answer:", json.dumps(a, indent=2), "expected:", json.dumps(e, indent=2), sep="\n")
    sys.exit(1)
PY
}

say "stepwasm start orders --input @input.json --wait   (a durable STANDARD execution)"
out=$(mktemp)
"$bin" start orders --input "@$here/input.json" --name first-order --wait | tee "$out"
same_json "$out" "$here/expected-output.json"

say "stepwasm history (its timeline)"
"$bin" history arn:aws:states:us-east-1:123456789012:execution:orders:first-order

say "stepwasm start orders --input @bad-input.json --wait   (rejected: exits 1)"
if "$bin" start orders --input "@$here/bad-input.json" --name bad-order --wait; then
    echo "the bad order was accepted" >&2
    exit 1
fi

say "curl -X POST $endpoint/orders   (the EXPRESS machine, synchronously over HTTP)"
code=$(curl -sS -o "$out" -w '%{http_code}' -X POST "$endpoint/orders" -H 'Content-Type: application/json' --data-binary "@$here/input.json")
cat "$out"; echo
[ "$code" = 200 ] || { echo "expected 200, got $code" >&2; exit 1; }
same_json "$out" "$here/expected-output.json"
code=$(curl -sS -o "$out" -w '%{http_code}' -X POST "$endpoint/orders" -H 'Content-Type: application/json' --data-binary "@$here/bad-input.json")
cat "$out"; echo
[ "$code" = 422 ] || { echo "expected 422 for the bad order, got $code" >&2; exit 1; }

say "the example ran end to end"
