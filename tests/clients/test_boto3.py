"""Every Step Functions operation stepwasm implements, called through boto3, errors included."""

import base64
import copy
import json
import threading
import time
from datetime import datetime, timedelta, timezone

import botocore
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import (
    ACCOUNT,
    DIST,
    EXAMPLE,
    FAIL,
    PASS,
    REGION,
    ROLE,
    TOKEN,
    WAIT,
    create_machine,
    error_code,
    error_message,
    machine_arn,
    make_client,
    make_lambda_client,
    unique,
    wait_done,
    wait_event,
)


def near_now(t, slack=timedelta(minutes=2)):
    return abs(datetime.now(timezone.utc) - t) < slack


# ---- state machines -------------------------------------------------------------------------


def test_create_standard_describe_and_list(sfn):
    name = unique("std")
    definition = json.dumps(PASS, indent=2)
    r = sfn.create_state_machine(name=name, definition=definition, roleArn=ROLE,
                                 tags=[{"key": "team", "value": "core"}, {"key": "env", "value": "test"}])
    assert r["stateMachineArn"] == f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}"
    assert near_now(r["creationDate"])
    assert "stateMachineVersionArn" not in r
    d = sfn.describe_state_machine(stateMachineArn=r["stateMachineArn"])
    assert d["name"] == name
    assert d["type"] == "STANDARD"
    assert d["status"] == "ACTIVE"
    assert d["definition"] == definition  # byte for byte, indentation included
    assert d["roleArn"] == ROLE
    assert d["creationDate"] == r["creationDate"]
    assert d["loggingConfiguration"]["level"] == "OFF"
    tags = sfn.list_tags_for_resource(resourceArn=r["stateMachineArn"])["tags"]
    assert sorted((t["key"], t["value"]) for t in tags) == [("env", "test"), ("team", "core")]
    listed = {m["name"]: m for p in sfn.get_paginator("list_state_machines").paginate() for m in p["stateMachines"]}
    assert listed[name]["stateMachineArn"] == r["stateMachineArn"]
    assert listed[name]["type"] == "STANDARD"
    assert listed[name]["creationDate"] == r["creationDate"]
    meta = sfn.describe_state_machine(stateMachineArn=r["stateMachineArn"], includedData="METADATA_ONLY")
    assert meta["name"] == name and meta["definition"] != definition


def test_create_express(sfn):
    arn = create_machine(sfn, PASS, kind="EXPRESS")
    assert sfn.describe_state_machine(stateMachineArn=arn)["type"] == "EXPRESS"
    listed = [m for p in sfn.get_paginator("list_state_machines").paginate() for m in p["stateMachines"] if m["stateMachineArn"] == arn]
    assert [m["type"] for m in listed] == ["EXPRESS"]


def test_logging_and_tracing_configuration_round_trip(sfn):
    logging = {"level": "ERROR", "includeExecutionData": True, "destinations": [
        {"cloudWatchLogsLogGroup": {"logGroupArn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:sfn:*"}}]}
    arn = create_machine(sfn, PASS, loggingConfiguration=logging, tracingConfiguration={"enabled": True})
    d = sfn.describe_state_machine(stateMachineArn=arn)
    assert d["loggingConfiguration"] == logging
    assert d["tracingConfiguration"] == {"enabled": True}
    sfn.update_state_machine(stateMachineArn=arn, tracingConfiguration={"enabled": False})
    d = sfn.describe_state_machine(stateMachineArn=arn)
    assert d["tracingConfiguration"] == {"enabled": False} and d["loggingConfiguration"] == logging


def test_create_with_publish_makes_version_1(sfn):
    name = unique("pub")
    r = sfn.create_state_machine(name=name, definition=json.dumps(PASS), roleArn=ROLE, publish=True, versionDescription="first")
    assert r["stateMachineVersionArn"] == machine_arn(name) + ":1"
    versions = sfn.list_state_machine_versions(stateMachineArn=r["stateMachineArn"])["stateMachineVersions"]
    assert [v["stateMachineVersionArn"] for v in versions] == [machine_arn(name) + ":1"]
    v = sfn.describe_state_machine(stateMachineArn=r["stateMachineVersionArn"])
    assert v["stateMachineArn"] == r["stateMachineVersionArn"]
    assert v["description"] == "first"
    assert json.loads(v["definition"]) == PASS


def test_create_is_idempotent_and_conflicts_on_a_different_definition(sfn):
    name = unique("idem")
    first = sfn.create_state_machine(name=name, definition=json.dumps(PASS), roleArn=ROLE)
    again = sfn.create_state_machine(name=name, definition=json.dumps(PASS), roleArn=ROLE)
    assert again["stateMachineArn"] == first["stateMachineArn"]
    assert again["creationDate"] == first["creationDate"]
    with pytest.raises(ClientError) as e:
        sfn.create_state_machine(name=name, definition=json.dumps(FAIL), roleArn=ROLE)
    assert error_code(e) == "StateMachineAlreadyExists"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert name in error_message(e)
    with pytest.raises(ClientError) as e:
        sfn.create_state_machine(name=name, definition=json.dumps(PASS), roleArn=ROLE, type="EXPRESS")
    assert error_code(e) == "StateMachineAlreadyExists"


def test_create_ignores_a_different_role_and_tags_on_a_repeat(sfn):
    # AWS: "If a following request has a different roleArn or tags, Step Functions will ignore
    # these differences and treat it as an idempotent request of the previous."
    name = unique("idem-role")
    first = sfn.create_state_machine(name=name, definition=json.dumps(PASS), roleArn=ROLE, tags=[{"key": "a", "value": "1"}])
    other_role = f"arn:aws:iam::{ACCOUNT}:role/another-role"
    again = sfn.create_state_machine(name=name, definition=json.dumps(PASS), roleArn=other_role, tags=[{"key": "b", "value": "2"}])
    assert again["stateMachineArn"] == first["stateMachineArn"]
    assert again["creationDate"] == first["creationDate"]
    assert sfn.describe_state_machine(stateMachineArn=first["stateMachineArn"])["roleArn"] == ROLE
    tags = sfn.list_tags_for_resource(resourceArn=first["stateMachineArn"])["tags"]
    assert [(t["key"], t["value"]) for t in tags] == [("a", "1")]


def test_invalid_definition_reports_the_diagnostics(sfn):
    broken = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}}
    with pytest.raises(ClientError) as e:
        sfn.create_state_machine(name=unique("bad"), definition=json.dumps(broken), roleArn=ROLE)
    assert error_code(e) == "InvalidDefinition"
    msg = error_message(e)
    assert msg.startswith("Invalid State Machine Definition: '")
    assert "MISSING_TRANSITION_TARGET" in msg and "/States/A/Next" in msg and "Nowhere" in msg
    with pytest.raises(ClientError) as e:
        sfn.create_state_machine(name=unique("bad"), definition="{not json", roleArn=ROLE)
    assert error_code(e) == "InvalidDefinition"
    assert "INVALID_JSON_DESCRIPTION" in error_message(e)
    # Nothing was created.
    names = [m["name"] for p in sfn.get_paginator("list_state_machines").paginate() for m in p["stateMachines"]]
    assert not [n for n in names if n.startswith("bad-")]


def test_express_only_rules_apply_to_express_definitions(sfn):
    # .sync and .waitForTaskToken service patterns are not allowed in EXPRESS machines.
    callback = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                                                 "Parameters": {"FunctionName": "f", "Payload": {"t.$": "$$.Task.Token"}}, "End": True}}}
    ok = sfn.validate_state_machine_definition(definition=json.dumps(callback), type="STANDARD")
    assert ok["result"] == "OK", ok["diagnostics"]
    with pytest.raises(ClientError) as e:
        sfn.create_state_machine(name=unique("exp"), definition=json.dumps(callback), roleArn=ROLE, type="EXPRESS")
    assert error_code(e) == "InvalidDefinition"


def test_invalid_names(sfn):
    for bad in ["has space", "a/b", "brace{", "x" * 81]:
        with pytest.raises(ClientError) as e:
            sfn.create_state_machine(name=bad, definition=json.dumps(PASS), roleArn=ROLE)
        assert error_code(e) in ("InvalidName", "ValidationException"), bad
        if len(bad) <= 80:
            assert error_code(e) == "InvalidName", bad


def test_invalid_role_arn(sfn):
    for role in ["not-an-arn", "arn:aws:iam::123456789012:user/bob", "arn:aws:s3:::bucket"]:
        with pytest.raises(ClientError) as e:
            sfn.create_state_machine(name=unique("role"), definition=json.dumps(PASS), roleArn=role)
        assert error_code(e) == "InvalidArn", role


def test_update_state_machine(sfn):
    arn = create_machine(sfn, PASS)
    before = sfn.describe_state_machine(stateMachineArn=arn)
    new_def = json.dumps({"StartAt": "X", "States": {"X": {"Type": "Succeed"}}})
    u = sfn.update_state_machine(stateMachineArn=arn, definition=new_def)
    assert near_now(u["updateDate"])
    assert u["revisionId"]
    after = sfn.describe_state_machine(stateMachineArn=arn)
    assert after["definition"] == new_def
    assert after["revisionId"] == u["revisionId"] != before.get("revisionId")
    assert after["creationDate"] == before["creationDate"]
    u2 = sfn.update_state_machine(stateMachineArn=arn, roleArn=f"arn:aws:iam::{ACCOUNT}:role/second", publish=True, versionDescription="v")
    assert u2["revisionId"] != u["revisionId"]
    assert u2["stateMachineVersionArn"] == arn + ":1"
    assert sfn.describe_state_machine(stateMachineArn=arn)["roleArn"] == f"arn:aws:iam::{ACCOUNT}:role/second"
    # The executions started afterwards run the new definition.
    ex = sfn.start_execution(stateMachineArn=arn, input='{"k": 1}')
    assert json.loads(wait_done(sfn, ex["executionArn"])["output"]) == {"k": 1}

    with pytest.raises(ClientError) as e:
        sfn.update_state_machine(stateMachineArn=arn)
    assert error_code(e) == "MissingRequiredParameter"
    with pytest.raises(ClientError) as e:
        sfn.update_state_machine(stateMachineArn=arn, definition='{"StartAt": "Nope", "States": {}}')
    assert error_code(e) == "InvalidDefinition"
    assert sfn.describe_state_machine(stateMachineArn=arn)["definition"] == new_def
    with pytest.raises(ClientError) as e:
        sfn.update_state_machine(stateMachineArn=machine_arn(unique("missing")), definition=new_def)
    assert error_code(e) == "StateMachineDoesNotExist"
    with pytest.raises(ClientError) as e:
        sfn.update_state_machine(stateMachineArn=arn, roleArn="bogus")
    assert error_code(e) == "InvalidArn"


def test_delete_state_machine(sfn):
    arn = create_machine(sfn, WAIT)
    running = sfn.start_execution(stateMachineArn=arn, name="will-be-aborted")["executionArn"]
    assert sfn.delete_state_machine(stateMachineArn=arn)["ResponseMetadata"]["HTTPStatusCode"] == 200
    with pytest.raises(ClientError) as e:
        sfn.describe_state_machine(stateMachineArn=arn)
    assert error_code(e) == "StateMachineDoesNotExist"
    assert arn in error_message(e)
    listed = [m["stateMachineArn"] for p in sfn.get_paginator("list_state_machines").paginate() for m in p["stateMachines"]]
    assert arn not in listed
    # Its running executions end.
    assert wait_done(sfn, running, timeout=30)["status"] == "ABORTED"
    # Deleting is idempotent; an ARN that is not an ARN is refused.
    assert sfn.delete_state_machine(stateMachineArn=arn)["ResponseMetadata"]["HTTPStatusCode"] == 200
    with pytest.raises(ClientError) as e:
        sfn.delete_state_machine(stateMachineArn="not-an-arn")
    assert error_code(e) == "InvalidArn"
    with pytest.raises(ClientError) as e:
        sfn.start_execution(stateMachineArn=arn)
    assert error_code(e) in ("StateMachineDoesNotExist", "StateMachineDeleting")


