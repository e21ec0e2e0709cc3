"""Operations of the prompts group, and realistic bodies."""

from __future__ import annotations

from typing import Any

from tests.operations import Op

PROMPT: dict[str, Any] = {
    "slug": "support-reply",
    "friendlyId": "prompt_cm5x8e3rq0002",
    "description": "Replies to a support ticket",
    "tags": ["support"],
    "defaultModel": "gpt-4o-mini",
    "currentVersion": 3,
    "hasOverride": False,
    "updatedAt": "2026-12-01T09:00:00.000Z",
}

VERSION: dict[str, Any] = {
    "id": "cm5x8e3rq0003",
    "version": 3,
    "labels": ["latest", "current"],
    "source": "code",
    "model": "gpt-4o-mini",
    "textContent": "Hello {{name}}, thanks for writing in about {{topic}}.",
    "commitMessage": None,
    "contentHash": "9f86d081884c7d65",
    "createdAt": "2026-12-01T09:00:00.000Z",
}

RESOLVED: dict[str, Any] = {
    "data": {
        "promptId": "prompt_cm5x8e3rq0002",
        "slug": "support-reply",
        "version": 3,
        "labels": ["latest", "current"],
        "template": "Hello {{name}}, thanks for writing in about {{topic}}.",
        "text": "Hello Ada, thanks for writing in about billing.",
        "model": "gpt-4o-mini",
        "config": {"temperature": 0.2},
    }
}

OK: dict[str, Any] = {"ok": True}

OPERATIONS = [
    Op("GET", "/api/v1/prompts", lambda c: c.prompts.list(), {"data": [PROMPT]}),
    Op(
        "POST",
        "/api/v1/prompts/{slug}",
        lambda c: c.prompts.resolve("support-reply", {"name": "Ada"}),
        RESOLVED,
    ),
    Op(
        "GET",
        "/api/v1/prompts/{slug}/versions",
        lambda c: c.prompts.versions("support-reply"),
        {"data": [VERSION]},
    ),
    Op(
        "POST",
        "/api/v1/prompts/{slug}/promote",
        lambda c: c.prompts.promote("support-reply", 3),
        OK,
    ),
    Op(
        "POST",
        "/api/v1/prompts/{slug}/override",
        lambda c: c.prompts.create_override("support-reply", text_content="Hi {{name}}"),
        {"ok": True, "version": 4},
    ),
    Op(
        "PUT",
        "/api/v1/prompts/{slug}/override",
        lambda c: c.prompts.update_override("support-reply", model="gpt-4o"),
        OK,
    ),
    Op(
        "DELETE",
        "/api/v1/prompts/{slug}/override",
        lambda c: c.prompts.remove_override("support-reply"),
        OK,
    ),
    Op(
        "POST",
        "/api/v1/prompts/{slug}/override/reactivate",
        lambda c: c.prompts.reactivate_override("support-reply", 4),
        OK,
    ),
]
