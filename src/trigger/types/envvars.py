"""Models of a project environment's variables."""

from __future__ import annotations

from typing import Literal, TypedDict

from trigger._models import Model

__all__ = ["EnvVar", "EnvVarSource", "EnvVarSuccess", "IntegrationSource", "UserSource"]


class EnvVar(Model, kw_only=True):
    """One environment variable.

    Its ``repr`` never shows the value, so logging a variable cannot leak a secret.
    """

    name: str = ""
    """The variable's name, e.g. ``SLACK_API_KEY``."""
    value: str
    """The value (the server redacts the values of secret variables)."""
    is_secret: bool = False
    """Whether the value is secret (write-only: it is never sent back in clear)."""

    def __repr__(self) -> str:
        return f"EnvVar(name={self.name!r}, value='***', is_secret={self.is_secret!r})"


class EnvVarSuccess(Model, kw_only=True):
    """The answer to a write (create, update, delete, upload)."""

    success: bool = True
    """Whether the server applied the change (it answers with an error status otherwise)."""


class UserSource(TypedDict):
    """Variables imported by a user: sent as ``{"type": "user", "userId": ...}``."""

    type: Literal["user"]
    """Always ``"user"``."""
    user_id: str
    """The id of the user who imports the variables."""


class IntegrationSource(TypedDict):
    """Variables imported by an integration: ``{"type": "integration", "integration": ...}``."""

    type: Literal["integration"]
    """Always ``"integration"``."""
    integration: str
    """The name of the integration that imports the variables."""


EnvVarSource = UserSource | IntegrationSource
"""Who an import comes from, as the server records it (a user or an integration)."""