def test_describe_missing_or_malformed_state_machine(sfn):
    with pytest.raises(ClientError) as e:
        sfn.describe_state_machine(stateMachineArn=machine_arn(unique("ghost")))
    assert error_code(e) == "StateMachineDoesNotExist"
    with pytest.raises(ClientError) as e:
        sfn.describe_state_machine(stateMachineArn="arn:aws:states:us-east-1:123456789012:activity:nope")
    assert error_code(e) == "InvalidArn"


def test_list_state_machines_pages(sfn):
    prefix = unique("page")
    arns = {create_machine(sfn, PASS, name=f"{prefix}-{i}") for i in range(5)}
    pages = list(sfn.get_paginator("list_state_machines").paginate(PaginationConfig={"PageSize": 2}))
    assert len(pages) >= 3
    assert all(len(p["stateMachines"]) <= 2 for p in pages)
    assert all("nextToken" in p for p in pages[:-1]) and "nextToken" not in pages[-1]
    seen = [m["stateMachineArn"] for p in pages for m in p["stateMachines"]]
    assert len(seen) == len(set(seen)), "a machine was listed twice"
    assert arns <= set(seen)
    # By hand: the token continues where the page stopped.
    first = sfn.list_state_machines(maxResults=2)
    second = sfn.list_state_machines(maxResults=2, nextToken=first["nextToken"])
    assert len(first["stateMachines"]) == 2
    assert not {m["stateMachineArn"] for m in first["stateMachines"]} & {m["stateMachineArn"] for m in second["stateMachines"]}
    assert sfn.list_state_machines(maxResults=1000)["stateMachines"] == [m for p in pages for m in p["stateMachines"]]
    with pytest.raises(ClientError) as e:
        sfn.list_state_machines(nextToken="this-is-not-a-token")
    assert error_code(e) == "InvalidToken"
    with pytest.raises(ClientError) as e:
        sfn.list_state_machines(maxResults=1001)
    assert error_code(e) == "ValidationException"


def test_validate_state_machine_definition(sfn):
    ok = sfn.validate_state_machine_definition(definition=json.dumps(PASS))
    assert ok["result"] == "OK"
    assert ok["diagnostics"] == []
    assert ok["truncated"] is False
    broken = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Gone"}, "Lost": {"Type": "Succeed"}}}
    r = sfn.validate_state_machine_definition(definition=json.dumps(broken))
    assert r["result"] == "FAIL"
    by_location = {d["location"]: d for d in r["diagnostics"]}
    assert set(by_location) == {"/States/A/Next", "/States/Lost"}
    assert by_location["/States/A/Next"]["code"] == "MISSING_TRANSITION_TARGET"
    assert by_location["/States/A/Next"]["severity"] == "ERROR"
    assert "Gone" in by_location["/States/A/Next"]["message"]
    assert "not reachable" in by_location["/States/Lost"]["message"]
    schema = sfn.validate_state_machine_definition(definition=json.dumps({"StartAt": "B", "States": {"B": {"Type": "Wrong", "End": True}}}))
    assert schema["result"] == "FAIL"
    assert [(d["code"], d["location"]) for d in schema["diagnostics"]] == [("SCHEMA_VALIDATION_FAILED", "/States/B/Type")]
    cut = sfn.validate_state_machine_definition(definition=json.dumps(broken), maxResults=1)
    assert cut["result"] == "FAIL" and len(cut["diagnostics"]) == 1 and cut["truncated"] is True
    nojson = sfn.validate_state_machine_definition(definition="[1, 2")
    assert nojson["result"] == "FAIL"
    assert [d["code"] for d in nojson["diagnostics"]] == ["INVALID_JSON_DESCRIPTION"]


# ---- executions -----------------------------------------------------------------------------


def test_start_and_describe_execution(sfn):
    name = unique("m")
    arn = create_machine(sfn, PASS, name=name)
    raw_input = '{"order":  42, "note": "spaces kept"}'
    s = sfn.start_execution(stateMachineArn=arn, name="first-run", input=raw_input, traceHeader="Root=1-5759e988-bd862e3fe1be46a994272793")
    assert s["executionArn"] == f"arn:aws:states:{REGION}:{ACCOUNT}:execution:{name}:first-run"
    assert near_now(s["startDate"])
    d = wait_done(sfn, s["executionArn"])
    assert d["status"] == "SUCCEEDED"
    assert d["name"] == "first-run"
    assert d["stateMachineArn"] == arn
    assert d["input"] == raw_input  # the caller's text, byte for byte
    assert json.loads(d["output"]) == {"order": 42, "note": "spaces kept", "greeting": {"hello": "world"}}
    assert d["startDate"] == s["startDate"]
    assert d["stopDate"] >= d["startDate"]
    assert d["redriveCount"] == 0
    assert d["redriveStatus"] == "NOT_REDRIVABLE"
    assert d["traceHeader"] == "Root=1-5759e988-bd862e3fe1be46a994272793"
    meta = sfn.describe_execution(executionArn=s["executionArn"], includedData="METADATA_ONLY")
    assert "input" not in meta and "output" not in meta and meta["status"] == "SUCCEEDED"
    f = sfn.describe_state_machine_for_execution(executionArn=s["executionArn"])
    assert f["stateMachineArn"] == arn
    assert f["name"] == name
    assert json.loads(f["definition"]) == PASS
    assert f["roleArn"] == ROLE
    # No name: a fresh UUID every time.
    a = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    b = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    assert a != b
    assert len(a.rsplit(":", 1)[1]) == 36
    assert json.loads(wait_done(sfn, a)["input"]) == {}


def test_describe_state_machine_for_execution_keeps_the_old_definition(sfn):
    arn = create_machine(sfn, WAIT)
    ex = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(PASS))
    assert json.loads(sfn.describe_state_machine_for_execution(executionArn=ex)["definition"]) == WAIT
    sfn.stop_execution(executionArn=ex)
    with pytest.raises(ClientError) as e:
        sfn.describe_state_machine_for_execution(executionArn=ex + "-missing")
    assert error_code(e) == "ExecutionDoesNotExist"


def test_start_execution_is_idempotent_while_running(sfn):
    arn = create_machine(sfn, WAIT)
    first = sfn.start_execution(stateMachineArn=arn, name="same", input='{"a": 1}')
    again = sfn.start_execution(stateMachineArn=arn, name="same", input='{"a": 1}')
    assert again["executionArn"] == first["executionArn"]
    assert again["startDate"] == first["startDate"]
    with pytest.raises(ClientError) as e:
        sfn.start_execution(stateMachineArn=arn, name="same", input='{"a": 2}')
    assert error_code(e) == "ExecutionAlreadyExists"
    assert first["executionArn"] in error_message(e)
    sfn.stop_execution(executionArn=first["executionArn"])
    # Once closed, even the same input is refused.
    with pytest.raises(ClientError) as e:
        sfn.start_execution(stateMachineArn=arn, name="same", input='{"a": 1}')
    assert error_code(e) == "ExecutionAlreadyExists"
    execs = sfn.list_executions(stateMachineArn=arn)["executions"]
    assert [x["name"] for x in execs] == ["same"]


def test_start_execution_errors(sfn):
    arn = create_machine(sfn, PASS)
    cases = [
        (dict(stateMachineArn=machine_arn(unique("none"))), "StateMachineDoesNotExist"),
        (dict(stateMachineArn="not-an-arn"), "InvalidArn"),
        (dict(stateMachineArn=arn, input="{broken"), "InvalidExecutionInput"),
        (dict(stateMachineArn=arn, name="bad name"), "InvalidName"),
        (dict(stateMachineArn=arn, name="a:b"), "InvalidName"),
    ]
    for kwargs, code in cases:
        with pytest.raises(ClientError) as e:
            sfn.start_execution(**kwargs)
        assert error_code(e) == code, kwargs
    assert sfn.list_executions(stateMachineArn=arn)["executions"] == []


def test_describe_execution_errors(sfn):
    with pytest.raises(ClientError) as e:
        sfn.describe_execution(executionArn=f"arn:aws:states:{REGION}:{ACCOUNT}:execution:{unique('m')}:nope")
    assert error_code(e) == "ExecutionDoesNotExist"
    with pytest.raises(ClientError) as e:
        sfn.describe_execution(executionArn="nope")
    assert error_code(e) == "InvalidArn"


CHOOSE = {
    "StartAt": "Route",
    "States": {
        "Route": {"Type": "Choice", "Choices": [
            {"Variable": "$.mode", "StringEquals": "wait", "Next": "Sleep"},
            {"Variable": "$.mode", "StringEquals": "fail", "Next": "Boom"},
        ], "Default": "Done"},
        "Sleep": {"Type": "Wait", "Seconds": 600, "End": True},
        "Boom": {"Type": "Fail", "Error": "Chosen", "Cause": "mode was fail"},
        "Done": {"Type": "Pass", "End": True},
    },
}


def test_list_executions_with_status_filter_and_pages(sfn):
    arn = create_machine(sfn, CHOOSE)
    started = {}
    for name, mode in [("ok-1", "pass"), ("ok-2", "pass"), ("ok-3", "pass"), ("bad-1", "fail"), ("slow-1", "wait")]:
        started[name] = sfn.start_execution(stateMachineArn=arn, name=name, input=json.dumps({"mode": mode}))["executionArn"]
    for name in ["ok-1", "ok-2", "ok-3", "bad-1"]:
        wait_done(sfn, started[name])

    def names(**kw):
        return sorted(x["name"] for p in sfn.get_paginator("list_executions").paginate(stateMachineArn=arn, **kw) for x in p["executions"])

    assert names(statusFilter="SUCCEEDED") == ["ok-1", "ok-2", "ok-3"]
    assert names(statusFilter="FAILED") == ["bad-1"]
    assert names(statusFilter="RUNNING") == ["slow-1"]
    assert names(statusFilter="ABORTED") == []
    pages = list(sfn.get_paginator("list_executions").paginate(stateMachineArn=arn, PaginationConfig={"PageSize": 2}))
    assert [len(p["executions"]) for p in pages] == [2, 2, 1]
    items = [x for p in pages for x in p["executions"]]
    assert sorted(x["name"] for x in items) == sorted(started)
    # Newest first.
    assert [x["startDate"] for x in items] == sorted((x["startDate"] for x in items), reverse=True)
    item = next(x for x in items if x["name"] == "bad-1")
    assert item["status"] == "FAILED" and item["executionArn"] == started["bad-1"] and item["stateMachineArn"] == arn
    assert item["stopDate"] >= item["startDate"]
    running = next(x for x in items if x["name"] == "slow-1")
    assert "stopDate" not in running
    sfn.stop_execution(executionArn=started["slow-1"])
    assert names(statusFilter="ABORTED") == ["slow-1"]
    with pytest.raises(ClientError) as e:
        sfn.list_executions(stateMachineArn=machine_arn(unique("none")))
    assert error_code(e) == "StateMachineDoesNotExist"
    with pytest.raises(ClientError) as e:
        sfn.list_executions(stateMachineArn=arn, statusFilter="SLEEPING")
    assert error_code(e) == "ValidationException"


