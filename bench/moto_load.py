"""The same workflow shape through moto's Step Functions, for comparison with stepwasm.

moto (PyPI moto[server]) runs state machines only with its ASL interpreter switched on
(`execute_state_machine`), has no StartSyncExecution (it answers 500), names every execution
started without a name 'None' (so each run here is given one) and cannot run Lambda tasks
without Docker, so each run here is StartExecution + DescribeExecution polling until the end, of
a machine with the order example's shape: four sequential states with Parameters and ResultPath
(Pass states standing in for the four Wasm tasks). Prints one RESULT line like wrk's script.

Usage: moto_load.py ENDPOINT CONNECTIONS SECONDS
"""

import json
import statistics
import sys
import threading
import time
import urllib.request
import uuid

import boto3
from botocore.config import Config

endpoint, connections, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])

req = urllib.request.Request(
    endpoint + "/moto-api/config",
    data=json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode(),
    method="POST",
    headers={"Content-Type": "application/json"},
)
urllib.request.urlopen(req).read()

def client():
    return boto3.client(
        "stepfunctions",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=Config(max_pool_connections=connections + 4, retries={"max_attempts": 1}),
    )

order = json.load(open(sys.argv[4])) if len(sys.argv) > 4 else {"orderId": "o-1", "items": [{"sku": "A", "quantity": 1}]}

def state(name, result, nxt):
    s = {"Type": "Pass", "Parameters": {"orderId.$": "$.orderId", "step": name}, "ResultPath": f"$.{result}"}
    if nxt:
        s["Next"] = nxt
    else:
        s["End"] = True
    return s

definition = {
    "StartAt": "ValidateOrder",
    "States": {
        "ValidateOrder": state("validate", "validated", "CheckInventory"),
        "CheckInventory": state("inventory", "inventory", "ProcessPayment"),
        "ProcessPayment": state("payment", "charge", "ConfirmOrder"),
        "ConfirmOrder": state("confirm", "confirmation", None),
    },
}
sfn = client()
arn = sfn.create_state_machine(
    name="orders-shape", definition=json.dumps(definition), roleArn="arn:aws:iam::123456789012:role/bench"
)["stateMachineArn"]

latencies = []
errors = 0
first_error = []
lock = threading.Lock()
deadline = time.time() + seconds

def worker():
    global errors
    c = client()
    body = json.dumps(order)
    while time.time() < deadline:
        t0 = time.perf_counter()
        try:
            e = c.start_execution(stateMachineArn=arn, name=uuid.uuid4().hex, input=body)["executionArn"]
            while True:
                d = c.describe_execution(executionArn=e)
                if d["status"] != "RUNNING":
                    break
                time.sleep(0.005)
            ok = d["status"] == "SUCCEEDED"
        except Exception as exc:
            ok = False
            with lock:
                if not first_error:
                    first_error.append(repr(exc))
        dt = time.perf_counter() - t0
        with lock:
            if ok:
                latencies.append(dt)
            else:
                errors += 1

started = time.time()
threads = [threading.Thread(target=worker) for _ in range(connections)]
for t in threads:
    t.start()
for t in threads:
    t.join()
elapsed = time.time() - started
latencies.sort()
def pct(p):
    return latencies[min(len(latencies) - 1, int(p * (len(latencies) - 1)))] * 1000 if latencies else float("nan")
print(
    f"RESULT requests={len(latencies)} duration_s={elapsed:.2f} rps={len(latencies) / elapsed:.1f} "
    f"p50_ms={pct(0.5):.3f} p99_ms={pct(0.99):.3f} errors={errors}"
)
if first_error:
    print(f"first error: {first_error[0]}", file=sys.stderr)
