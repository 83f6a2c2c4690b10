"""The web console end to end: a real `stepwasm serve`, headless Chromium, the pages a user walks."""

import json
import os
import re
import statistics
from urllib.parse import quote

import pytest

from conftest import FIXTURE, env_path

TOKEN = "console-e2e-token"
OK_INPUT = {"mode": "ok", "amount": 150, "items": [1, 2, 3], "n": 0}

WAIT = {
    "StartAt": "Hold",
    "States": {
        "Hold": {"Type": "Wait", "SecondsPath": "$.seconds", "Next": "Finish"},
        "Finish": {"Type": "Pass", "End": True},
    },
}

LOGGER = {
    "StartAt": "Chatty",
    "States": {
        "Chatty": {
            "Type": "Task",
            "Resource": "wasm:task-guest",
            "Parameters": {"op": "chatty", "lines": 2},
            "ResultPath": "$.chatty",
            "Next": "Boom",
        },
        "Boom": {
            "Type": "Task",
            "Resource": "wasm:task-guest",
            "Parameters": {"op": "fail", "error": "Custom.Error", "cause": "failed on purpose"},
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.failure", "Next": "Handled"}],
            "Next": "Handled",
        },
        "Handled": {"Type": "Pass", "End": True},
    },
}


QUICK = {
    "StartAt": "Check",
    "States": {
        "Check": {"Type": "Choice", "Choices": [{"Variable": "$.ok", "BooleanEquals": True, "Next": "Answer"}], "Default": "Refuse"},
        "Answer": {"Type": "Pass", "Result": {"answer": 42}, "End": True},
        "Refuse": {"Type": "Fail", "Error": "Quick.Refused", "Cause": "ok was not true"},
    },
}


def console(server, route=""):
    return f"{server['base']}/console/{route}"


def machine_route(arn):
    return "#/machine/" + quote(arn, safe="")


def execution_route(arn):
    return "#/execution/" + quote(arn, safe="")


def ready(page, name, timeout=20000):
    page.wait_for_selector(f"body[data-ready='{name}']", timeout=timeout)


def state_status(page, name):
    return page.locator(f"g.state[data-state='{name}']").first.get_attribute("data-status")


def in_graph_view(page, name):
    """Whether state `name` lies within the visible part of the graph's scroll box."""
    return page.evaluate("""name => {
        const box = document.querySelector('.graph-scroll').getBoundingClientRect();
        const g = [...document.querySelectorAll('g.state')].find(g => g.dataset.state === name);
        const r = g.getBoundingClientRect();
        return r.top >= box.top && r.bottom <= box.bottom && r.left >= box.left && r.right <= box.right;
    }""", name)


def show_whole_graph(page):
    """Lets the graph grow to its full height (the page scrolls instead of the box)."""
    page.click("#graph-size")
    assert page.evaluate("(() => { const s = document.querySelector('.graph-scroll'); return s.scrollHeight <= s.clientHeight + 1; })()")


def sign_in(page, server):
    """Opens the console; the server wants a token, so the console asks for it once."""
    page.goto(console(server))
    page.wait_for_selector("#token-dialog[open]")
    page.fill("#token-input", TOKEN)
    page.click("#token-dialog button[value=save]")
    ready(page, "machines")


@pytest.fixture(scope="module")
def machines(api):
    arns = {
        "thirty": api.create_machine("thirty", FIXTURE.read_text()),
        "wait": api.create_machine("wait", WAIT),
        "quick": api.create_machine("quick", QUICK, kind="EXPRESS"),
    }
    wasm = env_path("TASK_GUEST").read_bytes()
    api.put_function("task-guest", wasm)
    arns["logger"] = api.create_machine("logger", LOGGER)
    return arns


@pytest.fixture(scope="module", autouse=True)
def with_token(api):
    api.token = TOKEN


def test_token_is_asked_once_then_machines_are_listed(page, server, machines, shots):
    sign_in(page, server)
    names = page.locator("#machines tbody tr td:first-child").all_inner_texts()
    assert {"thirty", "wait", "logger"} <= set(names)
    assert page.evaluate("localStorage.getItem('stepwasm.apiToken')") == TOKEN
    # A reload does not ask again.
    page.reload()
    ready(page, "machines")
    assert not page.locator("#token-dialog[open]").count()
    page.screenshot(path=str(shots / "machines.png"), full_page=True)


