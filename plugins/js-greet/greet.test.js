import assert from "node:assert/strict";
import { test } from "node:test";

import { greet, GreetError } from "./greet.js";

test("default language is English and the name is trimmed", () => {
  assert.deepEqual(greet({ name: " Ada " }), { greeting: "Hello, Ada!", language: "en" });
});

test("language and state name", () => {
  assert.deepEqual(greet({ name: "Ada", language: "fr" }, "Greet"), {
    greeting: "Bonjour, Ada !",
    language: "fr",
    greetedBy: "Greet",
  });
});

test("bad input is InvalidInput with a precise cause", () => {
  const cases = [
    [[1], "the input must be a JSON object, not an array"],
    [{}, "`name` must be a string, not null"],
    [{ name: 3 }, "`name` must be a string, not a number"],
    [{ name: "  " }, "`name` must not be empty"],
    [{ name: "x".repeat(101) }, "`name` must be at most 100 characters"],
    [{ name: "Ada", language: true }, "`language` must be a string, not a boolean"],
  ];
  for (const [request, cause] of cases) {
    assert.throws(
      () => greet(request),
      (e) => e instanceof GreetError && e.error === "InvalidInput" && e.cause === cause,
      JSON.stringify(request),
    );
  }
});

test("unknown language", () => {
  assert.throws(
    () => greet({ name: "Ada", language: "tlh" }),
    (e) =>
      e.error === "UnsupportedLanguage" && e.cause === "no greeting for language 'tlh' (known: de, en, es, fr, nl)",
  );
});

test("inherited object keys are not languages", () => {
  assert.throws(() => greet({ name: "Ada", language: "toString" }), (e) => e.error === "UnsupportedLanguage");
});
