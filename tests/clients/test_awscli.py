"""The AWS CLI (v1, from PyPI) against stepwasm: `aws stepfunctions ... --endpoint-url`.

Every call runs the `aws` executable of the virtualenv with `--region us-east-1 --output json`,
credentials in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, and
AWS_DISABLE_HOST_PREFIX_INJECTION=true (the CLI has no flag for it, and without it
StartSyncExecution and TestState go to `sync-127.0.0.1`).
"""

import base64
import json
import os
import subprocess
import time

import pytest

from conftest import ACCESS_KEY, ACCOUNT, DIST, EXAMPLE, FAIL, PASS, REGION, ROLE, TOKEN, WAIT, aws_executable, machine_arn, unique


class AwsCli:
    def __init__(self, server, secret="cli-secret-not-checked", extra_env=None):
        self.server = server
        self.env = dict(os.environ)
        self.env.update({
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": secret,
            "AWS_DISABLE_HOST_PREFIX_INJECTION": "true",
            "AWS_MAX_ATTEMPTS": "1",
            "AWS_RETRY_MODE": "standard",
            "AWS_PAGER": "",
        })
        self.env.update(extra_env or {})

    def run(self, *args, service="stepfunctions"):
        cmd = [str(aws_executable()), service, *args, "--endpoint-url", self.server.url,
               "--region", REGION, "--output", "json"]
        return subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)

    def __call__(self, *args):
        """The parsed JSON output of a command that must succeed."""
        p = self.run(*args)
        assert p.returncode == 0, f"aws {' '.join(args)} exited {p.returncode}: {p.stderr}"
        return json.loads(p.stdout) if p.stdout.strip() else {}

    def fails(self, code, *args):
        """Runs a command that must fail with the error `code`; returns stderr."""
        p = self.run(*args)
        assert p.returncode != 0, f"aws {' '.join(args)} succeeded: {p.stdout}"
        assert f"An error occurred ({code})" in p.stderr, p.stderr
        return p.stderr

    def wait(self, execution_arn, timeout=60):
        deadline = time.monotonic() + timeout
        while True:
            d = self("describe-execution", "--execution-arn", execution_arn)
            if d["status"] != "RUNNING" or time.monotonic() > deadline:
                return d
            time.sleep(0.2)


@pytest.fixture(scope="module")
def aws(server):
    return AwsCli(server)


@pytest.fixture
def write(tmp_path):
    def w(obj, name="definition.json"):
        p = tmp_path / name
        p.write_text(obj if isinstance(obj, str) else json.dumps(obj))
        return f"file://{p}"
    return w


def test_cli_state_machine_lifecycle(aws, write):
    name = unique("cli")
    r = aws("create-state-machine", "--name", name, "--definition", write(PASS), "--role-arn", ROLE,
            "--tags", "key=team,value=cli", "key=env,value=test")
    arn = r["stateMachineArn"]
    assert arn == machine_arn(name)
    # CLI v1 prints the wire's epoch seconds as they came.
    assert isinstance(r["creationDate"], (int, float)) and abs(r["creationDate"] - time.time()) < 120
    d = aws("describe-state-machine", "--state-machine-arn", arn)
    assert d["name"] == name and d["type"] == "STANDARD" and d["roleArn"] == ROLE
    assert json.loads(d["definition"]) == PASS
    assert d["creationDate"] == r["creationDate"]
    aws("create-state-machine", "--name", name + "-b", "--definition", write(PASS), "--role-arn", ROLE)
    listed = aws("list-state-machines")["stateMachines"]
    assert [m["name"] for m in listed if m["stateMachineArn"] == arn] == [name]
    # Paging by hand: --max-items with the CLI's own NextToken.
    page = aws("list-state-machines", "--max-items", "1")
    assert len(page["stateMachines"]) == 1 and page["NextToken"]
    rest = aws("list-state-machines", "--starting-token", page["NextToken"])
    assert page["stateMachines"][0] not in rest["stateMachines"]
    assert len(page["stateMachines"]) + len(rest["stateMachines"]) == len(listed)

    u = aws("update-state-machine", "--state-machine-arn", arn, "--definition", write(FAIL), "--publish",
            "--version-description", "from the cli")
    assert u["stateMachineVersionArn"] == arn + ":1"
    assert json.loads(aws("describe-state-machine", "--state-machine-arn", arn)["definition"]) == FAIL
    tags = aws("list-tags-for-resource", "--resource-arn", arn)["tags"]
    assert sorted((t["key"], t["value"]) for t in tags) == [("env", "test"), ("team", "cli")]

    aws("delete-state-machine", "--state-machine-arn", arn)
    err = aws.fails("StateMachineDoesNotExist", "describe-state-machine", "--state-machine-arn", arn)
    assert arn in err


