"""Adapters giving the scenarios a target's keys and project ref.

- The real server: the output of ``bash ../shared/realserver/start.sh keys`` (lines
  ``<project name>|<project ref>|<env slug>|<key>`` and ``PAT: tr_pat_…``) and a project name.
- An emulator: its ``/_emulator/health`` JSON (a file, or fetched from its URL), or an
  in-process `trigger.emulator.Emulator`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import httpx

from tests.parity.framework import Target

if TYPE_CHECKING:
    from trigger.emulator import Emulator

__all__ = ["from_emulator", "from_health", "from_keys_text", "load_target"]

_SLUGS = ("dev", "stg", "prod", "preview")


def from_keys_text(text: str, url: str, project: str = "hello-world") -> Target:
    """A real-server target from ``start.sh keys`` output (the named project's keys)."""
    keys: dict[str, str] = {}
    refs: set[str] = set()
    pat = ""
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("PAT:"):
            pat = line.split(":", 1)[1].strip()
            continue
        parts = line.split("|")
        if len(parts) == 4 and parts[0] == project and parts[2] in _SLUGS:
            refs.add(parts[1])
            keys[parts[2]] = parts[3]
    if len(refs) != 1 or set(keys) != set(_SLUGS):
        raise ValueError(
            f"the keys text does not name exactly one project {project!r} with four keys"
        )
    if not pat:
        raise ValueError("the keys text has no 'PAT:' line")
    return Target(name="real", url=url, keys=keys, pat=pat, project_ref=refs.pop())


def from_health(health: dict[str, Any], url: str | None = None, name: str = "emulator") -> Target:
    """A target from an emulator's ``/_emulator/health`` answer."""
    return Target(
        name=name,
        url=url or str(health["url"]),
        keys=dict(health["keys"]),
        pat=str(health["personalAccessToken"]),
        project_ref=str(health["projectRef"]),
        timeout=15.0,
    )


def from_emulator(emulator: Emulator) -> Target:
    """A target for an in-process emulator."""
    return Target(
        name="emulator",
        url=emulator.url,
        keys=emulator.keys,
        pat=emulator.personal_access_token,
        project_ref=emulator.project_ref,
        timeout=15.0,
    )


def load_target(
    url: str, keys_from: str, project: str = "hello-world", name: str | None = None
) -> Target:
    """A target from ``--keys-from``: a ``start.sh keys`` file, ``-`` (stdin), a health JSON
    file, or ``emulator`` (ask ``<url>/_emulator/health``)."""
    if keys_from == "emulator":
        health = httpx.get(url.rstrip("/") + "/_emulator/health", timeout=10).json()
        return from_health(health, url, name or "emulator")
    if keys_from == "-":
        import sys

        text = sys.stdin.read()
    else:
        with open(keys_from, encoding="utf-8") as handle:
            text = handle.read()
    if text.lstrip().startswith("{"):
        return from_health(json.loads(text), url, name or "emulator")
    target = from_keys_text(text, url, project)
    if name is not None:
        target = Target(
            name=name, url=url, keys=target.keys, pat=target.pat, project_ref=target.project_ref
        )
    return target
