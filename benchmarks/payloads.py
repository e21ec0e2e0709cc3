"""Canned response bodies for the benchmark server, built from ``tests/fixtures.py``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.fixtures import LISTED_RUN, RETRIEVED_RUN  # noqa: E402

PAGES = 200
"""How many 100-run pages the pagination walk has."""


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def retrieved_run() -> bytes:
    """A ``GET /api/v3/runs/{id}`` body of about 2 KB."""
    return _dumps(RETRIEVED_RUN)


def listed_run(i: int) -> dict[str, Any]:
    """One run of a list page, padded to about 1.8 KB with realistic fields."""
    return {
        **LISTED_RUN,
        "id": f"run_cm{i:022d}",
        "idempotencyKey": f"{i:064x}",
        "tags": ["user_123", "org_4567", "plan_pro", "region_eu", f"batch_{i % 97:04d}"],
        "ttl": "10m",
        "delayedUntil": None,
        "expiredAt": None,
        "batchId": None,
        "metadata": {
            "progress": 1,
            "customer": {"id": f"cus_{i:010d}", "plan": "pro", "email": "a@example.com"},
            "steps": [
                {"name": name, "ok": True, "ms": 12 + i % 50}
                for name in ("fetch", "render", "send", "audit", "notify")
            ],
            "notes": "Weekly digest sent to every active subscriber of the workspace. " * 11,
        },
    }


def runs_page(count: int, next_cursor: str | None) -> bytes:
    """A ``GET /api/v1/runs`` body with ``count`` runs and the given next cursor."""
    pagination = {"next": next_cursor} if next_cursor else {}
    return _dumps({"data": [listed_run(i) for i in range(count)], "pagination": pagination})


BATCH_CREATED = _dumps({"id": "batch_1", "runCount": 10000, "isCached": False})
BATCH_SEALED = _dumps(
    {"id": "batch_1", "itemsAccepted": 10000, "itemsDeduplicated": 0, "sealed": True}
)