def test_a_refused_token_is_asked_again(browser, server, machines):
    context = browser.new_context()
    context.add_init_script("if (!sessionStorage.getItem('seeded')) { sessionStorage.setItem('seeded', '1'); localStorage.setItem('stepwasm.apiToken', 'not-the-right-token-at-all'); }")
    page = context.new_page()
    page.goto(console(server))
    page.wait_for_selector("#token-dialog[open]")
    assert "refused" in page.inner_text("#token-reason")
    assert page.locator("#main [role=alert]").count() == 1
    page.fill("#token-input", TOKEN)
    page.click("#token-dialog button[value=save]")
    ready(page, "machines")
    assert "thirty" in page.inner_text("#machines")
    context.close()


HOSTILE = {
    "StartAt": "<img src=x onerror=\"window.pwned=1\">",
    "States": {
        "<img src=x onerror=\"window.pwned=1\">": {"Type": "Pass", "Next": "<b>bold</b>"},
        "<b>bold</b>": {"Type": "Choice", "Choices": [{"Variable": "$.x", "StringEquals": "<i>it</i>", "Next": "<img src=x onerror=\"window.pwned=1\">"}], "Default": "End"},
        "End": {"Type": "Succeed"},
    },
}


def test_user_data_is_shown_as_text(page, server, api, machines):
    arn = api.create_machine("hostile", HOSTILE)
    run = api.call("StartExecution", stateMachineArn=arn, name="hostile-run",
                   input=json.dumps({"x": "</pre><script>window.pwned=1</script>"}))["executionArn"]
    api.wait_status(run, {"SUCCEEDED"})
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    sign_in(page, server)
    page.goto(console(server, machine_route(arn)))
    ready(page, "machine")
    page.goto(console(server, execution_route(run)))
    ready(page, "execution")
    page.click("#history .ev[data-type=ExecutionStarted]")
    # The names and the input are on the page as they were written, and nothing in them ran.
    assert page.locator("g.state[data-state='<b>bold</b>'] .state-name").text_content() == "<b>bold</b>"
    assert '<i>it</i>' in page.locator("svg.graph .edge-label").all_text_contents()[0]
    assert "<script>window.pwned=1</script>" in page.inner_text("#history .ev-details")
    assert "<b>bold</b>" in page.inner_text("#history .rows")
    assert page.locator("#main b, #main i, #main img, #main script").count() == 0
    assert page.evaluate("window.pwned") is None
    # And the page asked nothing of another origin.
    assert requests and all(u.startswith(server["base"] + "/") for u in requests), [u for u in requests if not u.startswith(server["base"])]


def test_machine_graph_has_every_state_and_labelled_edges(page, server, machines, shots):
    sign_in(page, server)
    page.click("#machines a:text-is('thirty')")
    ready(page, "machine")
    assert page.locator("svg.graph g.state").count() == 30
    labels = page.locator("svg.graph .edge-label").all_text_contents()
    for label in ['$.mode == "fail"', "Default", "Catch States.ALL", "$.n < 3"]:
        assert label in labels, f"edge label {label!r} in {labels}"
    # Parallel branches and the Map processor are drawn inside their group.
    assert page.locator("g.state.group[data-state='Combine'] g.state[data-state='Grade']").count() == 1
    assert page.locator("g.state.group[data-state='ForEach'] g.state[data-state='Keep']").count() == 1
    # Thirty states are taller than the box: the bottom is out of view until the whole graph is shown.
    assert not in_graph_view(page, "Explode")
    show_whole_graph(page)
    assert page.inner_text("#graph-size") == "Fit in a box"
    page.screenshot(path=str(shots / "machine-thirty.png"), full_page=True)


def test_start_an_execution_and_see_it_finish_coloured(page, server, machines, shots):
    sign_in(page, server)
    page.goto(console(server, machine_route(machines["thirty"])))
    ready(page, "machine")
    page.fill("#start-input", '{"mode": "ok",')
    assert "Invalid JSON" in page.inner_text("#start-message")
    assert page.is_disabled("#start-button")
    page.fill("#start-input", json.dumps(OK_INPUT))
    assert page.inner_text("#start-message") == "Valid JSON"
    page.fill("#start-name", "from-the-console")
    page.click("#start-button")
    page.wait_for_url(re.compile(r".*#/execution/.*from-the-console$"))
    page.wait_for_selector("#execution-status [data-status=SUCCEEDED]", timeout=30000)
    ready(page, "execution")
    for name in ["Init", "Route", "Validate", "Review", "Combine", "Grade", "High", "ForEach", "Keep", "Skip", "LoopCheck", "Done"]:
        assert state_status(page, name) == "succeeded", name
    for name in ["PrepareFailure", "AutoApprove", "Low", "Recover", "Explode"]:
        assert state_status(page, name) == "not-reached", name
    assert page.locator("g.state[data-state='Counter'] .state-type").text_content() == "Pass ×3"
    assert page.locator("#history .ev[data-type=ExecutionSucceeded]").count() == 1
    show_whole_graph(page)
    page.screenshot(path=str(shots / "execution-succeeded.png"), full_page=True)


