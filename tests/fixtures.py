"""Realistic response bodies, written from the OpenAPI schemas and examples."""

from __future__ import annotations

from typing import Any

COMMON_RUN: dict[str, Any] = {
    "id": "run_1234",
    "status": "COMPLETED",
    "taskIdentifier": "send-email",
    "idempotencyKey": "0c5b7a6d4f1f2e3d",
    "version": "20240523.1",
    "isQueued": False,
    "isExecuting": False,
    "isWaiting": False,
    "isCompleted": True,
    "isSuccess": True,
    "isFailed": False,
    "isCancelled": False,
    "isTest": False,
    "createdAt": "2024-05-23T12:00:00.000Z",
    "updatedAt": "2024-05-23T12:00:05.000Z",
    "startedAt": "2024-05-23T12:00:01.000Z",
    "finishedAt": "2024-05-23T12:00:05.000Z",
    "tags": ["user_123"],
    "costInCents": 0.12,
    "baseCostInCents": 0.0025,
    "durationMs": 4000,
    "metadata": {"progress": 1},
    "taskKind": "STANDARD",
    "region": "us-east-1",
}

LISTED_RUN: dict[str, Any] = {
    **COMMON_RUN,
    "env": {"id": "cl1234", "name": "prod", "user": None},
    "depth": 0,
}

RETRIEVED_RUN: dict[str, Any] = {
    **COMMON_RUN,
    "depth": 1,
    "triggerFunction": "trigger",
    "batchId": None,
    "payload": {"to": "a@example.com"},
    "output": {"sent": True},
    "schedule": {
        "id": "sched_1234",
        "externalId": "user_123",
        "deduplicationKey": "dedup",
        "generator": {"type": "CRON", "expression": "0 0 * * *", "description": "Every day"},
    },
    "relatedRuns": {
        "root": {**COMMON_RUN, "id": "run_root", "depth": 0},
        "parent": {**COMMON_RUN, "id": "run_parent", "depth": 0},
        "children": [],
    },
    "attemptCount": 1,
    "attempts": [],
}
