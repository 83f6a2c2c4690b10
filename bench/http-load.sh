#!/usr/bin/env bash
# HTTP-triggered synchronous runs of the order-processing example (four Wasm tasks) under load:
# `stepwasm serve` (release) with the example deployed, wrk with 32 connections for 30 s
# against POST /orders (a closed loop: each connection sends its next request when the last is
# answered, so this finds the most runs/s, and its latency is connections / throughput), the
# server's RSS sampled every second; then an open loop over the same 32 connections, requests
# sent at a fixed RATE whatever the server does (runtime/server/examples/open_loop.rs), for the
# latency at that throughput; then the same workflow shape through moto's Step Functions
# (moto[server], ASL interpreter on) in the same run.
#
#   DURATION=30 CONNECTIONS=32 RATE=5000 bench/http-load.sh
# Needs wrk (Debian: apt-get install wrk), Python 3 with venv, curl.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
duration=${DURATION:-30}
connections=${CONNECTIONS:-32}
rate=${RATE:-5000}
command -v wrk >/dev/null || { echo "wrk is missing (apt-get install wrk)" >&2; exit 2; }

"$root/plugins/build.sh" >/dev/null
cargo build --release -q -p server --manifest-path "$root/Cargo.toml" --bin stepwasm --example open_loop
bin=$target/release/stepwasm
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

data=$(mktemp -d)
port=$(free_port)
"$bin" serve --listen "127.0.0.1:$port" --data-dir "$data" --log-level warn &
server=$!
moto=
cleanup() { kill $server ${moto:-} 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$data"; }
trap cleanup EXIT
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
STEPWASM_ENDPOINT=http://127.0.0.1:$port "$bin" deploy "$root/examples/order-processing" >/dev/null

export ORDER_INPUT=$root/examples/order-processing/input.json
# Correctness first: the answer is the expected confirmation.
curl -fsS -X POST "http://127.0.0.1:$port/orders" -H 'Content-Type: application/json' --data-binary "@$ORDER_INPUT" \
    | python3 -c 'import json,sys; a=json.load(sys.stdin); e=json.load(open(sys.argv[1])); sys.exit(a != e)' \
      "$root/examples/order-processing/expected-output.json"
# Warm up, then measure with RSS sampling.
wrk -t2 -c"$connections" -d3s -s "$root/bench/post-order.lua" "http://127.0.0.1:$port/orders" >/dev/null
rss() { awk '/VmRSS/ {print $2}' /proc/$server/status; }
rss_log=$(mktemp)
( while kill -0 $server 2>/dev/null; do rss >> "$rss_log"; sleep 1; done ) &
sampler=$!
result=$(wrk -t2 -c"$connections" -d"${duration}s" --latency -s "$root/bench/post-order.lua" "http://127.0.0.1:$port/orders" | grep '^RESULT')
kill $sampler 2>/dev/null || true
rss_first=$(head -n 2 "$rss_log" | tail -n 1)
rss_last=$(tail -n 1 "$rss_log")
rss_max=$(sort -n "$rss_log" | tail -n 1)
echo "stepwasm ($connections connections, ${duration}s, 4 Wasm tasks per run): $result"
echo "stepwasm RSS KiB during the run: first=$rss_first last=$rss_last max=$rss_max ($(wc -l < "$rss_log") samples)"
oresult=$("$target/release/examples/open_loop" "http://127.0.0.1:$port/orders" --rate "$rate" --connections "$connections" \
    --duration "$duration" --body "$ORDER_INPUT" --header 'Content-Type: application/json' | grep '^RESULT')
echo "stepwasm open loop ($rate runs/s offered over $connections connections, ${duration}s): $oresult"

venv=$target/bench-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check "moto[server]" boto3
mport=$(free_port)
"$venv/bin/moto_server" -p "$mport" >/dev/null 2>&1 &
moto=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$mport/moto-api/" >/dev/null 2>&1 && break; sleep 0.1; done
mresult=$("$venv/bin/python" "$root/bench/moto_load.py" "http://127.0.0.1:$mport" "$connections" "$duration" "$ORDER_INPUT" | grep '^RESULT')
echo "moto ($connections clients, ${duration}s, 4 Pass states per run, StartExecution + DescribeExecution polling): $mresult"
python3 - "$result" "$mresult" <<'PY'
import sys
def rps(line):
    return float(dict(kv.split("=") for kv in line.split()[1:])["rps"])
a, b = rps(sys.argv[1]), rps(sys.argv[2])
print(f"ratio: stepwasm {a:.0f} runs/s / moto {b:.1f} runs/s = {a / b:.0f}x" if b > 0 else "ratio: moto completed no runs")
PY