def test_cli_create_errors(aws, write):
    err = aws.fails("InvalidDefinition", "create-state-machine", "--name", unique("bad"),
                    "--definition", write({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Missing"}}}), "--role-arn", ROLE)
    assert "MISSING_TRANSITION_TARGET" in err and "/States/A/Next" in err
    aws.fails("InvalidName", "create-state-machine", "--name", "with space", "--definition", write(PASS), "--role-arn", ROLE)
    aws.fails("InvalidArn", "create-state-machine", "--name", unique("role"), "--definition", write(PASS), "--role-arn", "role")
    name = unique("dup")
    aws("create-state-machine", "--name", name, "--definition", write(PASS), "--role-arn", ROLE)
    aws.fails("StateMachineAlreadyExists", "create-state-machine", "--name", name, "--definition", write(FAIL), "--role-arn", ROLE)


def test_cli_validate_definition(aws, write):
    ok = aws("validate-state-machine-definition", "--definition", write(PASS))
    assert ok == {"result": "OK", "diagnostics": [], "truncated": False}
    bad = aws("validate-state-machine-definition", "--definition", write({"StartAt": "Nope", "States": {"A": {"Type": "Succeed"}}}))
    assert bad["result"] == "FAIL"
    assert "MISSING_TRANSITION_TARGET" in {d["code"] for d in bad["diagnostics"]}
    assert "/StartAt" in {d["location"] for d in bad["diagnostics"]}


def test_cli_executions_and_history(aws, write):
    arn = aws("create-state-machine", "--name", unique("cli-ex"), "--definition", write(PASS), "--role-arn", ROLE)["stateMachineArn"]
    s = aws("start-execution", "--state-machine-arn", arn, "--name", "cli-run", "--input", '{"from": "cli"}')
    assert s["executionArn"] == arn.replace(":stateMachine:", ":execution:") + ":cli-run"
    d = aws.wait(s["executionArn"])
    assert d["status"] == "SUCCEEDED"
    assert d["input"] == '{"from": "cli"}'
    assert json.loads(d["output"]) == {"from": "cli", "greeting": {"hello": "world"}}
    f = aws("describe-state-machine-for-execution", "--execution-arn", s["executionArn"])
    assert f["stateMachineArn"] == arn and json.loads(f["definition"]) == PASS

    h = aws("get-execution-history", "--execution-arn", s["executionArn"])["events"]
    assert [e["type"] for e in h] == ["ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"]
    rev = aws("get-execution-history", "--execution-arn", s["executionArn"], "--reverse-order", "--max-items", "2")
    assert [e["id"] for e in rev["events"]] == [4, 3]
    more = aws("get-execution-history", "--execution-arn", s["executionArn"], "--reverse-order", "--starting-token", rev["NextToken"])
    assert [e["id"] for e in more["events"]] == [2, 1]
    bare = aws("get-execution-history", "--execution-arn", s["executionArn"], "--no-include-execution-data")["events"]
    assert "input" not in bare[0]["executionStartedEventDetails"]

    aws("start-execution", "--state-machine-arn", arn, "--name", "cli-run-2")
    listed = aws("list-executions", "--state-machine-arn", arn, "--status-filter", "SUCCEEDED")["executions"]
    for x in listed:
        aws.wait(x["executionArn"])
    names = {x["name"] for x in aws("list-executions", "--state-machine-arn", arn, "--status-filter", "SUCCEEDED")["executions"]}
    assert names == {"cli-run", "cli-run-2"}
    assert aws("list-executions", "--state-machine-arn", arn, "--status-filter", "FAILED")["executions"] == []
    assert aws("list-map-runs", "--execution-arn", s["executionArn"])["mapRuns"] == []

    aws.fails("ExecutionAlreadyExists", "start-execution", "--state-machine-arn", arn, "--name", "cli-run", "--input", "{}")
    aws.fails("InvalidExecutionInput", "start-execution", "--state-machine-arn", arn, "--input", "{oops")
    aws.fails("ExecutionDoesNotExist", "describe-execution", "--execution-arn", s["executionArn"] + "-nope")
    aws.fails("StateMachineDoesNotExist", "start-execution", "--state-machine-arn", machine_arn(unique("none")))


def test_cli_stop_and_redrive(aws, write):
    arn = aws("create-state-machine", "--name", unique("cli-stop"), "--definition", write(WAIT), "--role-arn", ROLE)["stateMachineArn"]
    ex = aws("start-execution", "--state-machine-arn", arn)["executionArn"]
    r = aws("stop-execution", "--execution-arn", ex, "--error", "Cli.Stop", "--cause", "from the command line")
    assert r["stopDate"]
    d = aws("describe-execution", "--execution-arn", ex)
    assert (d["status"], d["error"], d["cause"]) == ("ABORTED", "Cli.Stop", "from the command line")
    assert d["redriveStatus"] == "REDRIVABLE"
    red = aws("redrive-execution", "--execution-arn", ex)
    assert red["redriveDate"]
    d = aws("describe-execution", "--execution-arn", ex)
    assert d["status"] == "RUNNING" and d["redriveCount"] == 1
    aws("stop-execution", "--execution-arn", ex)
    assert aws("describe-execution", "--execution-arn", ex)["status"] == "ABORTED"


def test_cli_start_sync_execution(aws, write):
    name = unique("cli-sync")
    arn = aws("create-state-machine", "--name", name, "--type", "EXPRESS", "--definition", write(PASS), "--role-arn", ROLE)["stateMachineArn"]
    r = aws("start-sync-execution", "--state-machine-arn", arn, "--input", '{"sync": 1}')
    assert r["status"] == "SUCCEEDED"
    assert json.loads(r["output"]) == {"sync": 1, "greeting": {"hello": "world"}}
    assert r["executionArn"].startswith(f"arn:aws:states:{REGION}:{ACCOUNT}:express:{name}:")
    failing = aws("create-state-machine", "--name", unique("cli-sync-fail"), "--type", "EXPRESS", "--definition", write(FAIL),
                  "--role-arn", ROLE)["stateMachineArn"]
    f = aws("start-sync-execution", "--state-machine-arn", failing)  # exit status 0: the call worked
    assert (f["status"], f["error"], f["cause"]) == ("FAILED", "Custom.Boom", "it went boom")
    std = aws("create-state-machine", "--name", unique("cli-std"), "--definition", write(PASS), "--role-arn", ROLE)["stateMachineArn"]
    aws.fails("StateMachineTypeNotSupported", "start-sync-execution", "--state-machine-arn", std)


def test_cli_activities_and_task_tokens(aws, write):
    name = unique("cli-act")
    act = aws("create-activity", "--name", name)["activityArn"]
    assert act == f"arn:aws:states:{REGION}:{ACCOUNT}:activity:{name}"
    assert aws("describe-activity", "--activity-arn", act)["name"] == name
    assert act in [a["activityArn"] for a in aws("list-activities")["activities"]]
    definition = {"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": act, "Next": "Again"},
                                                 "Again": {"Type": "Task", "Resource": act, "End": True}}}
    arn = aws("create-state-machine", "--name", unique("cli-worker"), "--definition", write(definition), "--role-arn", ROLE)["stateMachineArn"]
    ex = aws("start-execution", "--state-machine-arn", arn, "--input", '{"job": 1}')["executionArn"]
    task = aws("get-activity-task", "--activity-arn", act, "--worker-name", "cli-worker")
    assert json.loads(task["input"]) == {"job": 1}
    aws("send-task-heartbeat", "--task-token", task["taskToken"])
    aws("send-task-success", "--task-token", task["taskToken"], "--task-output", '{"job": 2}')
    second = aws("get-activity-task", "--activity-arn", act)
    assert json.loads(second["input"]) == {"job": 2}
    aws("send-task-failure", "--task-token", second["taskToken"], "--error", "Cli.Failed", "--cause", "second task")
    d = aws.wait(ex)
    assert (d["status"], d["error"], d["cause"]) == ("FAILED", "Cli.Failed", "second task")
    err = aws.run("send-task-success", "--task-token", second["taskToken"], "--task-output", "{}")
    assert err.returncode != 0 and any(f"({c})" in err.stderr for c in ("TaskTimedOut", "TaskDoesNotExist", "InvalidToken"))
    aws("delete-activity", "--activity-arn", act)
    aws.fails("ActivityDoesNotExist", "describe-activity", "--activity-arn", act)


def test_cli_tags(aws, write):
    arn = aws("create-state-machine", "--name", unique("cli-tags"), "--definition", write(PASS), "--role-arn", ROLE)["stateMachineArn"]
    aws("tag-resource", "--resource-arn", arn, "--tags", "key=a,value=1", "key=b,value=2")
    aws("untag-resource", "--resource-arn", arn, "--tag-keys", "a")
    assert aws("list-tags-for-resource", "--resource-arn", arn)["tags"] == [{"key": "b", "value": "2"}]
    aws.fails("ResourceNotFound", "list-tags-for-resource", "--resource-arn", machine_arn(unique("ghost")))


def test_cli_versions_and_aliases(aws, write):
    arn = aws("create-state-machine", "--name", unique("cli-ver"), "--role-arn", ROLE,
              "--definition", write({"StartAt": "R", "States": {"R": {"Type": "Pass", "Result": "first", "End": True}}}))["stateMachineArn"]
    v1 = aws("publish-state-machine-version", "--state-machine-arn", arn, "--description", "one")["stateMachineVersionArn"]
    assert v1 == arn + ":1"
    assert [v["stateMachineVersionArn"] for v in aws("list-state-machine-versions", "--state-machine-arn", arn)["stateMachineVersions"]] == [v1]
    alias = aws("create-state-machine-alias", "--name", "prod", "--routing-configuration",
                f"stateMachineVersionArn={v1},weight=100")["stateMachineAliasArn"]
    assert alias == arn + ":prod"
    d = aws("describe-state-machine-alias", "--state-machine-alias-arn", alias)
    assert d["routingConfiguration"] == [{"stateMachineVersionArn": v1, "weight": 100}]
    aws("update-state-machine-alias", "--state-machine-alias-arn", alias, "--description", "changed")
    assert aws("describe-state-machine-alias", "--state-machine-alias-arn", alias)["description"] == "changed"
    assert [a["stateMachineAliasArn"] for a in aws("list-state-machine-aliases", "--state-machine-arn", arn)["stateMachineAliases"]] == [alias]
    ex = aws("start-execution", "--state-machine-arn", alias)["executionArn"]
    d = aws.wait(ex)
    assert json.loads(d["output"]) == "first" and d["stateMachineAliasArn"] == alias and d["stateMachineVersionArn"] == v1
    aws.fails("ConflictException", "delete-state-machine-version", "--state-machine-version-arn", v1)
    aws("delete-state-machine-alias", "--state-machine-alias-arn", alias)
    aws.fails("ResourceNotFound", "describe-state-machine-alias", "--state-machine-alias-arn", alias)
    aws("delete-state-machine-version", "--state-machine-version-arn", v1)
    assert aws("list-state-machine-versions", "--state-machine-arn", arn)["stateMachineVersions"] == []


def test_cli_test_state(aws, write):
    state = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f", "Payload.$": "$"},
             "Retry": [{"ErrorEquals": ["Throttled"], "IntervalSeconds": 2}], "Next": "After"}
    ok = aws("test-state", "--definition", write(state), "--input", '{"a": 1}', "--mock", json.dumps({"result": '{"b": 2}'}))
    assert ok["status"] == "SUCCEEDED" and json.loads(ok["output"]) == {"b": 2} and ok["nextState"] == "After"
    retry = aws("test-state", "--definition", write(state), "--mock", json.dumps({"errorOutput": {"error": "Throttled", "cause": "slow down"}}))
    assert (retry["status"], retry["error"], retry["cause"]) == ("RETRIABLE", "Throttled", "slow down")
    aws.fails("InvalidDefinition", "test-state", "--definition", write({"Type": "Nope"}))


