"""Fixtures for the client suite: real `stepwasm serve` processes and real AWS clients.

Two servers run for the whole session, each on a free loopback port with a data directory of
its own: `server` has no token, `auth_server` is started with `STEPWASM_TOKEN`. Both are
stopped (SIGTERM, then SIGKILL) when the session ends. Their logs are `server.log` in their
data directories (pytest's temporary directory), and a failing start shows the log.

The binary is `$STEPWASM_BIN`, else `$CARGO_TARGET_DIR/debug/stepwasm`, else
`target/debug/stepwasm` (run.sh builds it).
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
EXAMPLE = REPO / "examples" / "order-processing"
DIST = REPO / "plugins" / "dist"

# Any account id works without a token; the region is what ARNs are built with by default.
REGION = "us-east-1"
ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/stepwasm-client-tests"
ACCESS_KEY = "AKIDCLIENTSUITE"
# The token of `auth_server`; it is also the secret access key signed requests use.
TOKEN = "client-suite-token-0123456789abcdef"

# The clients must not pick up the settings of whoever runs the suite: no profile, no config
# file, no host-prefix setting (the tests set it where they mean to).
for _var in list(os.environ):
    if _var.startswith("AWS_"):
        del os.environ[_var]
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"


def _target_dir():
    t = os.environ.get("CARGO_TARGET_DIR")
    if not t:
        return REPO / "target"
    p = Path(t)
    return p if p.is_absolute() else REPO / p


def binary():
    b = os.environ.get("STEPWASM_BIN")
    return Path(b) if b else _target_dir() / "debug" / "stepwasm"


def aws_executable():
    """The `aws` of the virtualenv that runs pytest."""
    return Path(sys.executable).parent / "aws"


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One `stepwasm serve` process."""

    def __init__(self, data_dir, env_extra=None, config=None):
        self.data_dir = Path(data_dir)
        self.token = (env_extra or {}).get("STEPWASM_TOKEN")
        self.log_path = self.data_dir / "server.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("STEPWASM_")}
        env.update(env_extra or {})
        last_error = None
        for _attempt in range(3):
            self.port = _free_port()
            self.url = f"http://127.0.0.1:{self.port}"
            cmd = [str(binary()), "serve", "--listen", f"127.0.0.1:{self.port}", "--data-dir", str(self.data_dir / "data")]
            if config is not None:
                cfg = self.data_dir / "stepwasm.toml"
                cfg.write_text(config)
                cmd += ["--config", str(cfg)]
            self.log = open(self.log_path, "ab")
            self.proc = subprocess.Popen(cmd, env=env, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            try:
                self._wait_healthy()
                return
            except RuntimeError as e:
                last_error = e
                self.stop()
        raise last_error

    def _wait_healthy(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"stepwasm serve exited with {self.proc.returncode}:\n{self.log_path.read_text()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as r:
                    if r.status == 200 and json.load(r).get("status") == "ok":
                        return
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"stepwasm serve did not answer /healthz within {timeout} s:\n{self.log_path.read_text()}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
        self.log.close()

    # ---- the native API and plain HTTP, with urllib ------------------------------------

    def request(self, method, path, body=None, headers=None, token=None, timeout=60):
        """`(status, headers, body bytes)` of one plain HTTP request; errors are answers too."""
        data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
        h = dict(headers or {})
        if isinstance(body, (dict, list)):
            h.setdefault("Content-Type", "application/json")
        token = self.token if token is None else token
        if token:
            h.setdefault("Authorization", f"Bearer {token}")
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def put_function(self, name, wasm_path):
        status, _, body = self.request("PUT", f"/functions/{name}", Path(wasm_path).read_bytes(),
                                       headers={"Content-Type": "application/wasm"})
        assert status == 200, body
        info = json.loads(body)
        assert info["name"] == name, info
        return info

    def aws_raw(self, target, body, headers=None):
        """A hand-made AWS JSON 1.0 request: `(status, headers, parsed body)`."""
        h = {"Content-Type": "application/x-amz-json-1.0"}
        if target is not None:
            h["X-Amz-Target"] = target
        h.update(headers or {})
        status, rh, raw = self.request("POST", "/", body if isinstance(body, bytes) else json.dumps(body).encode(), headers=h)
        return status, rh, json.loads(raw) if raw else None


def make_client(url, secret="not-checked-without-a-token", config=None, access_key=ACCESS_KEY, **kwargs):
    cfg = Config(inject_host_prefix=False, retries={"max_attempts": 1, "mode": "standard"},
                 connect_timeout=10, read_timeout=90)
    if config is not None:
        cfg = cfg.merge(config)
    return boto3.client("stepfunctions", endpoint_url=url, region_name=REGION,
                        aws_access_key_id=access_key, aws_secret_access_key=secret, config=cfg, **kwargs)


def make_lambda_client(url, secret="not-checked-without-a-token"):
    """Lambda's client, for Invoke of the uploaded functions."""
    cfg = Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=10, read_timeout=90)
    return boto3.client("lambda", endpoint_url=url, region_name=REGION,
                        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=secret, config=cfg)


def unique(prefix):
    """A name no other test uses (the servers live for the whole session)."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def machine_arn(name):
    return f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}"


def create_machine(sfn, definition, kind="STANDARD", name=None, **kwargs):
    name = name or unique("sm")
    text = definition if isinstance(definition, str) else json.dumps(definition)
    r = sfn.create_state_machine(name=name, definition=text, roleArn=ROLE, type=kind, **kwargs)
    assert r["stateMachineArn"] == machine_arn(name)
    return r["stateMachineArn"]


def wait_done(sfn, execution_arn, timeout=60):
    """DescribeExecution once the execution has left RUNNING."""
    deadline = time.monotonic() + timeout
    while True:
        d = sfn.describe_execution(executionArn=execution_arn)
        if d["status"] != "RUNNING":
            return d
        if time.monotonic() > deadline:
            raise AssertionError(f"{execution_arn} still RUNNING after {timeout} s")
        time.sleep(0.05)


def wait_event(sfn, execution_arn, event_type, timeout=30):
    """The first history event of `event_type`, once it is there."""
    deadline = time.monotonic() + timeout
    while True:
        events = sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]
        for e in events:
            if e["type"] == event_type:
                return e
        if time.monotonic() > deadline:
            raise AssertionError(f"no {event_type} in the history of {execution_arn}: {[e['type'] for e in events]}")
        time.sleep(0.05)


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def error_message(excinfo):
    return excinfo.value.response["Error"]["Message"]


# ---- definitions the tests share ----------------------------------------------------------

PASS = {"StartAt": "Hello", "States": {"Hello": {"Type": "Pass", "Result": {"hello": "world"}, "ResultPath": "$.greeting", "End": True}}}
WAIT = {"StartAt": "Sleep", "States": {"Sleep": {"Type": "Wait", "Seconds": 600, "End": True}}}
FAIL = {"StartAt": "Boom", "States": {"Boom": {"Type": "Fail", "Error": "Custom.Boom", "Cause": "it went boom"}}}


# Step Functions Local's mock configuration, for executions started on `ARN#TestCase`.
MOCK_CONFIG = {
    "StateMachines": {"mocked-orders": {"TestCases": {
        "HappyPath": {"Charge": "ChargeRetried", "Notify": "Sent"},
        "NotifyDown": {"Charge": "ChargeRetried", "Notify": "QueueMissing"},
    }}},
    "MockedResponses": {
        "ChargeRetried": {"0": {"Throw": {"Error": "Lambda.TooManyRequestsException", "Cause": "slow down"}},
                          "1": {"Return": {"StatusCode": 200, "Payload": {"charged": 42}}}},
        "Sent": {"0": {"Return": {"MessageId": "m-1", "MD5OfMessageBody": "d41d8cd98f00b204e9800998ecf8427e"}}},
        "QueueMissing": {"0": {"Throw": {"Error": "SQS.QueueDoesNotExistException", "Cause": "no queue"}}},
    },
}


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("open")
    mocks = root / "MockConfigFile.json"
    mocks.write_text(json.dumps(MOCK_CONFIG))
    # A short GetActivityTask wait, so that an empty poll can be tested in seconds.
    s = Server(root, config=f"mock_config = {json.dumps(str(mocks))}\n[limits]\nactivity_poll_seconds = 3\n")
    yield s
    s.stop()


@pytest.fixture(scope="session")
def auth_server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("auth"), env_extra={"STEPWASM_TOKEN": TOKEN})
    yield s
    s.stop()


@pytest.fixture(scope="session")
def sfn(server):
    return make_client(server.url)


@pytest.fixture(scope="session")
def functions(server):
    """The order example's four tasks and `transform`, uploaded to `server`."""
    names = ["validate-order", "check-inventory", "process-payment", "confirm-order", "transform"]
    return {n: server.put_function(n, DIST / f"{n}.wasm") for n in names}


@pytest.fixture(scope="session")
def order_example():
    return {
        "definition": (EXAMPLE / "statemachine.asl.json").read_text(),
        "input": (EXAMPLE / "input.json").read_text(),
        "expected": json.loads((EXAMPLE / "expected-output.json").read_text()),
        "bad_input": (EXAMPLE / "bad-input.json").read_text(),
        "bad_expected": json.loads((EXAMPLE / "bad-input-expected.json").read_text()),
    }