TWO_PASSES = {
    "StartAt": "One",
    "States": {
        "One": {"Type": "Pass", "Result": 1, "ResultPath": "$.one", "Next": "Two"},
        "Two": {"Type": "Pass", "Result": 2, "ResultPath": "$.two", "End": True},
    },
}


def test_get_execution_history(sfn):
    arn = create_machine(sfn, TWO_PASSES)
    ex = sfn.start_execution(stateMachineArn=arn, input='{"start": true}')["executionArn"]
    wait_done(sfn, ex)
    events = sfn.get_execution_history(executionArn=ex)["events"]
    assert [e["type"] for e in events] == [
        "ExecutionStarted", "PassStateEntered", "PassStateExited", "PassStateEntered", "PassStateExited", "ExecutionSucceeded",
    ]
    assert [e["id"] for e in events] == [1, 2, 3, 4, 5, 6]
    assert [e["previousEventId"] for e in events[2:]] == [2, 3, 4, 5]
    started = events[0]["executionStartedEventDetails"]
    assert json.loads(started["input"]) == {"start": True}
    assert started["roleArn"] == ROLE
    assert events[1]["stateEnteredEventDetails"]["name"] == "One"
    assert json.loads(events[2]["stateExitedEventDetails"]["output"]) == {"start": True, "one": 1}
    assert json.loads(events[5]["executionSucceededEventDetails"]["output"]) == {"start": True, "one": 1, "two": 2}
    assert all(near_now(e["timestamp"]) for e in events)

    rev = sfn.get_execution_history(executionArn=ex, reverseOrder=True)["events"]
    assert [e["id"] for e in rev] == [6, 5, 4, 3, 2, 1]
    assert rev == list(reversed(events))

    pages = list(sfn.get_paginator("get_execution_history").paginate(executionArn=ex, PaginationConfig={"PageSize": 4}))
    assert [len(p["events"]) for p in pages] == [4, 2]
    assert [e for p in pages for e in p["events"]] == events
    rpages = list(sfn.get_paginator("get_execution_history").paginate(executionArn=ex, reverseOrder=True, PaginationConfig={"PageSize": 5}))
    assert [e["id"] for p in rpages for e in p["events"]] == [6, 5, 4, 3, 2, 1]

    bare = sfn.get_execution_history(executionArn=ex, includeExecutionData=False)["events"]
    assert [e["type"] for e in bare] == [e["type"] for e in events]
    assert "input" not in bare[0]["executionStartedEventDetails"]
    assert bare[0]["executionStartedEventDetails"]["roleArn"] == ROLE
    assert bare[1]["stateEnteredEventDetails"] == {"name": "One"}
    assert "output" not in bare[2]["stateExitedEventDetails"]
    assert "output" not in bare[5].get("executionSucceededEventDetails", {})

    with pytest.raises(ClientError) as e:
        sfn.get_execution_history(executionArn=ex + "x")
    assert error_code(e) == "ExecutionDoesNotExist"
    with pytest.raises(ClientError) as e:
        sfn.get_execution_history(executionArn=ex, nextToken="bogus-token")
    assert error_code(e) == "InvalidToken"


def test_stop_execution_echoes_error_and_cause(sfn):
    arn = create_machine(sfn, WAIT)
    ex = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    wait_event(sfn, ex, "WaitStateEntered")
    r = sfn.stop_execution(executionArn=ex, error="Operator.Stop", cause="stopped by the client suite")
    assert near_now(r["stopDate"])
    d = sfn.describe_execution(executionArn=ex)
    assert d["status"] == "ABORTED"
    assert d["error"] == "Operator.Stop"
    assert d["cause"] == "stopped by the client suite"
    assert d["stopDate"] == r["stopDate"]
    assert "output" not in d
    last = sfn.get_execution_history(executionArn=ex, reverseOrder=True, maxResults=1)["events"][0]
    assert last["type"] == "ExecutionAborted"
    assert last["executionAbortedEventDetails"] == {"error": "Operator.Stop", "cause": "stopped by the client suite"}
    with pytest.raises(ClientError) as e:
        sfn.stop_execution(executionArn=ex + "-missing")
    assert error_code(e) == "ExecutionDoesNotExist"


FLAKY = {
    "StartAt": "Prepare",
    "States": {
        "Prepare": {"Type": "Pass", "Result": "prepared", "ResultPath": "$.prepared", "Next": "Work"},
        "Work": {
            "Type": "Task",
            "Resource": "wasm:FUNCTION",
            "Parameters": {"template": {"worked": "{{ n }}"}, "data": {"n.$": "$.n"}},
            "ResultPath": "$.result",
            "End": True,
        },
    },
}


def test_redrive_a_failed_execution(sfn, server, functions):
    # The task's function fails (validate-order does not take this input); once it is replaced by
    # one that works (transform), a redrive runs the failed state again and the execution succeeds.
    fname = unique("flaky")
    server.put_function(fname, DIST / "validate-order.wasm")
    definition = copy.deepcopy(FLAKY)
    definition["States"]["Work"]["Resource"] = f"wasm:{fname}"
    arn = create_machine(sfn, definition)
    ex = sfn.start_execution(stateMachineArn=arn, input='{"n": 7}')["executionArn"]
    failed = wait_done(sfn, ex)
    assert failed["status"] == "FAILED"
    assert failed["redriveStatus"] == "REDRIVABLE"
    assert failed["redriveCount"] == 0
    first_stop = failed["stopDate"]

    ok_arn = create_machine(sfn, PASS)
    ok = sfn.start_execution(stateMachineArn=ok_arn)["executionArn"]
    wait_done(sfn, ok)
    with pytest.raises(ClientError) as e:
        sfn.redrive_execution(executionArn=ok)
    assert error_code(e) == "ExecutionNotRedrivable"

    server.put_function(fname, DIST / "transform.wasm")
    r = sfn.redrive_execution(executionArn=ex)
    assert near_now(r["redriveDate"])
    d = wait_done(sfn, ex)
    assert d["status"] == "SUCCEEDED", d
    assert d["redriveCount"] == 1
    assert d["redriveDate"] == r["redriveDate"]
    assert d["stopDate"] > first_stop
    assert json.loads(d["output"]) == {"n": 7, "prepared": "prepared", "result": {"worked": 7}}
    events = sfn.get_execution_history(executionArn=ex, maxResults=1000)["events"]
    types = [e["type"] for e in events]
    assert types.count("ExecutionFailed") == 1 and types[-1] == "ExecutionSucceeded"
    redriven = [e for e in events if e["type"] == "ExecutionRedriven"]
    assert len(redriven) == 1 and redriven[0]["executionRedrivenEventDetails"]["redriveCount"] == 1
    # The Pass state before the failed one is not run again.
    assert types.count("PassStateEntered") == 1
    assert types.index("ExecutionRedriven") > types.index("ExecutionFailed")
    assert [e["id"] for e in events] == list(range(1, len(events) + 1))
    redriven_list = sfn.list_executions(stateMachineArn=arn, redriveFilter="REDRIVEN")["executions"]
    assert [x["executionArn"] for x in redriven_list] == [ex]
    assert redriven_list[0]["redriveCount"] == 1
    assert sfn.list_executions(stateMachineArn=arn, redriveFilter="NOT_REDRIVEN")["executions"] == []
    with pytest.raises(ClientError) as e:
        sfn.redrive_execution(executionArn=ex)
    assert error_code(e) == "ExecutionNotRedrivable"


# ---- StartSyncExecution -----------------------------------------------------------------------


def test_start_sync_execution(sfn):
    name = unique("sync")
    arn = create_machine(sfn, PASS, kind="EXPRESS", name=name)
    r = sfn.start_sync_execution(stateMachineArn=arn, name="run-1", input='{"x": 1}')
    assert r["status"] == "SUCCEEDED"
    assert json.loads(r["output"]) == {"x": 1, "greeting": {"hello": "world"}}
    assert r["input"] == '{"x": 1}'
    assert r["stateMachineArn"] == arn
    assert r["name"] == "run-1"
    prefix = f"arn:aws:states:{REGION}:{ACCOUNT}:express:{name}:run-1:"
    assert r["executionArn"].startswith(prefix) and len(r["executionArn"]) == len(prefix) + 36
    assert r["stopDate"] >= r["startDate"] and near_now(r["startDate"])
    assert r["billingDetails"]["billedDurationInMilliseconds"] >= 100
    # Express names can be used again at once.
    again = sfn.start_sync_execution(stateMachineArn=arn, name="run-1", input='{"x": 2}')
    assert again["status"] == "SUCCEEDED" and again["executionArn"] != r["executionArn"]
    assert json.loads(again["output"])["x"] == 2
    # A large input (200 KB; the limit is 256 KiB) goes through whole.
    big = json.dumps({"blob": "é" * 100_000}, ensure_ascii=False)
    r = sfn.start_sync_execution(stateMachineArn=arn, input=big)
    assert r["status"] == "SUCCEEDED" and json.loads(r["output"])["blob"] == "é" * 100_000


def test_start_sync_execution_failure_is_a_200(sfn):
    arn = create_machine(sfn, FAIL, kind="EXPRESS")
    r = sfn.start_sync_execution(stateMachineArn=arn, input="{}")
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert r["status"] == "FAILED"
    assert r["error"] == "Custom.Boom"
    assert r["cause"] == "it went boom"
    assert "output" not in r


def test_start_sync_execution_errors(sfn):
    std = create_machine(sfn, PASS)
    with pytest.raises(ClientError) as e:
        sfn.start_sync_execution(stateMachineArn=std, input="{}")
    assert error_code(e) == "StateMachineTypeNotSupported"
    assert sfn.list_executions(stateMachineArn=std)["executions"] == []
    with pytest.raises(ClientError) as e:
        sfn.start_sync_execution(stateMachineArn=machine_arn(unique("none")))
    assert error_code(e) == "StateMachineDoesNotExist"
    exp = create_machine(sfn, PASS, kind="EXPRESS")
    with pytest.raises(ClientError) as e:
        sfn.start_sync_execution(stateMachineArn=exp, input="not json")
    assert error_code(e) == "InvalidExecutionInput"


def test_start_sync_execution_with_the_host_prefix_env_variable(server, monkeypatch):
    # No Config(inject_host_prefix=False): the environment variable alone keeps the host.
    monkeypatch.setenv("AWS_DISABLE_HOST_PREFIX_INJECTION", "true")
    import boto3

    client = boto3.client("stepfunctions", endpoint_url=server.url, region_name=REGION,
                          aws_access_key_id="AKID", aws_secret_access_key="secret",
                          config=Config(retries={"max_attempts": 1}))
    sent = []
    client.meta.events.register("before-send.states.StartSyncExecution", lambda request, **kw: sent.append(request.url))
    arn = create_machine(client, PASS, kind="EXPRESS")
    r = client.start_sync_execution(stateMachineArn=arn, input='{"via": "env"}')
    assert r["status"] == "SUCCEEDED"
    assert json.loads(r["output"])["via"] == "env"
    assert sent == [server.url + "/"]


