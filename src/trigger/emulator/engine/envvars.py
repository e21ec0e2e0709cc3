"""Environment-variable rules of the server's repository, as pure functions (SERVER.md §2.6).

``TRIGGER_SECRET_KEY`` and ``TRIGGER_API_URL`` are dropped, blank names and values are
dropped, and without ``override`` a name already set in the environment refuses the whole
write. Secret values are shown as ``<redacted>``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import msgspec

__all__ = [
    "BLOCKED",
    "REDACTED",
    "EnvVarError",
    "EnvVarValue",
    "env_title",
    "merged",
    "plan_create",
]

BLOCKED = frozenset({"TRIGGER_SECRET_KEY", "TRIGGER_API_URL"})
REDACTED = "<redacted>"

_TITLES = {
    "PRODUCTION": "Production",
    "STAGING": "Staging",
    "DEVELOPMENT": "Development",
    "PREVIEW": "Preview",
}


class EnvVarValue(msgspec.Struct, frozen=True, kw_only=True):
    """One variable's value in one environment."""

    env_id: str
    name: str
    value: str
    is_secret: bool = False
    write_seq: int = 0
    """When it was last written (lists follow write order, like the server's table scan)."""


class EnvVarError(ValueError):
    """A refused write: 400 ``{"error": message, "variableErrors"?: [...]}``."""

    def __init__(self, message: str, variable_errors: list[dict[str, str]] | None = None):
        super().__init__(message)
        self.variable_errors = variable_errors


def env_title(env_type: str) -> str:
    """The environment's title in messages (``Development``, ``Production`` ...)."""
    return _TITLES.get(env_type, env_type)


def plan_create(
    variables: Sequence[tuple[str, str]],
    existing: Mapping[str, EnvVarValue],
    *,
    override: bool,
    env_type: str,
) -> list[tuple[str, str]]:
    """The ``(name, value)`` pairs a create/import writes, after the server's rules.

    Args:
        variables: What was sent, in order.
        existing: The values already set in the target environment, by name.
        override: Whether existing values may be replaced.
        env_type: The target environment's type (for the refusal text).

    Raises:
        EnvVarError: Nothing valid is left, or a name is already set without ``override``.
    """
    kept = [(name, value) for name, value in variables if name not in BLOCKED]
    removed_blocked = len(kept) != len(variables)
    kept = [(name, value) for name, value in kept if name.strip() and value.strip()]
    if not kept:
        suffix = " All the variables submitted are not allowed." if removed_blocked else ""
        raise EnvVarError(f"You must set at least one valid variable.{suffix}")
    if not override:
        clashes = [name for name, _ in kept if name in existing]
        if clashes:
            raise EnvVarError(
                "Some of the variables are already set for these environments. "
                "Set override to true to override them.",
                [
                    {"key": name, "error": f"Variable already set in {env_title(env_type)}."}
                    for name in clashes
                ],
            )
    return kept


def merged(own: Sequence[EnvVarValue], parent: Sequence[EnvVarValue]) -> list[EnvVarValue]:
    """A branch environment's view: the parent's values, its own winning, in write order."""
    names = {value.name for value in own}
    combined = [value for value in parent if value.name not in names] + list(own)
    return sorted(combined, key=lambda value: value.write_seq)
