#!/usr/bin/env bash
# What a Standard execution costs on disk: N executions of the order-processing example (four
# Wasm tasks, 22 history events each) through a release `stepwasm serve`, then the bytes per
# execution of each table and index, from SQLite's dbstat (the pages each one holds).
#
#   N=500 bench/db-size.sh
# Needs Python 3 (its sqlite3 module with dbstat, as Debian's has) and curl.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
n=${N:-500}

"$root/plugins/build.sh" >/dev/null
cargo build --release -q -p server --manifest-path "$root/Cargo.toml"
bin=$target/release/stepwasm
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
data=$(mktemp -d)
"$bin" serve --listen "127.0.0.1:$port" --data-dir "$data" --log-level warn &
server=$!
cleanup() { kill $server 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$data"; }
trap cleanup EXIT
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
export STEPWASM_ENDPOINT=http://127.0.0.1:$port
"$bin" deploy "$root/examples/order-processing" >/dev/null

# Start them 8 at a time through the AWS API, then wait until none is RUNNING.
python3 - "$port" "$n" "$root/examples/order-processing/input.json" <<'PY'
import json, sys, time, urllib.request
from concurrent.futures import ThreadPoolExecutor
port, n, input_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
machine = "arn:aws:states:us-east-1:123456789012:stateMachine:orders"
text = open(input_path).read()

def call(op, body):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/", data=json.dumps(body).encode(), headers={
        "X-Amz-Target": f"AWSStepFunctions.{op}", "Content-Type": "application/x-amz-json-1.0"})
    return json.load(urllib.request.urlopen(req))

with ThreadPoolExecutor(8) as pool:
    list(pool.map(lambda i: call("StartExecution", {"stateMachineArn": machine, "name": f"size-{i}", "input": text}), range(n)))
deadline = time.time() + 120
while call("ListExecutions", {"stateMachineArn": machine, "statusFilter": "RUNNING", "maxResults": 1})["executions"]:
    if time.time() > deadline:
        sys.exit("executions still RUNNING after 120 s")
    time.sleep(0.2)
PY
kill $server; wait $server 2>/dev/null || true

python3 - "$data/stepwasm.db" "$n" <<'PY'
import sqlite3, sys
path, n = sys.argv[1], int(sys.argv[2])
db = sqlite3.connect(path)
statuses = dict(db.execute("SELECT status, COUNT(*) FROM executions GROUP BY status").fetchall())
if statuses != {"SUCCEEDED": n}:
    sys.exit(f"expected {n} SUCCEEDED executions, found {statuses}")
rows = db.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC").fetchall()
# The uploaded Wasm functions are there once, whatever the number of executions.
functions = sum(size for name, size in rows if name in ("functions", "sqlite_autoindex_functions_1"))
total = sum(size for _, size in rows) - functions
print(f"{n} Standard executions of the order example: {total / n / 1024:.1f} KiB per execution on disk "
      f"(and {functions / 1024:.0f} KiB of uploaded functions)")
for name, size in rows:
    if size / n >= 50 and name != "functions":
        print(f"  {name:32} {size / n:8.0f} B per execution")
PY