def test_express_start_execution_runs_in_the_background(sfn):
    name = unique("exp-async")
    arn = create_machine(sfn, PASS, kind="EXPRESS", name=name)
    r = sfn.start_execution(stateMachineArn=arn, name="bg", input='{"y": 3}')
    assert r["executionArn"].startswith(f"arn:aws:states:{REGION}:{ACCOUNT}:express:{name}:bg:")
    # Express names are not idempotency keys.
    r2 = sfn.start_execution(stateMachineArn=arn, name="bg", input='{"y": 4}')
    assert r2["executionArn"] != r["executionArn"]


# ---- callbacks: .waitForTaskToken -------------------------------------------------------------

CALLBACK = {
    "StartAt": "Ask",
    "States": {
        "Ask": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Parameters": {
                "FunctionName": "transform",
                "Payload": {"template": {"token": "{{ token }}"}, "data": {"token.$": "$$.Task.Token", "order.$": "$.order"}},
            },
            "HeartbeatSeconds": 600,
            "End": True,
        }
    },
}


def _token_of(sfn, ex):
    scheduled = wait_event(sfn, ex, "TaskScheduled")
    details = scheduled["taskScheduledEventDetails"]
    assert details["resourceType"] == "lambda"
    assert details["resource"] == "invoke.waitForTaskToken"
    params = json.loads(details["parameters"])
    assert params["FunctionName"] == "transform"
    token = params["Payload"]["data"]["token"]
    assert isinstance(token, str) and token
    return token


def test_send_task_success_heartbeat_and_stale_tokens(sfn, functions):
    arn = create_machine(sfn, CALLBACK)
    ex = sfn.start_execution(stateMachineArn=arn, input='{"order": 5}')["executionArn"]
    token = _token_of(sfn, ex)
    assert sfn.send_task_heartbeat(taskToken=token)["ResponseMetadata"]["HTTPStatusCode"] == 200
    time.sleep(0.2)
    assert sfn.describe_execution(executionArn=ex)["status"] == "RUNNING"
    with pytest.raises(ClientError) as e:
        sfn.send_task_success(taskToken=token, output="{not json")
    assert error_code(e) == "InvalidOutput"
    assert sfn.describe_execution(executionArn=ex)["status"] == "RUNNING"
    sfn.send_task_success(taskToken=token, output='{"approved": true}')
    d = wait_done(sfn, ex)
    assert d["status"] == "SUCCEEDED"
    assert json.loads(d["output"]) == {"approved": True}
    types = [e["type"] for e in sfn.get_execution_history(executionArn=ex)["events"]]
    assert types[-3:] == ["TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"]
    # The token is spent.
    with pytest.raises(ClientError) as e:
        sfn.send_task_success(taskToken=token, output="{}")
    assert error_code(e) in ("TaskTimedOut", "TaskDoesNotExist", "InvalidToken")
    with pytest.raises(ClientError) as e:
        sfn.send_task_heartbeat(taskToken=token)
    assert error_code(e) in ("TaskTimedOut", "TaskDoesNotExist", "InvalidToken")
    for call in (lambda: sfn.send_task_success(taskToken="no-such-token", output="{}"),
                 lambda: sfn.send_task_failure(taskToken="no-such-token"),
                 lambda: sfn.send_task_heartbeat(taskToken="no-such-token")):
        with pytest.raises(ClientError) as e:
            call()
        assert error_code(e) in ("InvalidToken", "TaskDoesNotExist")


def test_send_task_failure(sfn, functions):
    arn = create_machine(sfn, CALLBACK)
    ex = sfn.start_execution(stateMachineArn=arn, input='{"order": 6}')["executionArn"]
    token = _token_of(sfn, ex)
    sfn.send_task_failure(taskToken=token, error="Rejected.ByHuman", cause="not today")
    d = wait_done(sfn, ex)
    assert d["status"] == "FAILED"
    assert d["error"] == "Rejected.ByHuman"
    assert d["cause"] == "not today"
    failed = wait_event(sfn, ex, "TaskFailed")["taskFailedEventDetails"]
    assert failed["error"] == "Rejected.ByHuman" and failed["cause"] == "not today"
    with pytest.raises(ClientError) as e:
        sfn.send_task_failure(taskToken=token, error="again")
    assert error_code(e) in ("TaskTimedOut", "TaskDoesNotExist", "InvalidToken")


def test_heartbeats_keep_a_task_alive_and_their_absence_times_it_out(sfn):
    act = sfn.create_activity(name=unique("beat"))["activityArn"]
    definition = {"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": act, "HeartbeatSeconds": 3, "End": True}}}
    arn = create_machine(sfn, definition)
    ex = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    token = sfn.get_activity_task(activityArn=act)["taskToken"]
    for _ in range(5):  # 5 s in all, longer than the heartbeat interval
        time.sleep(1)
        sfn.send_task_heartbeat(taskToken=token)
    assert sfn.describe_execution(executionArn=ex)["status"] == "RUNNING"
    d = wait_done(sfn, ex, timeout=15)
    assert (d["status"], d["error"]) == ("FAILED", "States.HeartbeatTimeout")
    # The token's task timed out: AWS answers TaskTimedOut.
    with pytest.raises(ClientError) as e:
        sfn.send_task_success(taskToken=token, output="{}")
    assert error_code(e) == "TaskTimedOut"


# ---- activities -----------------------------------------------------------------------------


def test_activity_lifecycle(sfn):
    name = unique("act")
    r = sfn.create_activity(name=name, tags=[{"key": "kind", "value": "worker"}])
    assert r["activityArn"] == f"arn:aws:states:{REGION}:{ACCOUNT}:activity:{name}"
    assert near_now(r["creationDate"])
    # Idempotent on the name; other tags on a repeat are ignored (AWS does not update them).
    again = sfn.create_activity(name=name, tags=[{"key": "other", "value": "x"}])
    assert again["activityArn"] == r["activityArn"] and again["creationDate"] == r["creationDate"]
    assert sfn.list_tags_for_resource(resourceArn=r["activityArn"])["tags"] == [{"key": "kind", "value": "worker"}]
    d = sfn.describe_activity(activityArn=r["activityArn"])
    assert d["name"] == name and d["activityArn"] == r["activityArn"] and d["creationDate"] == r["creationDate"]
    others = [sfn.create_activity(name=f"{name}-{i}")["activityArn"] for i in range(3)]
    pages = list(sfn.get_paginator("list_activities").paginate(PaginationConfig={"PageSize": 2}))
    listed = [a["activityArn"] for p in pages for a in p["activities"]]
    assert len(pages) >= 2 and all(len(p["activities"]) <= 2 for p in pages)
    assert {r["activityArn"], *others} <= set(listed)
    assert len(listed) == len(set(listed))
    sfn.delete_activity(activityArn=r["activityArn"])
    with pytest.raises(ClientError) as e:
        sfn.describe_activity(activityArn=r["activityArn"])
    assert error_code(e) == "ActivityDoesNotExist"
    listed = [a["activityArn"] for p in sfn.get_paginator("list_activities").paginate() for a in p["activities"]]
    assert r["activityArn"] not in listed and set(others) <= set(listed)
    with pytest.raises(ClientError) as e:
        sfn.create_activity(name="no spaces allowed")
    assert error_code(e) == "InvalidName"
    with pytest.raises(ClientError) as e:
        sfn.describe_activity(activityArn=machine_arn("not-an-activity"))
    assert error_code(e) == "InvalidArn"


def test_activity_worker_long_poll_then_send_task_success(sfn):
    act = sfn.create_activity(name=unique("worker"))["activityArn"]
    definition = {"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": act, "ResultPath": "$.work", "End": True}}}
    arn = create_machine(sfn, definition)
    got = {}

    def poll():
        t0 = time.monotonic()
        got["task"] = sfn.get_activity_task(activityArn=act, workerName="worker-1")
        got["waited"] = time.monotonic() - t0

    worker = threading.Thread(target=poll)
    worker.start()
    time.sleep(0.7)  # the poll is waiting before the task exists
    ex = sfn.start_execution(stateMachineArn=arn, input='{"job": "resize", "size": 3}')["executionArn"]
    worker.join(timeout=30)
    assert not worker.is_alive()
    task = got["task"]
    assert got["waited"] >= 0.5, "the poll answered before the task was queued"
    assert task["taskToken"]
    assert json.loads(task["input"]) == {"job": "resize", "size": 3}
    assert sfn.describe_execution(executionArn=ex)["status"] == "RUNNING"
    sfn.send_task_heartbeat(taskToken=task["taskToken"])
    sfn.send_task_success(taskToken=task["taskToken"], output='{"resized": true}')
    d = wait_done(sfn, ex)
    assert d["status"] == "SUCCEEDED"
    assert json.loads(d["output"]) == {"job": "resize", "size": 3, "work": {"resized": True}}
    last = sfn.get_execution_history(executionArn=ex, reverseOrder=True, maxResults=2)["events"]
    assert [e["type"] for e in last] == ["ExecutionSucceeded", "TaskStateExited"]


def test_activity_history_events(sfn):
    # AWS writes Activity* events for an activity task (TaskScheduled and friends are for
    # service integrations): ActivityScheduled{resource: the activity ARN, input},
    # ActivityStarted{workerName} when a worker takes it, ActivitySucceeded{output}.
    act = sfn.create_activity(name=unique("hist"))["activityArn"]
    definition = {"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": act, "HeartbeatSeconds": 300, "End": True}}}
    arn = create_machine(sfn, definition)
    ex = sfn.start_execution(stateMachineArn=arn, input='{"n": 2}')["executionArn"]
    wait_event(sfn, ex, "TaskStateEntered")
    task = sfn.get_activity_task(activityArn=act, workerName="history-worker")
    sfn.send_task_success(taskToken=task["taskToken"], output='{"done": 1}')
    wait_done(sfn, ex)
    events = sfn.get_execution_history(executionArn=ex)["events"]
    types = [e["type"] for e in events]
    assert types == ["ExecutionStarted", "TaskStateEntered", "ActivityScheduled", "ActivityStarted", "ActivitySucceeded",
                     "TaskStateExited", "ExecutionSucceeded"]
    scheduled = events[2]["activityScheduledEventDetails"]
    assert scheduled["resource"] == act
    assert json.loads(scheduled["input"]) == {"n": 2}
    assert scheduled["heartbeatInSeconds"] == 300
    assert events[3]["activityStartedEventDetails"] == {"workerName": "history-worker"}
    assert json.loads(events[4]["activitySucceededEventDetails"]["output"]) == {"done": 1}


def test_activity_task_already_queued_and_failed_by_the_worker(sfn):
    act = sfn.create_activity(name=unique("worker"))["activityArn"]
    definition = {"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": act, "End": True}}}
    arn = create_machine(sfn, definition)
    ex = sfn.start_execution(stateMachineArn=arn, input='{"n": 1}')["executionArn"]
    wait_event(sfn, ex, "TaskStateEntered")
    task = sfn.get_activity_task(activityArn=act)
    assert json.loads(task["input"]) == {"n": 1}
    sfn.send_task_failure(taskToken=task["taskToken"], error="Worker.Broke", cause="disk full")
    d = wait_done(sfn, ex)
    assert (d["status"], d["error"], d["cause"]) == ("FAILED", "Worker.Broke", "disk full")


def test_get_activity_task_empty_poll_and_errors(sfn):
    act = sfn.create_activity(name=unique("idle"))["activityArn"]
    t0 = time.monotonic()
    r = sfn.get_activity_task(activityArn=act, workerName="idle-worker")
    waited = time.monotonic() - t0
    assert not r.get("taskToken")
    assert 2.5 <= waited < 30  # the server is configured to wait 3 s
    with pytest.raises(ClientError) as e:
        sfn.get_activity_task(activityArn=act + "-missing")
    assert error_code(e) == "ActivityDoesNotExist"


