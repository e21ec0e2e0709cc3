"""The emulated project: its ref, its environments, their keys, and a personal access token.

One project with four environments (``dev``, ``stg``, ``prod``, ``preview``); preview and dev
branches are child environments addressed with the parent's key and ``x-trigger-branch``.
Keys are printed at start; with a database file they are stored, so they survive restarts.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from trigger.emulator.ids import IdGenerator

__all__ = ["ENV_SLUGS", "ENV_TYPES", "Environment", "Project"]

ENV_SLUGS = ("dev", "stg", "prod", "preview")
"""Internal environment slugs, as in key prefixes and run ``env.name``."""

ENV_TYPES = {"dev": "DEVELOPMENT", "stg": "STAGING", "prod": "PRODUCTION", "preview": "PREVIEW"}

DEV_USER_NAME = "Emulator"
"""The display name of the developer who owns the dev environment."""


@dataclasses.dataclass(frozen=True)
class Environment:
    """One runtime environment of the project."""

    id: str
    """Internal id (the ``sub`` of its public access tokens)."""
    slug: str
    type: str
    api_key: str = dataclasses.field(repr=False)
    """The root secret key that signs this environment's tokens (a branch: its parent's)."""
    branch: str | None = None
    parent_id: str | None = None

    @property
    def user_name(self) -> str | None:
        """The owner's display name for dev environments, else ``None``."""
        return DEV_USER_NAME if self.slug == "dev" else None


class Project:
    """The project, its environments and keys.

    Args:
        ids: Where new ids and keys come from.
        project_ref: The project ref (default: a generated ``proj_…``).
        saved: What a previous run stored (`to_json`), to keep its ids and keys.
        branches: Preview branches that exist from the start.
    """

    def __init__(
        self,
        ids: IdGenerator,
        *,
        project_ref: str | None = None,
        saved: Mapping[str, Any] | None = None,
        branches: tuple[str, ...] = ("main",),
    ) -> None:
        self._ids = ids
        self._lock = threading.Lock()
        if saved:
            self.ref: str = str(saved["ref"])
            self.id: str = str(saved["id"])
            self._pat: str = str(saved["pat"])
            self.envs: dict[str, Environment] = {
                slug: Environment(
                    id=data["id"], slug=slug, type=ENV_TYPES[slug], api_key=data["key"]
                )
                for slug, data in saved["envs"].items()
            }
            self._branches: dict[tuple[str, str], Environment] = {}
            for item in saved.get("branches", []):
                parent = self.envs[item["slug"]]
                self._branches[(parent.slug, item["branch"])] = Environment(
                    id=item["id"],
                    slug=parent.slug,
                    type=parent.type,
                    api_key=parent.api_key,
                    branch=item["branch"],
                    parent_id=parent.id,
                )
        else:
            self.ref = project_ref or ids.project_ref()
            self.id = ids.cuid()
            self._pat = ids.personal_access_token()
            self.envs = {
                slug: Environment(
                    id=ids.cuid(), slug=slug, type=ENV_TYPES[slug], api_key=ids.secret_key(slug)
                )
                for slug in ENV_SLUGS
            }
            self._branches = {}
            for branch in branches:
                self._create_branch(self.envs["preview"], branch)
        self._by_id = {env.id: env for env in self._all()}
        self._seen_keys: dict[str, set[str]] = {}
        self.on_change: Callable[[], None] | None = None
        """Called after a branch environment is created (to store the project again)."""

    def _all(self) -> Iterator[Environment]:
        yield from self.envs.values()
        yield from self._branches.values()

    def _create_branch(self, parent: Environment, branch: str) -> Environment:
        env = Environment(
            id=self._ids.cuid(),
            slug=parent.slug,
            type=parent.type,
            api_key=parent.api_key,
            branch=branch,
            parent_id=parent.id,
        )
        self._branches[(parent.slug, branch)] = env
        if hasattr(self, "_by_id"):
            self._by_id[env.id] = env
        return env

    @property
    def personal_access_token(self) -> str:
        """The printed personal access token (``tr_pat_…``)."""
        return self._pat

    def keys(self) -> dict[str, str]:
        """The root secret key of each environment, by slug."""
        return {slug: env.api_key for slug, env in self.envs.items()}

    def branches(self) -> list[Environment]:
        """The branch environments that exist."""
        with self._lock:
            return list(self._branches.values())

    def env_by_id(self, env_id: str) -> Environment | None:
        """The environment with this internal id."""
        with self._lock:
            return self._by_id.get(env_id)

    def branch(self, parent: Environment, name: str, *, create: bool) -> Environment | None:
        """The branch ``name`` of ``parent``, created on first use when ``create``."""
        created = False
        with self._lock:
            env = self._branches.get((parent.slug, name))
            if env is None and create:
                env = self._create_branch(parent, name)
                created = True
        if created and self.on_change is not None:
            self.on_change()
        return env

    def remember_key(self, env: Environment, key: str) -> None:
        """Note a key accepted for ``env``, so tokens it signed verify too."""
        if key == env.api_key:
            return
        with self._lock:
            self._seen_keys.setdefault(env.id, set()).add(key)

    def signing_keys(self, env: Environment) -> list[str]:
        """Keys that may have signed a token of ``env``: its root key, then keys seen."""
        root = env.parent_id or env.id
        with self._lock:
            extra = self._seen_keys.get(root, set()) | self._seen_keys.get(env.id, set())
        return [env.api_key, *sorted(extra)]

    def to_json(self) -> dict[str, Any]:
        """What to store so a restart keeps the same ids and keys."""
        with self._lock:
            branches = [
                {"slug": env.slug, "branch": env.branch, "id": env.id}
                for env in self._branches.values()
            ]
        return {
            "ref": self.ref,
            "id": self.id,
            "pat": self._pat,
            "envs": {slug: {"id": env.id, "key": env.api_key} for slug, env in self.envs.items()},
            "branches": branches,
        }
