"""python-greet: a stepwasm Task written in Python (world `stepwasm:task/task`)."""

import json

import wit_world
from componentize_py_types import Err
from wit_world.imports import host
from wit_world.imports.types import TaskError

from greet import GreetError, greet


class WitWorld(wit_world.WitWorld):
    def handle(self, input: str, context: str) -> str:
        try:
            return run(input, context)
        except Err:
            raise
        except Exception as e:  # a bug: report it instead of trapping
            raise Err(TaskError("UnhandledException", f"{type(e).__name__}: {e}"))


def run(input: str, context: str) -> str:
    try:
        request = json.loads(input)
    except ValueError as e:
        raise Err(TaskError("InvalidInput", f"the task input is not valid JSON: {e}"))
    try:
        ctx = json.loads(context) if context.strip() else {}
    except ValueError as e:
        raise Err(TaskError("InvalidContext", f"the context object is not valid JSON: {e}"))
    state = ctx.get("State") if isinstance(ctx, dict) else None
    state_name = state.get("Name") if isinstance(state, dict) else None
    try:
        result = greet(request, state_name if isinstance(state_name, str) else "")
    except GreetError as e:
        raise Err(TaskError(e.error, e.cause))
    host.log(host.Level.INFO, f"greeted {result['greeting']!r}")
    return json.dumps(result, ensure_ascii=False)