def test_delete_state_machine_deletes_its_versions_and_aliases(sfn):
    r = sfn.create_state_machine(name=unique("cascade"), definition=json.dumps(PASS), roleArn=ROLE, publish=True)
    alias = sfn.create_state_machine_alias(name="a", routingConfiguration=[
        {"stateMachineVersionArn": r["stateMachineVersionArn"], "weight": 100}])["stateMachineAliasArn"]
    sfn.delete_state_machine(stateMachineArn=r["stateMachineArn"])
    with pytest.raises(ClientError) as e:
        sfn.describe_state_machine(stateMachineArn=r["stateMachineVersionArn"])
    assert error_code(e) == "StateMachineDoesNotExist"
    with pytest.raises(ClientError) as e:
        sfn.describe_state_machine_alias(stateMachineAliasArn=alias)
    assert error_code(e) == "ResourceNotFound"
    for target in (alias, r["stateMachineVersionArn"]):
        with pytest.raises(ClientError) as e:
            sfn.start_execution(stateMachineArn=target)
        assert error_code(e) == "StateMachineDoesNotExist", target


# ---- versions and aliases -------------------------------------------------------------------


def _result_machine(value):
    return {"StartAt": "R", "States": {"R": {"Type": "Pass", "Result": value, "End": True}}}


def test_versions(sfn):
    arn = create_machine(sfn, _result_machine("v1"))
    v1 = sfn.publish_state_machine_version(stateMachineArn=arn, description="first")
    assert v1["stateMachineVersionArn"] == arn + ":1"
    assert near_now(v1["creationDate"])
    # Publishing an unchanged revision again gives the same version.
    assert sfn.publish_state_machine_version(stateMachineArn=arn, description="first")["stateMachineVersionArn"] == arn + ":1"
    u = sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(_result_machine("v2")))
    v2 = sfn.publish_state_machine_version(stateMachineArn=arn, revisionId=u["revisionId"], description="second")
    assert v2["stateMachineVersionArn"] == arn + ":2"
    listed = sfn.list_state_machine_versions(stateMachineArn=arn)["stateMachineVersions"]
    assert [v["stateMachineVersionArn"] for v in listed] == [arn + ":2", arn + ":1"]
    page = sfn.list_state_machine_versions(stateMachineArn=arn, maxResults=1)
    assert [v["stateMachineVersionArn"] for v in page["stateMachineVersions"]] == [arn + ":2"]
    rest = sfn.list_state_machine_versions(stateMachineArn=arn, maxResults=1, nextToken=page["nextToken"])
    assert [v["stateMachineVersionArn"] for v in rest["stateMachineVersions"]] == [arn + ":1"]
    d1 = sfn.describe_state_machine(stateMachineArn=arn + ":1")
    assert json.loads(d1["definition"]) == _result_machine("v1") and d1["description"] == "first"
    assert json.loads(sfn.describe_state_machine(stateMachineArn=arn + ":2")["definition"]) == _result_machine("v2")
    # A version runs its own definition.
    ex = sfn.start_execution(stateMachineArn=arn + ":1")["executionArn"]
    d = wait_done(sfn, ex)
    assert json.loads(d["output"]) == "v1"
    assert d["stateMachineVersionArn"] == arn + ":1"
    assert d["stateMachineArn"] == arn
    assert sfn.describe_state_machine_for_execution(executionArn=ex)["stateMachineArn"] == arn + ":1"
    assert [x["executionArn"] for x in sfn.list_executions(stateMachineArn=arn + ":1")["executions"]] == [ex]
    # A stale revision id is refused.
    sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(_result_machine("v3")))
    with pytest.raises(ClientError) as e:
        sfn.publish_state_machine_version(stateMachineArn=arn, revisionId=u["revisionId"])
    assert error_code(e) == "ConflictException"
    sfn.delete_state_machine_version(stateMachineVersionArn=arn + ":1")
    assert [v["stateMachineVersionArn"] for v in sfn.list_state_machine_versions(stateMachineArn=arn)["stateMachineVersions"]] == [arn + ":2"]
    with pytest.raises(ClientError) as e:
        sfn.describe_state_machine(stateMachineArn=arn + ":1")
    assert error_code(e) == "StateMachineDoesNotExist"
    with pytest.raises(ClientError) as e:
        sfn.delete_state_machine_version(stateMachineVersionArn=arn)
    assert error_code(e) == "InvalidArn"
    with pytest.raises(ClientError) as e:
        sfn.publish_state_machine_version(stateMachineArn=machine_arn(unique("none")))
    assert error_code(e) == "StateMachineDoesNotExist"
    # The model lists no StateMachineDoesNotExist for ListStateMachineVersions: an unknown machine has none.
    assert sfn.list_state_machine_versions(stateMachineArn=machine_arn(unique("none")))["stateMachineVersions"] == []
    with pytest.raises(ClientError) as e:
        sfn.list_state_machine_versions(stateMachineArn="arn:aws:states:us-east-1:123456789012:activity:x")
    assert error_code(e) == "InvalidArn"


def test_aliases(sfn):
    arn = create_machine(sfn, _result_machine("one"))
    v1 = sfn.publish_state_machine_version(stateMachineArn=arn)["stateMachineVersionArn"]
    sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(_result_machine("two")))
    v2 = sfn.publish_state_machine_version(stateMachineArn=arn)["stateMachineVersionArn"]
    a = sfn.create_state_machine_alias(name="live", description="production",
                                       routingConfiguration=[{"stateMachineVersionArn": v1, "weight": 100}])
    alias = a["stateMachineAliasArn"]
    assert alias == arn + ":live"
    assert near_now(a["creationDate"])
    d = sfn.describe_state_machine_alias(stateMachineAliasArn=alias)
    assert d["name"] == "live" and d["description"] == "production"
    assert d["routingConfiguration"] == [{"stateMachineVersionArn": v1, "weight": 100}]
    assert d["creationDate"] == a["creationDate"]

    ex = sfn.start_execution(stateMachineArn=alias, input="{}")["executionArn"]
    assert ex.startswith(arn.replace(":stateMachine:", ":execution:") + ":")
    d = wait_done(sfn, ex)
    assert json.loads(d["output"]) == "one"
    assert d["stateMachineAliasArn"] == alias and d["stateMachineVersionArn"] == v1

    u = sfn.update_state_machine_alias(stateMachineAliasArn=alias, description="moved",
                                       routingConfiguration=[{"stateMachineVersionArn": v2, "weight": 100}])
    assert u["updateDate"] >= a["creationDate"]
    d = sfn.describe_state_machine_alias(stateMachineAliasArn=alias)
    assert d["description"] == "moved" and d["routingConfiguration"] == [{"stateMachineVersionArn": v2, "weight": 100}]
    assert d["updateDate"] == u["updateDate"]
    ex2 = sfn.start_execution(stateMachineArn=alias)["executionArn"]
    d = wait_done(sfn, ex2)
    assert json.loads(d["output"]) == "two" and d["stateMachineVersionArn"] == v2

    # Weighted routing over two versions: both are used.
    sfn.update_state_machine_alias(stateMachineAliasArn=alias, routingConfiguration=[
        {"stateMachineVersionArn": v1, "weight": 50}, {"stateMachineVersionArn": v2, "weight": 50}])
    outputs = set()
    for _ in range(40):
        e = sfn.start_execution(stateMachineArn=alias)["executionArn"]
        outputs.add(json.loads(wait_done(sfn, e)["output"]))
        if len(outputs) == 2:
            break
    assert outputs == {"one", "two"}

    listed = sfn.list_state_machine_aliases(stateMachineArn=arn)["stateMachineAliases"]
    assert [x["stateMachineAliasArn"] for x in listed] == [alias]
    by_alias = sfn.list_executions(stateMachineArn=alias)["executions"]
    assert ex in [x["executionArn"] for x in by_alias] and all(x["stateMachineAliasArn"] == alias for x in by_alias)

    # A version an alias routes to cannot be deleted.
    with pytest.raises(ClientError) as e:
        sfn.delete_state_machine_version(stateMachineVersionArn=v2)
    assert error_code(e) == "ConflictException"
    with pytest.raises(ClientError) as e:
        sfn.create_state_machine_alias(name="bad", routingConfiguration=[{"stateMachineVersionArn": arn + ":99", "weight": 100}])
    assert error_code(e) == "ResourceNotFound"
    with pytest.raises(ClientError) as e:
        sfn.create_state_machine_alias(name="bad name", routingConfiguration=[{"stateMachineVersionArn": v1, "weight": 100}])
    assert error_code(e) == "InvalidName"
    with pytest.raises(ClientError) as e:
        sfn.create_state_machine_alias(name="three", routingConfiguration=[
            {"stateMachineVersionArn": v1, "weight": 30}, {"stateMachineVersionArn": v2, "weight": 30},
            {"stateMachineVersionArn": v2, "weight": 40}])
    assert error_code(e) == "ValidationException"

    sfn.delete_state_machine_alias(stateMachineAliasArn=alias)
    with pytest.raises(ClientError) as e:
        sfn.describe_state_machine_alias(stateMachineAliasArn=alias)
    assert error_code(e) == "ResourceNotFound"
    assert sfn.list_state_machine_aliases(stateMachineArn=arn)["stateMachineAliases"] == []
    sfn.delete_state_machine_version(stateMachineVersionArn=v2)  # no alias routes to it now
    with pytest.raises(ClientError) as e:
        sfn.start_execution(stateMachineArn=alias)
    assert error_code(e) in ("StateMachineDoesNotExist", "ResourceNotFound")
    with pytest.raises(ClientError) as e:
        sfn.describe_state_machine_alias(stateMachineAliasArn=v1)
    assert error_code(e) == "InvalidArn"


# ---- tags -----------------------------------------------------------------------------------


def test_tags(sfn):
    arn = create_machine(sfn, PASS)
    assert sfn.list_tags_for_resource(resourceArn=arn)["tags"] == []
    sfn.tag_resource(resourceArn=arn, tags=[{"key": "a", "value": "1"}, {"key": "b", "value": "2"}])
    sfn.tag_resource(resourceArn=arn, tags=[{"key": "a", "value": "changed"}, {"key": "c", "value": ""}])
    tags = {t["key"]: t["value"] for t in sfn.list_tags_for_resource(resourceArn=arn)["tags"]}
    assert tags == {"a": "changed", "b": "2", "c": ""}
    sfn.untag_resource(resourceArn=arn, tagKeys=["b", "not-there"])
    tags = {t["key"]: t["value"] for t in sfn.list_tags_for_resource(resourceArn=arn)["tags"]}
    assert tags == {"a": "changed", "c": ""}
    act = sfn.create_activity(name=unique("tagged"))["activityArn"]
    sfn.tag_resource(resourceArn=act, tags=[{"key": "owner", "value": "me"}])
    assert sfn.list_tags_for_resource(resourceArn=act)["tags"] == [{"key": "owner", "value": "me"}]
    missing = machine_arn(unique("ghost"))
    for call in (lambda: sfn.list_tags_for_resource(resourceArn=missing),
                 lambda: sfn.tag_resource(resourceArn=missing, tags=[{"key": "k", "value": "v"}]),
                 lambda: sfn.untag_resource(resourceArn=missing, tagKeys=["k"])):
        with pytest.raises(ClientError) as e:
            call()
        assert error_code(e) == "ResourceNotFound"
        assert e.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as e:
        sfn.tag_resource(resourceArn=arn, tags=[{"key": f"k{i}", "value": "v"} for i in range(51)])
    assert error_code(e) == "TooManyTags"
    with pytest.raises(ClientError) as e:
        sfn.list_tags_for_resource(resourceArn="garbage")
    assert error_code(e) == "InvalidArn"