def test_cli_map_runs(aws, write):
    aws.fails("ResourceNotFound", "describe-map-run", "--map-run-arn",
              f"arn:aws:states:{REGION}:{ACCOUNT}:mapRun:x/m:00000000-0000-0000-0000-000000000000")
    dist = {"StartAt": "M", "States": {"M": {"Type": "Map", "End": True, "ItemProcessor": {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "P",
        "States": {"P": {"Type": "Pass", "End": True}}}}}}
    arn = aws("create-state-machine", "--name", unique("cli-dist"), "--definition", write(dist),
              "--role-arn", ROLE)["stateMachineArn"]
    ex = aws("start-execution", "--state-machine-arn", arn, "--input", "[1, 2]")["executionArn"]
    aws.wait(ex)
    runs = aws("list-map-runs", "--execution-arn", ex)["mapRuns"]
    assert len(runs) == 1
    run = aws("describe-map-run", "--map-run-arn", runs[0]["mapRunArn"])
    assert (run["status"], run["itemCounts"]["succeeded"], run["executionCounts"]["total"]) == ("SUCCEEDED", 2, 2)
    kids = aws("list-executions", "--map-run-arn", runs[0]["mapRunArn"])["executions"]
    assert sorted(k["status"] for k in kids) == ["SUCCEEDED", "SUCCEEDED"]


