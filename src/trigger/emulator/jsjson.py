"""JSON text as JavaScript writes it (``JSON.stringify``, superjson), from parsed JSON values.

The server stores outputs it serialized itself, so ``{"n": 1.0}`` comes back as
``{"json":{"n":1}}``: numbers follow ECMAScript's ``Number::toString`` (``1.0`` -> ``1``,
``1e16`` -> ``10000000000000000``, ``1e-7`` -> ``1e-7``), integers beyond 2**53 lose their
low digits as doubles do, and text is raw UTF-8 with JavaScript's escapes.
"""

from __future__ import annotations

import json
import math
from typing import Any

__all__ = ["js_number", "js_stringify", "superjson_stringify"]

_SAFE_INTEGER = 2**53


def _digits(value: float) -> tuple[str, int]:
    """``(digits, n)`` with ``value == 0.digits * 10**n`` (shortest round-trip digits)."""
    mantissa, _, exponent = repr(abs(value)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    leading = len(whole + fraction) - len((whole + fraction).lstrip("0"))
    point = len(whole) - leading + (int(exponent) if exponent else 0)
    return digits.rstrip("0") or "0", point


def js_number(value: float) -> str:
    """A number as JavaScript prints it (``NaN`` and infinities become ``null``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) and abs(value) < _SAFE_INTEGER:
        return str(value)
    number = float(value)
    if not math.isfinite(number):
        return "null"
    if number == 0:
        return "0"
    sign = "-" if number < 0 else ""
    digits, n = _digits(number)
    k = len(digits)
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return f"{sign}{digits[:n]}.{digits[n:]}"
    if -6 < n <= 0:
        return f"{sign}0.{'0' * -n}{digits}"
    exponent = n - 1
    mantissa = digits[0] + (f".{digits[1:]}" if k > 1 else "")
    return f"{sign}{mantissa}e{'+' if exponent >= 0 else '-'}{abs(exponent)}"


def js_stringify(value: Any) -> str:
    """``JSON.stringify(value)`` for a parsed JSON value (compact, raw UTF-8)."""
    if value is None:
        return "null"
    if isinstance(value, (bool, int, float)):
        return js_number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(js_stringify(item) for item in value) + "]"
    if isinstance(value, dict):
        return (
            "{"
            + ",".join(
                f"{json.dumps(str(key), ensure_ascii=False)}:{js_stringify(item)}"
                for key, item in value.items()
            )
            + "}"
        )
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def superjson_stringify(value: Any) -> str:
    """superjson's text for a parsed JSON value: ``{"json": value}`` (no ``meta`` needed)."""
    return '{"json":' + js_stringify(value) + "}"
