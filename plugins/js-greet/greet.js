// Pure logic of the js-greet task: no host calls, so it can be tested with Node.

export const GREETINGS = {
  en: (name) => `Hello, ${name}!`,
  nl: (name) => `Hallo, ${name}!`,
  de: (name) => `Hallo, ${name}!`,
  fr: (name) => `Bonjour, ${name} !`,
  es: (name) => `¡Hola, ${name}!`,
};

export const MAX_NAME_CHARS = 100;

/** A failure the workflow can catch by `error` name. */
export class GreetError extends Error {
  constructor(error, cause) {
    super(`${error}: ${cause}`);
    this.error = error;
    this.cause = cause;
  }
}

/** The JSON kind of a parsed value, for messages. */
export function typeName(value) {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "boolean":
      return "a boolean";
    case "number":
      return "a number";
    case "string":
      return "a string";
    default:
      return "an object";
  }
}

/**
 * Builds the greeting for `request` = {name: string, language?: string}.
 * Throws GreetError("InvalidInput", ...) for a request of the wrong shape and
 * GreetError("UnsupportedLanguage", ...) for a language without a greeting.
 */
export function greet(request, stateName = "") {
  if (request === null || typeof request !== "object" || Array.isArray(request)) {
    throw new GreetError("InvalidInput", `the input must be a JSON object, not ${typeName(request)}`);
  }
  if (typeof request.name !== "string") {
    throw new GreetError("InvalidInput", `\`name\` must be a string, not ${typeName(request.name)}`);
  }
  const name = request.name.trim();
  if (name.length === 0) {
    throw new GreetError("InvalidInput", "`name` must not be empty");
  }
  if ([...name].length > MAX_NAME_CHARS) {
    throw new GreetError("InvalidInput", `\`name\` must be at most ${MAX_NAME_CHARS} characters`);
  }
  const language = request.language === undefined ? "en" : request.language;
  if (typeof language !== "string") {
    throw new GreetError("InvalidInput", `\`language\` must be a string, not ${typeName(language)}`);
  }
  if (!Object.hasOwn(GREETINGS, language)) {
    const known = Object.keys(GREETINGS).sort().join(", ");
    throw new GreetError("UnsupportedLanguage", `no greeting for language '${language}' (known: ${known})`);
  }
  const result = { greeting: GREETINGS[language](name), language };
  if (stateName) result.greetedBy = stateName;
  return result;
}
