"""Models of named concurrency limits: their bounds, overrides, counts and pause state.

A named limit is declared in task code (``concurrencyLimit({name, perKey, total})`` in the
TypeScript SDK) and may be shared by several tasks; a task's inline limit appears under the
derived name ``task/<taskId>``.
"""

from __future__ import annotations

from datetime import datetime

from trigger._models import Model

__all__ = [
    "ConcurrencyLimitBound",
    "ConcurrencyLimitItem",
    "ConcurrencyLimitKeyBound",
    "ConcurrencyLimitKeyItem",
]


class ConcurrencyLimitBound(Model, kw_only=True):
    """One bound of a limit (``per_key`` or ``total``): in force, declared, overridden.

    A paused limit keeps its bounds: pausing shows in ``paused``, never as a ``current`` of 0.
    """

    current: int | None = None
    """The cap in force now (the stored value clamped to the environment's limit);
    ``None`` when the limit has no such bound."""
    base: int | None = None
    """The value declared in code."""
    override: int | None = None
    """The value set through the API or dashboard, when one is set."""
    overridden_at: datetime | None = None
    """When the override was set."""


class ConcurrencyLimitItem(Model, kw_only=True):
    """A named concurrency limit, as ``concurrency_limits`` list, retrieve and change it."""

    id: str
    """Limit id, ``climit_…``."""
    name: str
    """The name declared in code, or ``task/<taskId>`` for a task's inline limit."""
    per_key: ConcurrencyLimitBound
    """Caps each concurrency-key pool (runs without a key share one pool)."""
    total: ConcurrencyLimitBound
    """Caps every run holding this limit, whatever its key."""
    running: int = 0
    """Runs holding this limit that are executing now."""
    queued: int = 0
    """Queued runs that must clear this limit before they start."""
    paused: bool = False
    """Whether the limit is paused: no run holding it starts until it is resumed (runs
    already executing carry on). Servers that predate pausing omit it (``False``)."""


class ConcurrencyLimitKeyBound(Model, kw_only=True):
    """The per-key bound of a limit for one concurrency key."""

    current: int | None = None
    """The cap in force for this key now (the override while it lasts, else the base)."""
    base: int | None = None
    """The limit's own ``per_key`` bound, as enforced."""
    override: int | None = None
    """This key's temporary cap, when one is set (``0`` blocks the key)."""
    expires_at: datetime | None = None
    """When this key's override lapses; ``None`` when there is none."""


class ConcurrencyLimitKeyItem(Model, kw_only=True):
    """One concurrency key's view of a named limit (``concurrency_key=`` calls)."""

    name: str
    """The limit's name."""
    concurrency_key: str
    """The concurrency key."""
    per_key: ConcurrencyLimitKeyBound
    """This key's bound: base, override and the cap in force."""
    running: int = 0
    """Runs with this key holding this limit that are executing now."""
    paused: bool = False
    """Whether the limit is paused (a paused limit admits no runs, override or not)."""
