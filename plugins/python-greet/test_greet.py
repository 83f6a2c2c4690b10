import unittest

from greet import GreetError, greet


class GreetTest(unittest.TestCase):
    def test_default_language_is_english(self):
        self.assertEqual(greet({"name": " Ada "}), {"greeting": "Hello, Ada!", "language": "en"})

    def test_language_and_state_name(self):
        self.assertEqual(
            greet({"name": "Ada", "language": "fr"}, "Greet"),
            {"greeting": "Bonjour, Ada !", "language": "fr", "greetedBy": "Greet"},
        )

    def test_bad_input_is_invalid_input(self):
        for request, cause in [
            ([1], "the input must be a JSON object, not an array"),
            ({}, "`name` must be a string, not null"),
            ({"name": 3}, "`name` must be a string, not a number"),
            ({"name": "  "}, "`name` must not be empty"),
            ({"name": "x" * 101}, "`name` must be at most 100 characters"),
            ({"name": "Ada", "language": True}, "`language` must be a string, not a boolean"),
        ]:
            with self.assertRaises(GreetError) as caught:
                greet(request)
            self.assertEqual((caught.exception.error, caught.exception.cause), ("InvalidInput", cause))

    def test_unknown_language(self):
        with self.assertRaises(GreetError) as caught:
            greet({"name": "Ada", "language": "tlh"})
        self.assertEqual(caught.exception.error, "UnsupportedLanguage")
        self.assertEqual(caught.exception.cause, "no greeting for language 'tlh' (known: de, en, es, fr, nl)")


if __name__ == "__main__":
    unittest.main()
