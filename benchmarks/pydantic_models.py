"""Pydantic v2 models of the same shape as ``CursorPageBody[ListedRun]``, for the decode bench."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class RunEnvironment(_Model):
    id: str
    name: str
    user: str | None = None


class ListedRun(_Model):
    id: str
    status: str
    task_identifier: str = ""
    idempotency_key: str | None = None
    version: str | None = None
    is_queued: bool = False
    is_executing: bool = False
    is_waiting: bool = False
    is_completed: bool = False
    is_success: bool = False
    is_failed: bool = False
    is_cancelled: bool = False
    is_test: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    delayed_until: datetime | None = None
    ttl: str | None = None
    expired_at: datetime | None = None
    tags: list[str] = Field(default_factory=list)
    cost_in_cents: float = 0
    base_cost_in_cents: float = 0
    duration_ms: float = 0
    metadata: dict[str, Any] | None = None
    task_kind: str | None = None
    region: str | None = None
    env: RunEnvironment | None = None
    depth: int = 0


class CursorPagination(_Model):
    next: str | None = None
    previous: str | None = None


class CursorPageBody(_Model):
    data: list[ListedRun]
    pagination: CursorPagination = Field(default_factory=CursorPagination)
