"""Models and options of public access tokens (``client.auth``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TypedDict

from trigger._models import Model

__all__ = [
    "ExpirationTime",
    "JWTClaims",
    "PublicToken",
    "PublicTokenPermissions",
    "PublicTokenResources",
    "RealtimeOptions",
    "TaskResources",
]

ExpirationTime = str | int | datetime | timedelta
"""When a token expires: a duration from now (``"1h"``, ``"2 days"``, a `timedelta`), or a
point in time (Unix seconds, an aware `datetime`)."""


class PublicTokenResources(TypedDict, total=False):
    """What one action (``read``, ``write`` or ``update``) is granted on.

    A list (or one id) grants those objects; ``True`` grants every object of the kind.
    """

    runs: str | Sequence[str] | bool
    """Run ids (``read:runs:run_…``), or ``True`` for all runs (``read:runs``)."""
    tasks: str | Sequence[str] | bool
    """Task ids."""
    tags: str | Sequence[str] | bool
    """Run tags."""
    batch: str | Sequence[str] | bool
    """Batch ids."""
    waitpoints: str | Sequence[str] | bool
    """Waitpoint token ids."""
    input_streams: str | Sequence[str] | bool
    """Runs whose input streams may be written (``inputStreams``)."""
    sessions: str | Sequence[str] | bool
    """Session ids."""
    queues: str | Sequence[str] | bool
    """Queue names."""
    deployments: str | Sequence[str] | bool
    """Deployment ids."""
    errors: str | Sequence[str] | bool
    """Error group ids."""
    query: str | Sequence[str] | bool
    """Query tables (``read:query:runs``), or ``True`` for every table."""
    webhooks: str | Sequence[str] | bool
    """Webhook endpoint ids."""
    prompts: str | Sequence[str] | bool
    """Prompt slugs (``update:prompts`` changes overrides)."""
    envvars: str | Sequence[str] | bool
    """Environment variables."""
    all: bool
    """Every kind of object (``read:all``)."""


class TaskResources(TypedDict):
    """The tasks a trigger or batch-trigger grant covers."""

    tasks: str | Sequence[str]
    """One task id or several."""


class PublicTokenPermissions(TypedDict, total=False):
    """Scopes as a nested mapping, flattened to ``action:resource[:id]`` strings.

    ``{"read": {"runs": ["run_1"]}, "trigger": {"tasks": "my-task"}}`` grants
    ``read:runs:run_1`` and ``trigger:tasks:my-task``.
    """

    read: PublicTokenResources
    """Read grants."""
    write: PublicTokenResources
    """Write grants."""
    trigger: TaskResources
    """Tasks the token may trigger."""
    batch_trigger: TaskResources
    """Tasks the token may batch-trigger (``batchTrigger``)."""
    update: PublicTokenResources
    """Update grants (prompts)."""


class RealtimeOptions(TypedDict, total=False):
    """Realtime subscription options carried by a token."""

    skip_columns: Sequence[str]
    """Run columns left out of realtime updates, e.g. ``["payload", "output"]``."""


class JWTClaims(Model, kw_only=True):
    """The claims the API asks locally signed public tokens to carry."""

    sub: str
    """The environment the token belongs to."""
    pub: bool = True
    """Marks the token as a public access token."""


class PublicToken(Model, kw_only=True):
    """A public access token minted by the API."""

    token: str
    """The token (a JWT)."""
