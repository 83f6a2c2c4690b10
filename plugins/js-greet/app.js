// js-greet: a stepwasm Task written in JavaScript (world `stepwasm:task/task`).
import { log } from "stepwasm:task/host@0.1.0";

import { greet, GreetError } from "./greet.js";

/** Throwing `{error, cause}` makes the export return the `task-error` case. */
function taskError(error, cause) {
  return { error, cause };
}

export function handle(input, context) {
  let request;
  try {
    request = JSON.parse(input);
  } catch (e) {
    throw taskError("InvalidInput", `the task input is not valid JSON: ${e.message}`);
  }
  let ctx = {};
  if (context.trim() !== "") {
    try {
      ctx = JSON.parse(context);
    } catch (e) {
      throw taskError("InvalidContext", `the context object is not valid JSON: ${e.message}`);
    }
  }
  const stateName = typeof ctx?.State?.Name === "string" ? ctx.State.Name : "";
  let result;
  try {
    result = greet(request, stateName);
  } catch (e) {
    if (e instanceof GreetError) throw taskError(e.error, e.cause);
    throw taskError("UnhandledException", `${e?.name ?? "Error"}: ${e?.message ?? String(e)}`);
  }
  log("info", `greeted '${result.greeting}'`);
  return JSON.stringify(result);
}
