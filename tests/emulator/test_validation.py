"""Validation errors read exactly as the server's zod 3.25.76 + zod-validation-error 1.5.0.

Every expected value here was produced by running those two libraries (the versions the
webapp pins) on the same input with the server's schema.
"""

from __future__ import annotations

from typing import Any

import pytest

from trigger.emulator.routes.runs import LIST_QUERY
from trigger.emulator.schemas import TRIGGER_BODY
from trigger.emulator.validation import format_issues

MACHINES = "'micro' | 'small-1x' | 'small-2x' | 'medium-1x' | 'medium-2x' | 'large-1x' | 'large-2x'"

BODY_CASES: list[tuple[Any, str]] = [
    (
        {"options": {"tags": ["x", "a" * 200]}},
        'Validation error: Tags must be less than 128 characters at "options.tags[1]"',
    ),
    (
        {"options": {"delay": {}}},
        'Validation error: Expected string, received object at "options.delay", '
        'or Invalid date at "options.delay"',
    ),
    (
        {"options": {"maxAttempts": 1.5, "machine": "huge", "ttl": -1}},
        f"Validation error: Invalid enum value. Expected {MACHINES}, received 'huge' at "
        '"options.machine"; Expected integer, received float at "options.maxAttempts"; '
        'Number must be greater than or equal to 0 at "options.ttl"',
    ),
    ({"options": "x"}, 'Validation error: Expected object, received string at "options"'),
    (
        {"payload": 1, "options": {"payloadType": "application/store"}},
        "Validation error: payload must be a non-empty string when options.payloadType is "
        'application/store at "payload"',
    ),
    (
        {
            "options": {
                "queue": {},
                "idempotencyKeyOptions": {"key": 1, "scope": "x"},
                "concurrencyKey": True,
            }
        },
        'Validation error: Required at "options.queue.name"; Expected string, received boolean '
        'at "options.concurrencyKey", or Expected number, received boolean at '
        '"options.concurrencyKey"; Expected string, received number at '
        "\"options.idempotencyKeyOptions.key\"; Invalid enum value. Expected 'run' | "
        "'attempt' | 'global', received 'x' at \"options.idempotencyKeyOptions.scope\"",
    ),
    (
        {"options": {"tags": 5, "debounce": {"key": "k"}}},
        'Validation error: Expected string, received number at "options.tags", or Expected '
        'array, received number at "options.tags"; Required at "options.debounce.delay"',
    ),
]


@pytest.mark.parametrize(("body", "expected"), BODY_CASES)
def test_trigger_body_errors_match_zod(body: Any, expected: str) -> None:
    _, issues = TRIGGER_BODY.parse(body)
    assert format_issues(issues) == expected


def test_a_valid_trigger_body_passes_and_normalizes() -> None:
    parsed, issues = TRIGGER_BODY.parse(
        {"payload": {"a": 1}, "options": {"concurrencyKey": 42, "externalDeploymentId": "  "}}
    )
    assert issues == []
    assert parsed["options"]["concurrencyKey"] == "42"
    assert "externalDeploymentId" not in parsed["options"]


QUERY_CASES: list[tuple[str, list[dict[str, Any]]]] = [
    (
        "0",
        [
            {
                "code": "too_small",
                "minimum": 0,
                "type": "number",
                "inclusive": False,
                "exact": False,
                "message": "Number must be greater than 0",
                "path": ["page[size]"],
            },
            {
                "code": "too_small",
                "minimum": 1,
                "type": "number",
                "inclusive": True,
                "exact": False,
                "message": "Number must be greater than or equal to 1",
                "path": ["page[size]"],
            },
        ],
    ),
    (
        "abc",
        [
            {
                "code": "invalid_type",
                "expected": "number",
                "received": "nan",
                "path": ["page[size]"],
                "message": "Expected number, received nan",
            }
        ],
    ),
    (
        "1.5",
        [
            {
                "code": "invalid_type",
                "expected": "integer",
                "received": "float",
                "message": "Expected integer, received float",
                "path": ["page[size]"],
            }
        ],
    ),
]


@pytest.mark.parametrize(("size", "expected"), QUERY_CASES)
def test_page_size_issues_match_zod(size: str, expected: list[dict[str, Any]]) -> None:
    _, issues = LIST_QUERY.parse({"page[size]": size})
    assert issues == expected
    # Key order too, as the server serializes them.
    assert [list(issue) for issue in issues] == [list(issue) for issue in expected]


def test_page_size_coerces_like_javascript_number() -> None:
    parsed, issues = LIST_QUERY.parse({"page[size]": " 1e1 "})
    assert issues == []
    assert parsed["page[size]"] == 10


def test_custom_filter_issues() -> None:
    _, issues = LIST_QUERY.parse(
        {"filter[status]": "QUEUED,NOPE,BAD", "filter[isTest]": "yes", "filter[machine]": "huge"}
    )
    assert [issue["message"] for issue in issues] == [
        "Invalid status values: NOPE, BAD",
        "Invalid value for isTest: yes",
        "Invalid machine values: huge",
    ]
    assert issues[0] == {
        "code": "custom",
        "message": "Invalid status values: NOPE, BAD",
        "path": ["filter[status]"],
    }