def test_cli_with_a_token(auth_server, write):
    good = AwsCli(auth_server, secret=TOKEN)
    arn = good("create-state-machine", "--name", unique("cli-auth"), "--type", "EXPRESS", "--definition", write(PASS),
               "--role-arn", ROLE)["stateMachineArn"]
    assert arn in [m["stateMachineArn"] for m in good("list-state-machines")["stateMachines"]]
    assert good("start-sync-execution", "--state-machine-arn", arn)["status"] == "SUCCEEDED"
    AwsCli(auth_server, secret="a-wrong-secret-key-0000").fails("InvalidSignatureException", "list-state-machines")
    p = good.run("list-state-machines", "--no-sign-request")
    assert p.returncode != 0 and "MissingAuthenticationTokenException" in p.stderr


def test_cli_lambda_invoke_calls_a_wasm_function(aws, server, tmp_path):
    server.put_function("validate-order", DIST / "validate-order.wasm")
    out = tmp_path / "out.json"
    p = aws.run("invoke", "--function-name", "validate-order", "--payload", f"file://{EXAMPLE / 'input.json'}",
                "--log-type", "Tail", str(out), service="lambda")
    assert p.returncode == 0, p.stderr
    meta = json.loads(p.stdout)
    assert (meta["StatusCode"], meta.get("FunctionError")) == (200, None), meta
    assert json.loads(out.read_text())["orderId"] == json.loads((EXAMPLE / "input.json").read_text())["orderId"]
    assert "is valid" in base64.b64decode(meta["LogResult"]).decode()
    p = aws.run("invoke", "--function-name", "validate-order", "--payload", f"file://{EXAMPLE / 'bad-input.json'}",
                str(out), service="lambda")
    assert p.returncode == 0 and json.loads(p.stdout)["FunctionError"] == "Unhandled", p.stdout
    assert json.loads(out.read_text())["errorType"] == "InvalidOrder"
