"""The message of the ``SyntaxError`` that ``JSON.parse`` throws, worded as V8 words it.

The batch item stream answers a bad line with ``Invalid JSON at line <n>: <message>``, where
the message is Node's (V8 12, with the position's line and column). Python's parser finds
the same errors with other words, so this module re-scans an invalid text the way V8's JSON
parser does and names the first error it meets.
"""

from __future__ import annotations

__all__ = ["json_parse_error"]

_WS = " \t\n\r"
_ESCAPES = '"\\/bfnrt'
_HEX = "0123456789abcdefABCDEF"
_DIGITS = "0123456789"
_CONTEXT = 10
"""Characters V8 shows on each side of an unexpected token in a long text."""
_SPECIAL = ("undefined", "NaN", "Infinity", "[object Object]")


class _Error(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def _at(self, template: str, pos: int) -> _Error:
        line = self.text.count("\n", 0, pos) + 1
        column = pos - (self.text.rfind("\n", 0, pos) + 1) + 1
        return _Error(f"{template} at position {pos} (line {line} column {column})")

    def _unexpected(self, pos: int) -> _Error:
        text = self.text
        if pos >= len(text):
            return _Error("Unexpected end of JSON input")
        token = text[pos]
        if token == '"':
            return self._at("Unexpected string in JSON", pos)
        if token == "-" or token in _DIGITS:
            return self._at("Unexpected number in JSON", pos)
        if text in _SPECIAL:
            return _Error(f'"{text}" is not valid JSON')
        if len(text) < 2 * _CONTEXT + 1:
            return _Error(f"Unexpected token '{token}', \"{text}\" is not valid JSON")
        if pos < _CONTEXT:
            context = f'"{text[: pos + _CONTEXT]}"...'
        elif pos < len(text) - _CONTEXT:
            context = f'..."{text[pos - _CONTEXT : pos + _CONTEXT]}"...'
        else:
            context = f'..."{text[pos - _CONTEXT :]}"'
        return _Error(f"Unexpected token '{token}', {context} is not valid JSON")

    def _peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def _skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in _WS:
            self.pos += 1

    def document(self) -> None:
        self._skip()
        self.value()
        self._skip()
        if self.pos < len(self.text):
            raise self._at("Unexpected non-whitespace character after JSON", self.pos)

    def value(self) -> None:
        char = self._peek()
        if char == '"':
            self.string()
        elif char == "-" or (char and char in _DIGITS):
            self.number()
        elif char == "{":
            self.obj()
        elif char == "[":
            self.array()
        elif char in ("t", "f", "n"):
            self.literal({"t": "true", "f": "false", "n": "null"}[char])
        else:
            raise self._unexpected(self.pos)

    def literal(self, word: str) -> None:
        for offset, expected in enumerate(word):
            index = self.pos + offset
            if index >= len(self.text) or self.text[index] != expected:
                raise self._unexpected(index)
        self.pos += len(word)

    def string(self) -> None:
        text = self.text
        self.pos += 1
        while True:
            if self.pos >= len(text):
                raise self._at("Unterminated string in JSON", self.pos)
            char = text[self.pos]
            if char == '"':
                self.pos += 1
                return
            if char == "\\":
                self.pos += 1
                if self.pos >= len(text):
                    raise self._unexpected(self.pos)
                escaped = text[self.pos]
                if escaped == "u":
                    for offset in range(1, 5):
                        index = self.pos + offset
                        if index >= len(text) or text[index] not in _HEX:
                            raise self._at("Bad Unicode escape in JSON", index)
                    self.pos += 5
                    continue
                if escaped not in _ESCAPES:
                    raise self._at("Bad escaped character in JSON", self.pos)
            elif ord(char) < 0x20:
                raise self._at("Bad control character in string literal in JSON", self.pos)
            self.pos += 1

    def _digits(self) -> int:
        start = self.pos
        while self._peek() in _DIGITS and self._peek():
            self.pos += 1
        return self.pos - start

    def number(self) -> None:
        if self._peek() == "-":
            self.pos += 1
            if not (self._peek() in _DIGITS and self._peek()):
                raise self._at("No number after minus sign in JSON", self.pos)
        if self._peek() == "0":
            self.pos += 1
            if self._peek() in _DIGITS and self._peek():
                raise self._at("Unexpected number in JSON", self.pos)
        else:
            self._digits()
        if self._peek() == ".":
            self.pos += 1
            if not self._digits():
                raise self._at("Unterminated fractional number in JSON", self.pos)
        if self._peek() in ("e", "E"):
            self.pos += 1
            if self._peek() in ("+", "-"):
                self.pos += 1
            if not self._digits():
                raise self._at("Exponent part is missing a number in JSON", self.pos)

    def obj(self) -> None:
        self.pos += 1
        self._skip()
        if self._peek() == "}":
            self.pos += 1
            return
        after_comma = False
        while True:
            if self._peek() != '"':
                template = (
                    "Expected double-quoted property name in JSON"
                    if after_comma
                    else "Expected property name or '}' in JSON"
                )
                raise self._at(template, self.pos)
            self.string()
            self._skip()
            if self._peek() != ":":
                # V8 names the missing colon of the first property only.
                if after_comma:
                    raise self._unexpected(self.pos)
                raise self._at("Expected ':' after property name in JSON", self.pos)
            self.pos += 1
            self._skip()
            self.value()
            self._skip()
            char = self._peek()
            if char == "}":
                self.pos += 1
                return
            if char != ",":
                raise self._at("Expected ',' or '}' after property value in JSON", self.pos)
            self.pos += 1
            self._skip()
            after_comma = True

    def array(self) -> None:
        self.pos += 1
        self._skip()
        if self._peek() == "]":
            self.pos += 1
            return
        while True:
            self._skip()
            self.value()
            self._skip()
            char = self._peek()
            if char == "]":
                self.pos += 1
                return
            if char != ",":
                raise self._at("Expected ',' or ']' after array element in JSON", self.pos)
            self.pos += 1


def json_parse_error(text: str) -> str:
    """The message ``JSON.parse(text)`` throws in Node 22 (``""`` when ``text`` is valid)."""
    try:
        _Scanner(text).document()
    except _Error as error:
        return error.message
    return ""