def test_a_failed_execution_shows_its_error(page, server, api, machines, shots):
    arn = api.call("StartExecution", stateMachineArn=machines["thirty"], name="rejected",
                   input=json.dumps({"mode": "fail", "amount": 1, "items": [], "n": 0}))["executionArn"]
    api.wait_status(arn, {"FAILED"})
    api.call("StartExecution", stateMachineArn=machines["thirty"], name="fine", input=json.dumps(OK_INPUT))
    sign_in(page, server)
    page.goto(console(server, machine_route(machines["thirty"])))
    ready(page, "machine")
    page.select_option("#status-filter", "FAILED")
    page.wait_for_function("() => [...document.querySelectorAll('#executions tbody tr')].every(r => r.dataset.status === 'FAILED')")
    assert "fine" not in page.inner_text("#executions tbody")
    page.click("#executions a:text-is('rejected')")
    ready(page, "execution")
    error = page.inner_text("#execution-error")
    assert "Order.Rejected" in error and "The amount is over the limit" in error
    assert state_status(page, "Explode") == "failed"
    assert state_status(page, "PrepareFailure") == "succeeded"
    assert state_status(page, "Validate") == "not-reached"
    # The failed state is at the bottom of a tall graph: the box is scrolled to show it.
    assert in_graph_view(page, "Explode")
    assert not page.locator("#stop-button").count()
    assert page.locator("#redrive-button").count() == 1
    page.screenshot(path=str(shots / "execution-failed.png"), full_page=True)


DISTRIBUTED = {
    "StartAt": "Each",
    "States": {
        "Each": {
            "Type": "Map", "Label": "Items", "End": True,
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "Check",
                "States": {
                    "Check": {"Type": "Choice", "Choices": [{"Variable": "$", "NumericEquals": 2, "Next": "Refuse"}], "Default": "Keep"},
                    "Keep": {"Type": "Pass", "End": True},
                    "Refuse": {"Type": "Fail", "Error": "Item.Refused", "Cause": "two is refused"},
                },
            },
            "ToleratedFailureCount": 1,
        },
    },
}


def test_a_distributed_map_lists_its_run_and_children(page, server, api, shots):
    sm = api.create_machine("distributed", DISTRIBUTED)
    arn = api.call("StartExecution", stateMachineArn=sm, name="fan-out", input="[1, 2, 3]")["executionArn"]
    api.wait_status(arn, {"SUCCEEDED"})
    sign_in(page, server)
    page.goto(console(server, execution_route(arn)))
    ready(page, "execution")
    page.wait_for_selector("#map-runs tbody tr")
    assert page.locator("#map-runs tbody tr").count() == 3
    assert sorted(page.locator("#map-runs tbody tr").evaluate_all("rows => rows.map(r => r.dataset.status)")) == ["FAILED", "SUCCEEDED", "SUCCEEDED"]
    assert "2 succeeded · 1 failed" in page.inner_text("#map-runs")
    page.screenshot(path=str(shots / "execution-map-run.png"), full_page=True)
    # A child's page draws the map's processor and leads back to its parent.
    page.click("#map-runs tr[data-status=FAILED] a")
    ready(page, "execution")
    assert "Item.Refused" in page.inner_text("#execution-error")
    assert state_status(page, "Refuse") == "failed"
    assert state_status(page, "Keep") == "not-reached"
    page.click(".crumbs a:text-is('fan-out')")
    ready(page, "execution")
    assert page.inner_text("h1").startswith("fan-out")


def test_task_logs_and_a_caught_error(page, server, api, machines, shots):
    arn = api.call("StartExecution", stateMachineArn=machines["logger"], name="logs", input="{}")["executionArn"]
    api.wait_status(arn, {"SUCCEEDED", "FAILED"})
    sign_in(page, server)
    page.goto(console(server, execution_route(arn)))
    ready(page, "execution")
    assert state_status(page, "Chatty") == "succeeded"
    assert state_status(page, "Boom") == "caught"
    assert state_status(page, "Handled") == "succeeded"
    page.click("#history .ev[data-type=TaskSucceeded]")
    logs = page.inner_text("#history .ev-details pre.logs")
    assert "line 0" in logs and "line 1" in logs and "last line" in logs
    page.click("#history .ev[data-type=TaskFailed]")
    failed = page.locator("#history .ev-details").nth(1).inner_text()
    assert "Custom.Error" in failed and "failed on purpose" in failed
    # Clicking a state keeps only its events.
    page.click("g.state[data-state='Boom']")
    types = page.locator("#history .ev[data-id]").evaluate_all("rows => rows.map(r => r.dataset.type)")
    assert "TaskFailed" in types and "TaskStateEntered" in types and "PassStateEntered" not in types
    page.screenshot(path=str(shots / "execution-logs.png"), full_page=True)


