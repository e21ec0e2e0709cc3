"""The control plane of fault injection (not part of the Trigger.dev API).

- ``GET /_emulator/faults``: ``{seed, rules, rateLimit}``, each rule with its counts;
- ``POST /_emulator/faults``: add one rule, given as fields (``{"operation":
  "tasks.trigger", "status": 503, "times": 2}``) or in the compact syntax (``{"spec":
  "POST /api/v1/tasks/*/trigger status=503 times=2"}``); 201 with the rule;
- ``PUT /_emulator/faults``: ``{"rules": [...]}`` replaces every rule (objects or compact
  strings), ``{"seed": n}`` restarts every rule's counts and sequence from that seed;
- ``DELETE /_emulator/faults``: remove every rule;
- ``GET``/``DELETE /_emulator/faults/{id}``: one rule;
- ``GET``/``PUT``/``DELETE /_emulator/rate-limit``: the real rate limiter's settings
  (``PUT {}`` turns it on with the server's own, ``DELETE`` turns it off).

Bad input answers 400 ``{"error": ...}`` naming what is wrong; nothing changes then.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from trigger.emulator.faults import Fault, RateLimit, parse_fault
from trigger.emulator.routes._http import emulator_state, endpoint, fail, json_response, loads

__all__ = ["routes"]


async def _object(request: Request) -> dict[str, Any]:
    text = (await request.body()).decode("utf-8", "replace").strip()
    try:
        body = loads(text or "{}")
    except ValueError:
        fail(400, "The body is not valid JSON")
    if not isinstance(body, dict):
        fail(400, "The body must be a JSON object")
    return body


def _fault(value: Any, where: str) -> Fault:
    try:
        if isinstance(value, str):
            return parse_fault(value)
        if isinstance(value, dict):
            if "spec" in value:
                if len(value) > 1:
                    raise ValueError("give spec alone, or the fields without spec")
                spec = value["spec"]
                if not isinstance(spec, str):
                    raise ValueError("spec must be a string")
                return parse_fault(spec)
            return Fault.from_dict(value)
        raise ValueError("a rule must be an object of fields or a compact string")
    except (TypeError, ValueError) as error:
        fail(400, f"{where}: {error}")


@endpoint
async def faults(request: Request) -> Response:
    """The rules: list, add, replace, clear."""
    registry = emulator_state(request).faults
    if request.method == "GET":
        return json_response(registry.to_dict())
    if request.method == "DELETE":
        registry.clear()
        return json_response({"ok": True})
    body = await _object(request)
    if request.method == "POST":
        rule = registry.add(_fault(body, "rule"))
        return json_response(rule.to_dict(), 201)
    unknown = sorted(set(body) - {"rules", "seed"})
    if unknown:
        fail(400, f"unknown field {unknown[0]!r}; PUT takes rules and seed")
    seed = body.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        fail(400, "seed must be an integer")
    rules = body.get("rules")
    if rules is not None and not isinstance(rules, list):
        fail(400, "rules must be a list")
    parsed = [_fault(rule, f"rules[{n}]") for n, rule in enumerate(rules or [])]
    if rules is not None:
        registry.clear()
        for fault in parsed:
            registry.add(fault)
    registry.restart(seed)
    return json_response(registry.to_dict())


@endpoint
async def fault(request: Request) -> Response:
    """One rule: read or remove."""
    registry = emulator_state(request).faults
    rule_id = request.path_params["rule_id"]
    try:
        rule = registry.get(rule_id)
        if request.method == "DELETE":
            registry.remove(rule)
            return json_response({"ok": True})
    except KeyError:
        fail(404, f"No fault rule {rule_id}")
    return json_response(rule.to_dict())


@endpoint
async def rate_limit(request: Request) -> Response:
    """The real rate limiter: read, set, turn off."""
    registry = emulator_state(request).faults
    if request.method == "PUT":
        body = await _object(request)
        try:
            registry.rate_limit = RateLimit.from_dict(body)
        except (TypeError, ValueError) as error:
            fail(400, f"rate limit: {error}")
    elif request.method == "DELETE":
        registry.rate_limit = None
    limit = registry.rate_limit
    return json_response({"rateLimit": None if limit is None else limit.to_dict()})


routes = [
    Route("/_emulator/faults", faults, methods=["GET", "POST", "PUT", "DELETE"]),
    Route("/_emulator/faults/{rule_id}", fault, methods=["GET", "DELETE"]),
    Route("/_emulator/rate-limit", rate_limit, methods=["GET", "PUT", "DELETE"]),
]
