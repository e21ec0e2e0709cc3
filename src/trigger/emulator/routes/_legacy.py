"""Answers of the server's older ("legacy") Remix routes that the builder pipeline lacks.

Remix answers a method a route module has no handler for by itself: a POST to a route with
only a loader gets 405, a GET to one with only an action 400, both with
``{"message": "Unexpected Server Error"}`` (measured). Legacy actions that "reject" a method
return a plain object, which Remix sends as HTTP 200 JSON. Their body errors carry zod's
issues under ``issues``.
"""

from __future__ import annotations

from typing import Any, NoReturn

from starlette.responses import Response

from trigger.emulator.routes._http import Reply, json_response

__all__ = ["invalid_body", "legacy_method_rejected", "no_action", "no_handler", "no_loader"]

_UNEXPECTED = {"message": "Unexpected Server Error"}


def no_action(*, marked: bool = False) -> NoReturn:
    """A non-GET request to a route that only has a loader: 405.

    ``marked`` adds the ``x-remix-error: yes`` header some of these routes answer with
    (measured on the queue and concurrency-limit routes).
    """
    raise Reply(json_response(_UNEXPECTED, 405, {"x-remix-error": "yes"} if marked else None))


def no_loader() -> NoReturn:
    """A GET request to a route that only has an action: 400."""
    raise Reply(json_response(_UNEXPECTED, 400))


def no_handler() -> NoReturn:
    """An action that returned nothing for this method: Remix's plain-text 500."""
    raise Reply(Response(b"Unexpected Server Error", 500, media_type="text/plain"))


def legacy_method_rejected() -> NoReturn:
    """``return {status: 405, body: "Method Not Allowed"}``, sent by Remix as HTTP 200."""
    raise Reply(json_response({"status": 405, "body": "Method Not Allowed"}, 200))


def invalid_body(issues: list[dict[str, Any]], error: str = "Invalid request body") -> NoReturn:
    """400 ``{"error": "Invalid request body", "issues": [...]}``."""
    raise Reply(json_response({"error": error, "issues": issues}, 400))