def test_live_updates_then_stop_and_redrive(page, server, api, machines, shots):
    sign_in(page, server)
    page.goto(console(server, machine_route(machines["wait"])))
    ready(page, "machine")
    page.fill("#start-input", '{"seconds": 2}')
    page.click("#start-button")
    ready(page, "execution")
    assert page.locator("#execution-status [data-status=RUNNING]").count() == 1
    assert state_status(page, "Hold") == "running"
    # A row opened while the execution runs stays open as new events arrive.
    page.click("#history .ev[data-type=WaitStateEntered]")
    # Polling brings the end without a reload.
    page.wait_for_selector("#execution-status [data-status=SUCCEEDED]", timeout=20000)
    page.wait_for_function("() => document.querySelector(\"g.state[data-state='Finish']\").dataset.status === 'succeeded'")
    page.wait_for_selector("#history .ev[data-type=ExecutionSucceeded]")
    assert page.locator("#history .ev.open[data-type=WaitStateEntered] + .ev-details").count() == 1
    assert page.inner_text("#history h2") == "History (6 events)"
    assert page.locator("#history .ev[data-id]").count() == 6

    # Stopped from the page within its 5-second wait, then redriven: the redrive waits 5 s again.
    arn = api.call("StartExecution", stateMachineArn=machines["wait"], name="long", input='{"seconds": 5}')["executionArn"]
    page.goto(console(server, execution_route(arn)))
    ready(page, "execution")
    page.once("dialog", lambda d: d.accept())
    page.click("#stop-button")
    page.wait_for_selector("#execution-status [data-status=ABORTED]", timeout=20000)
    assert state_status(page, "Hold") == "aborted"
    assert api.call("DescribeExecution", executionArn=arn)["status"] == "ABORTED"
    assert "Console.Stopped" in page.inner_text("#execution-error")
    page.screenshot(path=str(shots / "execution-stopped.png"), full_page=True)
    page.click("#redrive-button")
    page.wait_for_selector("#execution-status [data-status=RUNNING]", timeout=20000)
    described = api.call("DescribeExecution", executionArn=arn)
    assert described["status"] == "RUNNING" and described.get("redriveCount") == 1
    # The redrive entered Hold again: it is running, not still aborted.
    page.wait_for_function("() => document.querySelector(\"g.state[data-state='Hold']\").dataset.status === 'running'")
    assert page.locator("#stop-button").count() == 1 and not page.locator("#redrive-button").count()
    page.screenshot(path=str(shots / "execution-redriven.png"), full_page=True)
    # And the page keeps polling after the redrive: the end arrives without a reload.
    page.wait_for_selector("#execution-status [data-status=SUCCEEDED]", timeout=20000)
    page.wait_for_function("() => document.querySelector(\"g.state[data-state='Finish']\").dataset.status === 'succeeded'")
    assert state_status(page, "Hold") == "succeeded"
    assert page.locator("#history .ev[data-type=ExecutionRedriven]").count() == 1


def test_express_runs_synchronously_and_is_listed(page, server, machines, shots):
    sign_in(page, server)
    page.goto(console(server, machine_route(machines["quick"])))
    ready(page, "machine")
    page.fill("#start-input", '{"ok": true}')
    page.click("#start-button")
    page.wait_for_selector("#start-message [data-status=SUCCEEDED]")
    assert '"answer":42' in page.inner_text("#start-message").replace(" ", "")
    page.wait_for_selector("#executions tbody tr[data-status=SUCCEEDED]")
    page.fill("#start-input", '{"ok": false}')
    page.click("#start-button")
    page.wait_for_selector("#start-message [data-status=FAILED]")
    assert "Quick.Refused" in page.inner_text("#start-message")
    page.wait_for_selector("#executions tbody tr[data-status=FAILED]")
    page.screenshot(path=str(shots / "express-machine.png"), full_page=True)
    # The server keeps the run: its page has the coloured graph and the error, and no Stop or Redrive.
    page.click("#start-message a:text-is('Open')")
    ready(page, "execution")
    assert "Quick.Refused" in page.inner_text("#execution-error")
    assert state_status(page, "Check") == "succeeded"
    assert state_status(page, "Refuse") == "failed"
    assert state_status(page, "Answer") == "not-reached"
    assert not page.locator("#stop-button").count() and not page.locator("#redrive-button").count()