# ---- TestState ------------------------------------------------------------------------------


def _test_state(sfn, state, **kw):
    return sfn.test_state(definition=json.dumps(state), roleArn=ROLE, **kw)


def test_test_state_pass_and_choice(sfn):
    r = _test_state(sfn, {"Type": "Pass", "Parameters": {"sum.$": "States.MathAdd($.a, $.b)"}, "Next": "After"},
                    input='{"a": 2, "b": 3}', inspectionLevel="DEBUG")
    assert r["status"] == "SUCCEEDED"
    assert json.loads(r["output"]) == {"sum": 5}
    assert r["nextState"] == "After"
    assert json.loads(r["inspectionData"]["input"]) == {"a": 2, "b": 3}
    assert json.loads(r["inspectionData"]["afterParameters"]) == {"sum": 5}
    c = _test_state(sfn, {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThan": 10, "Next": "Big"}], "Default": "Small"},
                    input='{"n": 11}', inspectionLevel="DEBUG")
    assert (c["status"], c["nextState"]) == ("SUCCEEDED", "Big")
    f = _test_state(sfn, {"Type": "Fail", "Error": "E.Fail", "Cause": "c"})
    assert (f["status"], f["error"], f["cause"]) == ("FAILED", "E.Fail", "c")


def test_test_state_mocks(sfn):
    task = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "nothing", "Payload.$": "$"},
            "ResultSelector": {"got.$": "$.value"}, "End": True}
    ok = _test_state(sfn, task, input='{"q": 1}', mock={"result": '{"value": 99}'}, inspectionLevel="DEBUG")
    assert ok["status"] == "SUCCEEDED"
    assert json.loads(ok["output"]) == {"got": 99}
    data = ok["inspectionData"]
    assert json.loads(data["result"]) == {"value": 99}
    assert json.loads(data["afterResultSelector"]) == {"got": 99}
    assert json.loads(data["afterResultPath"]) == {"got": 99}
    assert "nextState" not in ok
    # INFO (the default) shows the outcome only.
    info = _test_state(sfn, task, input='{"q": 1}', mock={"result": '{"value": 99}'})
    assert json.loads(info["output"]) == {"got": 99}
    assert "inspectionData" not in info

    err = {"error": "Mock.Broken", "cause": "as mocked"}
    retry = dict(task, Retry=[{"ErrorEquals": ["Other"]}, {"ErrorEquals": ["Mock.Broken"], "IntervalSeconds": 4}])
    r = _test_state(sfn, retry, input="{}", mock={"errorOutput": err})
    assert (r["status"], r["error"], r["cause"]) == ("RETRIABLE", "Mock.Broken", "as mocked")
    assert r["inspectionData"]["errorDetails"]["retryIndex"] == 1
    assert r["inspectionData"]["errorDetails"]["retryBackoffIntervalSeconds"] == 4

    catch = dict(task, Catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": "$.caught", "Next": "Handler"}])
    c = _test_state(sfn, catch, input='{"keep": true}', mock={"errorOutput": err})
    assert c["status"] == "CAUGHT_ERROR"
    assert c["nextState"] == "Handler"
    assert json.loads(c["output"]) == {"keep": True, "caught": {"Error": "Mock.Broken", "Cause": "as mocked"}}
    assert c["error"] == "Mock.Broken"

    plain = _test_state(sfn, task, input="{}", mock={"errorOutput": err})
    assert (plain["status"], plain["error"]) == ("FAILED", "Mock.Broken")


def test_test_state_calls_a_real_function(sfn, functions):
    state = {"Type": "Task", "Resource": "wasm:transform",
             "Parameters": {"template": "Hello {{ who }}!", "data": {"who.$": "$.name"}}, "ResultPath": "$.msg", "Next": "Done"}
    r = _test_state(sfn, state, input='{"name": "Ada"}', inspectionLevel="TRACE")
    assert r["status"] == "SUCCEEDED", r
    assert json.loads(r["output"]) == {"name": "Ada", "msg": "Hello Ada!"}
    assert r["nextState"] == "Done"
    assert json.loads(r["inspectionData"]["afterParameters"]) == {"template": "Hello {{ who }}!", "data": {"who": "Ada"}}


def test_test_state_in_a_whole_machine_and_errors(sfn):
    r = sfn.test_state(definition=json.dumps(TWO_PASSES), stateName="Two", input='{"x": 0}')
    assert r["status"] == "SUCCEEDED"
    assert json.loads(r["output"]) == {"x": 0, "two": 2}
    with pytest.raises(ClientError) as e:
        sfn.test_state(definition=json.dumps({"Type": "Pass", "Next": 5}))
    assert error_code(e) == "InvalidDefinition"
    with pytest.raises(ClientError) as e:
        sfn.test_state(definition=json.dumps(TWO_PASSES), stateName="Three")
    assert error_code(e) in ("InvalidDefinition", "ValidationException")
    with pytest.raises(ClientError) as e:
        sfn.test_state(definition=json.dumps({"Type": "Pass", "End": True}), roleArn="bogus")
    assert error_code(e) == "InvalidArn"


# ---- map runs -------------------------------------------------------------------------------


def test_distributed_map_runs(sfn):
    arn = create_machine(sfn, {"StartAt": "M", "States": {"M": {
        "Type": "Map", "MaxConcurrency": 2, "Label": "Tags",
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "Tag",
                          "States": {"Tag": {"Type": "Pass", "Parameters": {"item.$": "$"}, "End": True}}},
        "End": True}}})
    ex = sfn.start_execution(stateMachineArn=arn, input='["a", "b", "c"]')["executionArn"]
    d = wait_done(sfn, ex)
    assert d["status"] == "SUCCEEDED", d
    assert json.loads(d["output"]) == [{"item": "a"}, {"item": "b"}, {"item": "c"}]
    events = sfn.get_execution_history(executionArn=ex)["events"]
    types = [e["type"] for e in events]
    assert "MapIterationStarted" not in types
    assert types[2:6] == ["MapStateStarted", "MapRunStarted", "MapRunSucceeded", "MapStateSucceeded"], types
    runs = sfn.list_map_runs(executionArn=ex)["mapRuns"]
    assert len(runs) == 1
    run = runs[0]["mapRunArn"]
    assert run == events[3]["mapRunStartedEventDetails"]["mapRunArn"]
    assert run.startswith(f"{arn.replace(':stateMachine:', ':mapRun:')}/Tags:")
    assert runs[0]["executionArn"] == ex and runs[0]["stateMachineArn"] == f"{arn}/Tags"
    m = sfn.describe_map_run(mapRunArn=run)
    assert (m["status"], m["executionArn"], m["maxConcurrency"]) == ("SUCCEEDED", ex, 2)
    assert m["executionCounts"]["succeeded"] == 3 and m["itemCounts"]["total"] == 3
    assert m["itemCounts"]["resultsWritten"] == 3
    assert m["stopDate"] >= m["startDate"]
    kids = sfn.list_executions(mapRunArn=run)["executions"]
    assert len(kids) == 3
    for k in kids:
        assert k["mapRunArn"] == run and k["stateMachineArn"] == f"{arn}/Tags" and k["status"] == "SUCCEEDED"
        assert k["itemCount"] == 1
        c = sfn.describe_execution(executionArn=k["executionArn"])
        assert c["mapRunArn"] == run and c["redriveStatus"] == "NOT_REDRIVABLE"
        assert json.loads(c["output"]) == {"item": json.loads(c["input"])}
        h = [e["type"] for e in sfn.get_execution_history(executionArn=k["executionArn"])["events"]]
        assert h == ["ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"]
    f = sfn.describe_state_machine_for_execution(executionArn=kids[0]["executionArn"])
    assert (f["mapRunArn"], f["label"]) == (run, "Tags")
    assert json.loads(f["definition"])["StartAt"] == "Tag"
    # The run has ended: its settings are final.
    with pytest.raises(ClientError) as e:
        sfn.update_map_run(mapRunArn=run, maxConcurrency=5)
    assert error_code(e) == "ValidationException"
    # The label-qualified ARN names the Map state, not a machine.
    for call in (lambda: sfn.describe_state_machine(stateMachineArn=f"{arn}/Tags"),
                 lambda: sfn.start_execution(stateMachineArn=f"{arn}/Tags", input="[]")):
        with pytest.raises(ClientError) as e:
            call()
        assert error_code(e) == "ValidationException", e.value


def test_batches_nested_runs_and_express_children(sfn):
    inner = {"Type": "Map", "ItemsPath": "$.Items", "Label": "Inner", "End": True,
             "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"}, "StartAt": "P",
                               "States": {"P": {"Type": "Pass", "End": True}}}}
    arn = create_machine(sfn, {"StartAt": "M", "States": {"M": {
        "Type": "Map", "Label": "Outer", "ItemBatcher": {"MaxItemsPerBatch": 2}, "End": True,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "Inner",
                          "States": {"Inner": inner}}}}})
    ex = sfn.start_execution(stateMachineArn=arn, input="[1, 2, 3]")["executionArn"]
    d = wait_done(sfn, ex)
    assert d["status"] == "SUCCEEDED", d
    assert json.loads(d["output"]) == [[1, 2], [3]]
    outer = sfn.list_map_runs(executionArn=ex)["mapRuns"]
    assert len(outer) == 1
    kids = sfn.list_executions(mapRunArn=outer[0]["mapRunArn"])["executions"]
    assert sorted(k["itemCount"] for k in kids) == [1, 2]
    m = sfn.describe_map_run(mapRunArn=outer[0]["mapRunArn"])
    assert (m["itemCounts"]["total"], m["executionCounts"]["total"]) == (3, 2)
    # Each batch's own Distributed Map belongs to that batch's execution.
    for k in kids:
        runs = sfn.list_map_runs(executionArn=k["executionArn"])["mapRuns"]
        assert len(runs) == 1 and runs[0]["executionArn"] == k["executionArn"]
        express = sfn.list_executions(mapRunArn=runs[0]["mapRunArn"])["executions"]
        assert len(express) == k["itemCount"]
        with pytest.raises(ClientError) as e:
            sfn.stop_execution(executionArn=express[0]["executionArn"])
        assert error_code(e) == "StateMachineTypeNotSupported"


