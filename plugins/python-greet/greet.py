"""Pure logic of the python-greet task: no host calls, so it can be tested anywhere."""

GREETINGS = {
    "en": "Hello, {name}!",
    "nl": "Hallo, {name}!",
    "de": "Hallo, {name}!",
    "fr": "Bonjour, {name} !",
    "es": "¡Hola, {name}!",
}

MAX_NAME_CHARS = 100


class GreetError(Exception):
    """A failure the workflow can catch by `error` name."""

    def __init__(self, error: str, cause: str):
        super().__init__(f"{error}: {cause}")
        self.error = error
        self.cause = cause


def greet(request: object, state_name: str = "") -> dict:
    """Build the greeting for `request` = {"name": str, "language"?: str}.

    Raises GreetError("InvalidInput", ...) for a request of the wrong shape and
    GreetError("UnsupportedLanguage", ...) for a language without a greeting.
    """
    if not isinstance(request, dict):
        raise GreetError("InvalidInput", f"the input must be a JSON object, not {type_name(request)}")
    name = request.get("name")
    if not isinstance(name, str):
        raise GreetError("InvalidInput", f"`name` must be a string, not {type_name(name)}")
    name = name.strip()
    if not name:
        raise GreetError("InvalidInput", "`name` must not be empty")
    if len(name) > MAX_NAME_CHARS:
        raise GreetError("InvalidInput", f"`name` must be at most {MAX_NAME_CHARS} characters")
    language = request.get("language", "en")
    if not isinstance(language, str):
        raise GreetError("InvalidInput", f"`language` must be a string, not {type_name(language)}")
    template = GREETINGS.get(language)
    if template is None:
        known = ", ".join(sorted(GREETINGS))
        raise GreetError("UnsupportedLanguage", f"no greeting for language {language!r} (known: {known})")
    result = {"greeting": template.format(name=name), "language": language}
    if state_name:
        result["greetedBy"] = state_name
    return result


def type_name(value: object) -> str:
    """The JSON kind of a parsed value, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"