def test_functions_page_lists_uploads(page, server, machines, shots):
    sign_in(page, server)
    page.click("nav a[data-nav=functions]")
    ready(page, "functions")
    row = page.locator("#functions tr[data-function='task-guest']")
    assert row.count() == 1
    assert "sha256" in row.inner_text()
    page.screenshot(path=str(shots / "functions.png"), full_page=True)


BUDGET_MS = 200  # the bar for a page on loopback


def test_page_load_times(browser, server, api, machines, shots):
    """Measures how long the 30-state machine and a 1,000-event execution take to show, from the
    navigation's start to the painted frame with the graph and every history row (so the HTML, the
    modules, every API call, the layout and the paint are in). Every run is a fresh page load of
    the console; the first one is also reported on its own (nothing compiled or cached yet).

    The medians are reported. The time budget is a benchmark, not a test condition: it is
    checked only when STEPWASM_CONSOLE_BUDGET=1 (bench/console-load.sh sets it), and then by the
    fastest of the runs, which is what the page costs when nothing else wants the CPU. The load
    average is written next to the numbers so a slow median can be read for what it is."""
    # The Map runs its processor once per item, 8 events each: 125 items make over 1,000 events.
    items = list(range(1, 126))
    arn = api.call("StartExecution", stateMachineArn=machines["thirty"], name="big",
                   input=json.dumps({**OK_INPUT, "items": items}))["executionArn"]
    api.wait_status(arn, {"SUCCEEDED"})
    events = 0
    token = None
    while True:
        page_ = api.call("GetExecutionHistory", executionArn=arn, maxResults=1000, **({"nextToken": token} if token else {}))
        events += len(page_["events"])
        token = page_.get("nextToken")
        if not token:
            break
    assert events >= 1000, events
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    context.add_init_script(f"localStorage.setItem('stepwasm.apiToken', {json.dumps(TOKEN)})")
    page = context.new_page()
    results = {"events": events, "budget_ms": BUDGET_MS, "server": os.path.basename(os.path.dirname(str(env_path("STEPWASM_BIN")))) + " build"}
    mark = "(name) => { const m = performance.getEntriesByName(name)[0]; return m ? m.startTime : null; }"
    for label, route, name in [("machine (30 states)", machine_route(machines["thirty"]), "machine"),
                               (f"execution ({events} events)", execution_route(arn), "execution")]:
        ready_ms, data_ms, dom_ms = [], [], []
        for _ in range(9):
            page.goto("about:blank")
            page.goto(console(server, route))
            ready(page, name)
            ready_ms.append(page.evaluate("window.consoleReadyAt"))
            data_ms.append(page.evaluate(mark, "console-data"))
            dom_ms.append(page.evaluate("performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"))
            if name == "execution":
                # Ready means drawn whole: every event is a row, and the graph is coloured.
                assert page.locator("#history .ev[data-id]").count() == events
                assert page.inner_text("#history h2") == f"History ({events} events)"
                assert state_status(page, "Keep") == "succeeded" and state_status(page, "Low") == "not-reached"
                assert page.locator("g.state[data-state='Double'] .state-type").text_content() == f"Pass ×{len(items)}"
            else:
                assert page.locator("svg.graph g.state").count() == 30
        r = results[label] = {
            "ready_ms_median": round(statistics.median(ready_ms), 1),
            "ready_ms_first": round(ready_ms[0], 1),
            "ready_ms_min": round(min(ready_ms), 1),
            "ready_ms_max": round(max(ready_ms), 1),
            "modules_loaded_ms_median": round(statistics.median(dom_ms), 1),
            "data_fetched_ms_median": round(statistics.median(data_ms), 1),
            "runs": len(ready_ms),
        }
    context.close()
    results["load_average"] = os.getloadavg()
    (shots / "page-load.json").write_text(json.dumps(results, indent=2))
    print("\nconsole page load:", json.dumps(results, indent=2))
    if os.environ.get("STEPWASM_CONSOLE_BUDGET") == "1":
        for label in results:
            if isinstance(results[label], dict):
                assert results[label]["ready_ms_min"] < BUDGET_MS, f"{label}: {results[label]} (load {results['load_average']})"