def test_a_running_map_run_is_updated_and_its_children_stopped(sfn):
    arn = create_machine(sfn, {"StartAt": "M", "States": {"M": {
        "Type": "Map", "MaxConcurrency": 1, "ToleratedFailureCount": 1,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "W",
                          "States": {"W": {"Type": "Wait", "Seconds": 300, "End": True}}},
        "End": True}}})
    ex = sfn.start_execution(stateMachineArn=arn, input="[1, 2]")["executionArn"]
    run = None
    for _ in range(100):
        runs = sfn.list_map_runs(executionArn=ex)["mapRuns"]
        if runs:
            run = runs[0]["mapRunArn"]
            break
        time.sleep(0.05)
    assert run, "the map run started"
    assert len(sfn.list_executions(mapRunArn=run, statusFilter="RUNNING")["executions"]) == 1
    sfn.update_map_run(mapRunArn=run, maxConcurrency=2, toleratedFailurePercentage=50.0)
    m = sfn.describe_map_run(mapRunArn=run)
    assert (m["maxConcurrency"], m["toleratedFailurePercentage"], m["executionCounts"]["running"]) == (2, 50.0, 2)
    kids = sfn.list_executions(mapRunArn=run)["executions"]
    sfn.stop_execution(executionArn=kids[0]["executionArn"], error="Halt", cause="by test")
    c = sfn.describe_execution(executionArn=kids[0]["executionArn"])
    assert (c["status"], c["error"], c["redriveStatus"]) == ("ABORTED", "Halt", "REDRIVABLE_BY_MAP_RUN")
    assert sfn.describe_execution(executionArn=ex)["status"] == "RUNNING"
    with pytest.raises(ClientError) as e:
        sfn.redrive_execution(executionArn=kids[0]["executionArn"])
    assert error_code(e) == "ExecutionNotRedrivable"
    sfn.stop_execution(executionArn=ex)
    m = sfn.describe_map_run(mapRunArn=run)
    assert m["status"] == "ABORTED" and m["executionCounts"]["aborted"] == 2, m
    with pytest.raises(ClientError) as e:
        sfn.update_map_run(mapRunArn=run, toleratedFailurePercentage=101)
    assert error_code(e) == "ValidationException"


def test_list_map_runs_and_describe_map_run(sfn):
    arn = create_machine(sfn, {"StartAt": "M", "States": {"M": {
        "Type": "Map", "ItemsPath": "$.items",
        "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Double",
                          "States": {"Double": {"Type": "Pass", "Parameters": {"v.$": "States.MathAdd($, $)"}, "End": True}}},
        "End": True}}})
    ex = sfn.start_execution(stateMachineArn=arn, input='{"items": [1, 2, 3]}')["executionArn"]
    d = wait_done(sfn, ex)
    assert json.loads(d["output"]) == [{"v": 2}, {"v": 4}, {"v": 6}]
    assert sfn.list_map_runs(executionArn=ex)["mapRuns"] == []
    assert list(sfn.get_paginator("list_map_runs").paginate(executionArn=ex))[0]["mapRuns"] == []
    with pytest.raises(ClientError) as e:
        sfn.list_map_runs(executionArn=ex + "-missing")
    assert error_code(e) == "ExecutionDoesNotExist"
    name = arn.rsplit(":", 1)[1]
    fake = f"arn:aws:states:{REGION}:{ACCOUNT}:mapRun:{name}/M:00000000-0000-0000-0000-000000000000"
    with pytest.raises(ClientError) as e:
        sfn.describe_map_run(mapRunArn=fake)
    assert error_code(e) == "ResourceNotFound"
    with pytest.raises(ClientError) as e:
        sfn.update_map_run(mapRunArn=fake, maxConcurrency=2)
    assert error_code(e) == "ResourceNotFound"


# ---- the wire protocol ----------------------------------------------------------------------


def test_a_task_starts_a_child_execution_and_waits_for_it(sfn):
    child = create_machine(sfn, {"StartAt": "Check", "States": {
        "Check": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericLessThan": 0, "Next": "No"}], "Default": "Yes"},
        "Yes": {"Type": "Pass", "Parameters": {"twice.$": "States.MathAdd($.n, $.n)"}, "End": True},
        "No": {"Type": "Fail", "Error": "Negative", "Cause": "n < 0"}}})
    parent = create_machine(sfn, {"StartAt": "Run", "States": {"Run": {
        "Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2",
        "Parameters": {"StateMachineArn": child, "Input": {"n.$": "$.n", "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id"}},
        "OutputPath": "$.Output", "End": True}}})
    ex = sfn.start_execution(stateMachineArn=parent, input='{"n": 7}')["executionArn"]
    d = wait_done(sfn, ex)
    assert d["status"] == "SUCCEEDED", d
    assert json.loads(d["output"]) == {"twice": 14}
    kids = sfn.list_executions(stateMachineArn=child)["executions"]
    assert [k["status"] for k in kids] == ["SUCCEEDED"]
    assert json.loads(sfn.describe_execution(executionArn=kids[0]["executionArn"])["input"])["AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID"] == ex
    types = [e["type"] for e in sfn.get_execution_history(executionArn=ex)["events"]]
    assert types[2:6] == ["TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded"], types
    # A child that fails fails the task with States.TaskFailed; the cause describes the child.
    ex = sfn.start_execution(stateMachineArn=parent, input='{"n": -1}')["executionArn"]
    d = wait_done(sfn, ex)
    assert (d["status"], d["error"]) == ("FAILED", "States.TaskFailed"), d
    described = json.loads(d["cause"])
    assert (described["Status"], described["Error"], described["Cause"]) == ("FAILED", "Negative", "n < 0")


def test_mocked_service_integrations_from_a_mock_config(sfn):
    # The server reads conftest's MOCK_CONFIG, as Step Functions Local reads MockConfigFile.json.
    arn = create_machine(sfn, {"StartAt": "Charge", "States": {
        "Charge": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                   "Parameters": {"FunctionName": "charge", "Payload.$": "$"}, "ResultSelector": {"charged.$": "$.Payload.charged"},
                   "Retry": [{"ErrorEquals": ["Lambda.TooManyRequestsException"], "IntervalSeconds": 1}], "Next": "Notify"},
        "Notify": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
                   "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/q", "MessageBody.$": "$"},
                   "ResultPath": "$.sent", "End": True}}}, name="mocked-orders")
    ex = sfn.start_execution(stateMachineArn=f"{arn}#HappyPath", input="{}")["executionArn"]
    d = wait_done(sfn, ex)
    assert d["status"] == "SUCCEEDED", d
    assert d["stateMachineArn"] == arn
    assert json.loads(d["output"]) == {"charged": 42, "sent": {"MessageId": "m-1", "MD5OfMessageBody": "d41d8cd98f00b204e9800998ecf8427e"}}
    types = [e["type"] for e in sfn.get_execution_history(executionArn=ex)["events"]]
    assert types.count("TaskFailed") == 1 and types.count("TaskSucceeded") == 2, types
    ex = sfn.start_execution(stateMachineArn=f"{arn}#NotifyDown", input="{}")["executionArn"]
    d = wait_done(sfn, ex)
    assert (d["status"], d["error"], d["cause"]) == ("FAILED", "SQS.QueueDoesNotExistException", "no queue"), d
    with pytest.raises(ClientError) as e:
        sfn.start_execution(stateMachineArn=f"{arn}#NoSuchCase", input="{}")
    assert error_code(e) == "ValidationException" and "NoSuchCase" in error_message(e)


def test_functions_are_invoked_directly_and_through_lambdas_invoke(server, functions):
    good = (EXAMPLE / "input.json").read_text()
    bad = (EXAMPLE / "bad-input.json").read_text()
    # The native API: 200 with the status, the function having run.
    status, _, body = server.request("POST", "/functions/validate-order/invoke", good.encode())
    answer = json.loads(body)
    assert (status, answer["status"]) == (200, "SUCCEEDED"), answer
    assert answer["output"]["orderId"] == json.loads(good)["orderId"]
    assert any("is valid" in line["message"] for line in answer["logs"]), answer["logs"]
    status, _, body = server.request("POST", "/functions/validate-order/invoke", bad.encode())
    assert (status, json.loads(body)["error"]) == (200, "InvalidOrder"), body
    status, _, body = server.request("POST", "/functions/nobody/invoke", b"{}")
    assert (status, json.loads(body)["error"]) == (404, "FunctionDoesNotExist"), body

    # Lambda's Invoke, with boto3's Lambda client.
    lam = make_lambda_client(server.url)
    r = lam.invoke(FunctionName="validate-order", Payload=good, LogType="Tail")
    assert (r["StatusCode"], r.get("FunctionError"), r["ExecutedVersion"]) == (200, None, "$LATEST")
    assert json.loads(r["Payload"].read())["orderId"] == json.loads(good)["orderId"]
    assert b"is valid" in base64.b64decode(r["LogResult"])
    r = lam.invoke(FunctionName=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:validate-order", Payload=bad)
    assert r["FunctionError"] == "Unhandled"
    assert json.loads(r["Payload"].read())["errorType"] == "InvalidOrder"
    assert lam.invoke(FunctionName="validate-order", InvocationType="DryRun", Payload="{}")["StatusCode"] == 204
    assert lam.invoke(FunctionName="validate-order", InvocationType="Event", Payload=good)["StatusCode"] == 202
    with pytest.raises(ClientError) as e:
        lam.invoke(FunctionName="nobody", Payload="{}")
    assert error_code(e) == "ResourceNotFoundException"


def test_lambdas_invoke_needs_the_token_when_the_server_has_one(auth_server):
    # Signed with the token as the secret key, the call is let through (to no such function).
    with pytest.raises(ClientError) as e:
        make_lambda_client(auth_server.url, secret=TOKEN).invoke(FunctionName="nobody", Payload="{}")
    assert error_code(e) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as e:
        make_lambda_client(auth_server.url, secret="wrong-secret").invoke(FunctionName="nobody", Payload="{}")
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] in (401, 403), e.value.response


def test_unknown_operation(server):
    status, headers, body = server.aws_raw("AWSStepFunctions.LaunchRocket", {})
    assert status == 400
    assert body["__type"].endswith("#UnknownOperationException") or body["__type"] == "UnknownOperationException"
    assert "LaunchRocket" in body["message"]
    assert headers["X-Amzn-ErrorType"] == "UnknownOperationException"
    status, _, body = server.aws_raw(None, {})
    assert status == 400 and body["__type"].endswith("UnknownOperationException")
    status, _, body = server.aws_raw("SomethingElse.ListStateMachines", {})
    assert status == 400 and body["__type"].endswith("UnknownOperationException")


def test_malformed_json_body(server):
    for raw in [b"{not json", b"[1, 2]", b'"text"']:
        status, headers, body = server.aws_raw("AWSStepFunctions.ListStateMachines", raw)
        assert status == 400, raw
        assert body["__type"].split("#")[-1] == "SerializationException", raw
        assert headers["X-Amzn-ErrorType"] == "SerializationException"
        assert body["message"]
    # A member of the wrong JSON type is a serialization error too.
    status, _, body = server.aws_raw("AWSStepFunctions.ListStateMachines", {"maxResults": "ten"})
    assert status == 400 and body["__type"].split("#")[-1] == "SerializationException"


def test_wire_details(server, sfn):
    # Errors: a namespaced __type, the code in X-Amzn-ErrorType, a request id.
    status, headers, body = server.aws_raw("AWSStepFunctions.DescribeStateMachine", {"stateMachineArn": machine_arn(unique("ghost"))})
    assert status == 400
    assert body["__type"] == "com.amazonaws.swf.service.v2.model#StateMachineDoesNotExist"
    assert headers["X-Amzn-ErrorType"] == "StateMachineDoesNotExist"
    assert headers["x-amzn-RequestId"]
    assert headers["Content-Type"].startswith("application/x-amz-json-1.0")
    # A missing required member.
    status, _, body = server.aws_raw("AWSStepFunctions.DescribeStateMachine", {})
    assert status == 400 and body["__type"].endswith("#ValidationException")
    assert "stateMachineArn" in body["message"]
    # Timestamps are epoch seconds as numbers.
    arn = create_machine(sfn, PASS)
    status, headers, body = server.aws_raw("AWSStepFunctions.DescribeStateMachine", {"stateMachineArn": arn})
    assert status == 200
    assert isinstance(body["creationDate"], (int, float)) and not isinstance(body["creationDate"], bool)
    assert abs(body["creationDate"] - time.time()) < 120
    # botocore copies the request id.
    r = sfn.describe_state_machine(stateMachineArn=arn)
    assert len(r["ResponseMetadata"]["RequestId"]) >= 16
    # The sync- host prefix reaches the same server.
    exp = create_machine(sfn, PASS, kind="EXPRESS")
    status, _, body = server.aws_raw("AWSStepFunctions.StartSyncExecution", {"stateMachineArn": exp, "input": "{}"},
                                     headers={"Host": f"sync-127.0.0.1:{server.port}"})
    assert status == 200 and body["status"] == "SUCCEEDED"


