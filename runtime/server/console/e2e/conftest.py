"""Fixtures for the console's end-to-end tests: a real `stepwasm serve` and headless Chromium.

Environment (set by run.sh): STEPWASM_BIN (the binary), CHROMIUM (Debian's chromium),
TASK_GUEST (a task component with a logging operation), SCREENSHOTS (output folder).
"""

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
FIXTURE = HERE.parent / "test" / "thirty-states.asl.json"
ROLE = "arn:aws:iam::123456789012:role/console-test"


def env_path(name):
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} is not set: run the tests with runtime/server/console/e2e/run.sh")
    return Path(value)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Api:
    """A minimal AWS JSON 1.0 client for the server under test."""

    def __init__(self, base, token=None):
        self.base = base
        self.token = token

    def _send(self, method, path, headers, body):
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=60) as res:
                return json.loads(res.read() or b"{}")
        except urllib.error.HTTPError as e:
            raise AssertionError(f"{method} {path} -> {e.code}: {e.read().decode(errors='replace')}") from None

    def call(self, op, **body):
        headers = {"X-Amz-Target": f"AWSStepFunctions.{op}", "Content-Type": "application/x-amz-json-1.0"}
        return self._send("POST", "/", headers, json.dumps(body).encode())

    def put_function(self, name, wasm, query=""):
        return self._send("PUT", f"/functions/{name}{query}", {"Content-Type": "application/wasm"}, wasm)

    def create_machine(self, name, definition, kind="STANDARD"):
        text = definition if isinstance(definition, str) else json.dumps(definition)
        return self.call("CreateStateMachine", name=name, definition=text, roleArn=ROLE, type=kind)["stateMachineArn"]

    def wait_status(self, arn, statuses, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            d = self.call("DescribeExecution", executionArn=arn)
            if d["status"] in statuses:
                return d
            time.sleep(0.1)
        raise AssertionError(f"{arn} did not reach {statuses} within {timeout} s (last: {d['status']})")


@pytest.fixture(scope="session")
def server():
    binary = env_path("STEPWASM_BIN")
    port = free_port()
    data = tempfile.mkdtemp(prefix="stepwasm-console-")
    log = open(Path(data) / "server.log", "w")
    proc = subprocess.Popen(
        [str(binary), "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", data],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while True:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2):
                break
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                raise RuntimeError(f"stepwasm serve did not start; its log:\n{(Path(data) / 'server.log').read_text()}")
            time.sleep(0.1)
    yield {"base": base, "api": Api(base), "data": data}
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    log.close()
    shutil.rmtree(data, ignore_errors=True)


@pytest.fixture(scope="session")
def api(server):
    return server["api"]


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(env_path("CHROMIUM")), args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    pg = context.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    context.close()
    assert not errors, f"the page threw: {errors}"


@pytest.fixture(scope="session")
def shots():
    folder = env_path("SCREENSHOTS")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
