"""Environment variables: CRUD, import (with and without override), keys and PATs, errors."""

from __future__ import annotations

from typing import Any

from tests.parity.framework import Ctx, Req, Scenario

_E = "/api/v1/projects/{project_ref}/envvars"


def _ours(ctx: Ctx, body: Any) -> Any:
    if isinstance(body, list):
        return sorted(
            (v for v in body if ctx.u.upper() in str(v.get("name"))), key=lambda v: v["name"]
        )
    return body


def _name(ctx: Ctx, label: str) -> str:
    return f"{label}_{ctx.u.upper()}"


SCENARIOS = [
    Scenario(
        name="envvars_crud",
        group="envvars",
        doc="Create, list, retrieve, update, delete; secrets are redacted.",
        steps=[
            Req(
                "POST",
                _E + "/dev",
                json=lambda c: {"name": _name(c, "PLAIN"), "value": "one"},
                name="create",
            ),
            Req(
                "POST",
                _E + "/dev",
                json=lambda c: {"name": _name(c, "SECRET"), "value": "s3", "isSecret": True},
                name="create a secret",
            ),
            Req(
                "POST",
                _E + "/dev",
                json=lambda c: {"name": _name(c, "PLAIN"), "value": "two"},
                name="create again overrides",
            ),
            Req("GET", _E + "/dev", view=_ours, name="list (ours)"),
            Req("GET", _E + "/dev/PLAIN_{U}", name="retrieve"),
            Req("GET", _E + "/dev/SECRET_{U}", name="retrieve a secret"),
            Req("PUT", _E + "/dev/PLAIN_{U}", json={"value": "three"}, name="update"),
            Req("POST", _E + "/dev/PLAIN_{U}", json={"value": "four"}, name="update with POST"),
            Req("GET", _E + "/dev/PLAIN_{U}", name="updated"),
            Req("GET", _E + "/staging", auth="stg", view=_ours, name="staging slug"),
            Req("GET", _E + "/prod", auth="dev", view=_ours, name="a dev key asking for prod"),
            Req("GET", _E + "/dev", auth="pat", view=_ours, name="PAT"),
            Req("DELETE", _E + "/dev/PLAIN_{U}", name="delete"),
            Req("DELETE", _E + "/dev/SECRET_{U}", name="delete the secret"),
            Req("GET", _E + "/dev/PLAIN_{U}", name="deleted"),
            Req("DELETE", _E + "/dev/PLAIN_{U}", name="delete again"),
        ],
    ),
    Scenario(
        name="envvars_import",
        group="envvars",
        doc="Import variables: new names, a clash without override, override, blocked names.",
        steps=[
            Req(
                "POST",
                _E + "/dev/import",
                json=lambda c: {"variables": {_name(c, "A"): "1", _name(c, "B"): "2"}},
                name="import two",
            ),
            Req(
                "POST",
                _E + "/dev/import",
                json=lambda c: {"variables": {_name(c, "A"): "x"}},
                name="clash without override",
            ),
            Req(
                "POST",
                _E + "/dev/import",
                json=lambda c: {"variables": {_name(c, "A"): "x"}, "override": True},
                name="override",
            ),
            Req("GET", _E + "/dev", view=_ours, name="list (ours)"),
            Req(
                "POST",
                _E + "/dev/import",
                json={"variables": {"TRIGGER_SECRET_KEY": "x"}},
                name="only blocked names",
            ),
            Req(
                "POST",
                _E + "/dev/import",
                json={"variables": {"": "x", "EMPTY": ""}},
                name="only blank entries",
            ),
            Req("POST", _E + "/dev/import", json={"variables": ["a"]}, name="bad body"),
            Req("DELETE", _E + "/dev/A_{U}", name="clean up A"),
            Req("DELETE", _E + "/dev/B_{U}", name="clean up B"),
        ],
    ),
    Scenario(
        name="envvars_errors",
        group="envvars",
        doc="Wrong project, unknown names, bad bodies, credentials that are refused.",
        steps=[
            Req(
                "GET",
                "/api/v1/projects/proj_zzzzzzzzzzzzzzzzzzzz/envvars/dev",
                name="another project ref",
            ),
            Req("GET", _E + "/mars", view=_ours, name="unknown slug (a key's own env is used)"),
            Req("GET", _E + "/dev/NOPE_{U}", name="unknown name"),
            Req("PUT", _E + "/dev/NOPE_{U}", json={"value": "x"}, name="update unknown"),
            Req("POST", _E + "/dev", json={"name": "X"}, name="no value"),
            Req(
                "POST",
                _E + "/dev",
                content="{",
                headers={"content-type": "application/json"},
                name="invalid JSON",
            ),
            Req("GET", _E + "/dev", auth="bad", name="bad key"),
            Req(
                "GET",
                "/api/v1/projects/proj_zzzzzzzzzzzzzzzzzzzz/envvars/dev",
                auth="pat",
                name="PAT, unknown project",
            ),
            Req("GET", _E + "/dev", auth="preview", name="preview key without a branch"),
        ],
    ),
]