# ---- auth -----------------------------------------------------------------------------------


def test_no_credentials_is_401(auth_server):
    client = make_client(auth_server.url, config=Config(signature_version=botocore.UNSIGNED))
    with pytest.raises(ClientError) as e:
        client.list_state_machines()
    assert error_code(e) == "MissingAuthenticationTokenException"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 401


def test_wrong_secret_is_403(auth_server):
    client = make_client(auth_server.url, secret="not-the-token-at-all-0000")
    with pytest.raises(ClientError) as e:
        client.list_state_machines()
    assert error_code(e) == "InvalidSignatureException"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_the_token_as_secret_key_works(auth_server):
    client = make_client(auth_server.url, secret=TOKEN)
    arn = create_machine(client, PASS, kind="EXPRESS")
    assert arn in [m["stateMachineArn"] for m in client.list_state_machines()["stateMachines"]]
    r = client.start_sync_execution(stateMachineArn=arn, input='{"signed": true}')
    assert r["status"] == "SUCCEEDED" and json.loads(r["output"])["signed"] is True
    # Signatures over bodies that are not ASCII.
    uni = create_machine(client, {"Comment": "Grüße, 世界 ✓", "StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}, kind="EXPRESS")
    r = client.start_sync_execution(stateMachineArn=uni, input=json.dumps({"name": "Zoë 😀"}, ensure_ascii=False))
    assert r["status"] == "SUCCEEDED" and json.loads(r["output"]) == {"name": "Zoë 😀"}
    assert json.loads(client.describe_state_machine(stateMachineArn=uni)["definition"])["Comment"] == "Grüße, 世界 ✓"
    # Any access key id will do: the secret is what is checked.
    other = make_client(auth_server.url, secret=TOKEN, access_key="ANOTHERKEYID")
    assert arn in [m["stateMachineArn"] for m in other.list_state_machines()["stateMachines"]]


def test_bearer_token_with_urllib(auth_server):
    body = json.dumps({}).encode()
    h = {"X-Amz-Target": "AWSStepFunctions.ListStateMachines", "Content-Type": "application/x-amz-json-1.0"}
    status, _, raw = auth_server.request("POST", "/", body, headers=h, token=TOKEN)
    assert status == 200 and "stateMachines" in json.loads(raw)
    status, headers, raw = auth_server.request("POST", "/", body, headers=h, token="wrong-token-wrong-token")
    assert status == 403
    assert json.loads(raw)["__type"].split("#")[-1] in ("UnrecognizedClientException", "InvalidSignatureException")
    status, headers, raw = auth_server.request("POST", "/", body, headers=h, token="")
    assert status == 401
    assert json.loads(raw)["__type"].split("#")[-1] == "MissingAuthenticationTokenException"
    assert headers["WWW-Authenticate"].startswith("Bearer")
    # The native API and the health check.
    status, _, raw = auth_server.request("GET", "/functions", token="")
    assert status == 401
    status, _, raw = auth_server.request("GET", "/functions", token=TOKEN)
    assert status == 200 and "functions" in json.loads(raw)
    status, _, raw = auth_server.request("GET", "/healthz", token="")
    assert status == 200 and json.loads(raw)["status"] == "ok"


# ---- Wasm tasks: the order-processing example -------------------------------------------------


def test_order_processing_standard(sfn, functions, order_example):
    arn = create_machine(sfn, order_example["definition"])
    good = sfn.start_execution(stateMachineArn=arn, name="good-order", input=order_example["input"])["executionArn"]
    bad = sfn.start_execution(stateMachineArn=arn, name="bad-order", input=order_example["bad_input"])["executionArn"]
    d = wait_done(sfn, good)
    assert d["status"] == "SUCCEEDED", d
    assert json.loads(d["output"]) == order_example["expected"]
    events = sfn.get_execution_history(executionArn=good, maxResults=1000)["events"]
    scheduled = [e["taskScheduledEventDetails"] for e in events if e["type"] == "TaskScheduled"]
    assert [s["resource"] for s in scheduled] == ["validate-order", "check-inventory", "process-payment", "confirm-order"]
    entered = [e["stateEnteredEventDetails"]["name"] for e in events if e["type"] == "TaskStateEntered"]
    assert entered == ["ValidateOrder", "CheckInventory", "ProcessPayment", "ConfirmOrder"]
    assert types_end(events) == "ExecutionSucceeded"
    b = wait_done(sfn, bad)
    expected = order_example["bad_expected"]
    assert (b["status"], b["error"], b["cause"]) == (expected["status"], expected["error"], expected["cause"])
    bevents = sfn.get_execution_history(executionArn=bad, maxResults=1000)["events"]
    assert [e["type"] for e in bevents if e["type"] in ("TaskFailed", "FailStateEntered", "ExecutionFailed")] == \
        ["TaskFailed", "FailStateEntered", "ExecutionFailed"]
    failed = next(e for e in bevents if e["type"] == "TaskFailed")["taskFailedEventDetails"]
    assert failed["error"] == "InvalidOrder"


def types_end(events):
    return events[-1]["type"]


def test_order_processing_express(sfn, functions, order_example):
    arn = create_machine(sfn, order_example["definition"], kind="EXPRESS")
    r = sfn.start_sync_execution(stateMachineArn=arn, input=order_example["input"])
    assert r["status"] == "SUCCEEDED", r
    assert json.loads(r["output"]) == order_example["expected"]
    b = sfn.start_sync_execution(stateMachineArn=arn, input=order_example["bad_input"])
    expected = order_example["bad_expected"]
    assert b["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert (b["status"], b["error"], b["cause"]) == (expected["status"], expected["error"], expected["cause"])


def test_functions_api(server, functions):
    status, _, raw = server.request("GET", "/functions")
    assert status == 200
    listed = {f["name"]: f for f in json.loads(raw)["functions"]}
    for name, info in functions.items():
        assert listed[name]["sha256"] == info["sha256"]
        assert listed[name]["size"] == (DIST / f"{name}.wasm").stat().st_size
    status, _, raw = server.request("GET", "/functions/validate-order")
    assert status == 200 and json.loads(raw)["name"] == "validate-order"
    status, _, raw = server.request("GET", "/functions/" + unique("nope"))
    assert status == 404 and json.loads(raw)["error"] == "FunctionDoesNotExist"
    status, _, raw = server.request("PUT", "/functions/" + unique("junk"), b"not wasm at all")
    assert status == 400 and json.loads(raw)["error"] == "InvalidFunction"
    tmp = unique("tmp-fn")
    server.put_function(tmp, DIST / "transform.wasm")
    status, _, _ = server.request("DELETE", f"/functions/{tmp}")
    assert status == 204
    status, _, _ = server.request("GET", f"/functions/{tmp}")
    assert status == 404


# ---- HTTP routes --------------------------------------------------------------------------------


def test_http_route_runs_an_express_machine(sfn, server, functions, order_example):
    definition = json.loads(order_example["definition"])
    definition["States"]["FromRequest"] = {"Type": "Pass", "InputPath": "$.body", "Next": definition["StartAt"]}
    definition["StartAt"] = "FromRequest"
    name = unique("orders-api")
    create_machine(sfn, definition, kind="EXPRESS", name=name)
    path = f"/{name}/{{id}}"
    spec = {"method": "POST", "path": path, "state_machine": name, "errors": {"InvalidOrder": 422}}
    status, _, raw = server.request("PUT", "/routes", spec)
    assert status == 200, raw
    route = json.loads(raw)
    assert route["path"] == path and route["state_machine"] == machine_arn(name) and route["errors"] == {"InvalidOrder": 422}
    status, _, raw = server.request("GET", "/routes")
    assert any(r["path"] == path and r["method"] == "POST" for r in json.loads(raw)["routes"])

    status, headers, raw = server.request("POST", f"/{name}/42", order_example["input"].encode(),
                                          headers={"Content-Type": "application/json"})
    assert status == 200, raw
    assert json.loads(raw) == order_example["expected"]
    assert headers["x-stepwasm-execution-arn"].startswith(f"arn:aws:states:{REGION}:{ACCOUNT}:express:{name}:")

    status, _, raw = server.request("POST", f"/{name}/43", order_example["bad_input"].encode(),
                                    headers={"Content-Type": "application/json"})
    assert status == 422
    assert json.loads(raw) == {"error": "InvalidOrder", "cause": order_example["bad_expected"]["cause"]}

    status, headers, _ = server.request("GET", f"/{name}/42")
    assert status == 405 and "POST" in headers["Allow"]
    status, _, raw = server.request("POST", f"/{name}/44", b"{broken", headers={"Content-Type": "application/json"})
    assert status == 400

    status, _, _ = server.request("DELETE", f"/routes?method=POST&path={path.replace('{', '%7B').replace('}', '%7D')}")
    assert status == 204
    status, _, _ = server.request("POST", f"/{name}/42", order_example["input"].encode(), headers={"Content-Type": "application/json"})
    assert status == 404


def test_http_route_refuses_a_standard_machine(sfn, server):
    name = unique("std-route")
    create_machine(sfn, PASS, name=name)
    status, _, raw = server.request("PUT", "/routes", {"method": "POST", "path": f"/{name}", "state_machine": name})
    assert status == 400 and json.loads(raw)["error"] == "InvalidRoute"
    status, _, raw = server.request("PUT", "/routes", {"method": "POST", "path": f"/{name}x", "state_machine": unique("none")})
    assert status == 404 and json.loads(raw)["error"] == "StateMachineDoesNotExist"


def test_http_routes_need_the_token_unless_public(sfn, auth_server):
    client = make_client(auth_server.url, secret=TOKEN)
    name = unique("guarded")
    create_machine(client, PASS, kind="EXPRESS", name=name)
    for path, public in ((f"/{name}/private", False), (f"/{name}/public", True)):
        status, _, raw = auth_server.request("PUT", "/routes", {"method": "POST", "path": path, "state_machine": name, "public": public})
        assert status == 200, raw
    status, _, raw = auth_server.request("PUT", "/routes", {"method": "POST", "path": f"/{name}/x", "state_machine": name}, token="")
    assert status == 401
    body = json.dumps({"n": 1}).encode()
    status, _, raw = auth_server.request("POST", f"/{name}/private", body, headers={"Content-Type": "application/json"}, token="")
    assert status == 401
    status, _, raw = auth_server.request("POST", f"/{name}/private", body, headers={"Content-Type": "application/json"}, token=TOKEN)
    assert status == 200
    out = json.loads(raw)
    assert out["greeting"] == {"hello": "world"} and out["body"] == {"n": 1} and out["pathParameters"] == {}
    assert out["httpMethod"] == "POST" and out["path"] == f"/{name}/private"
    status, _, raw = auth_server.request("POST", f"/{name}/public?x=1", body, headers={"Content-Type": "application/json"}, token="")
    assert status == 200
    assert json.loads(raw)["queryStringParameters"] == {"x": "1"}
