"""Scenarios of raw HTTP requests, run against any target and recorded in one format.

A `Scenario` is a list of steps. A step is either a declarative `Req` (one request, with
what to remember from its answer) or a Python function taking the `Ctx`, which may make
requests through `Ctx.request` / `Ctx.poll` and decide what to send from earlier answers.
Every request made through the context is recorded: its method, path *template*, query,
the credential kind it used and its body, and the answer's status, the headers that matter
and its body, all normalized (`tests.parity.normalize`).

The same scenario runs against the real server (``scripts/parity.py record``) and against the
emulator (``tests/parity/test_parity.py``); the two recordings must be equal.

Requests go out with what the official client always sends (``x-trigger-api-version:
2025-07-16``, ``content-type: application/json`` with a JSON body) unless a step says
otherwise, and never through the SDK: the recording is about the server.
"""

from __future__ import annotations

import dataclasses
import json
import secrets
import string
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeAlias

import httpx

from tests.parity.normalize import Normalizer

__all__ = [
    "API_VERSION",
    "Ctx",
    "Req",
    "Scenario",
    "Step",
    "Target",
    "dig",
    "new_unique",
    "run_scenario",
]

API_VERSION = "2025-07-16"
_UNSET: Any = object()
_BAD_KEY = "tr_dev_parityNotARealKey0000000"
_MAX_429_WAITS = 6


@dataclasses.dataclass(frozen=True)
class Target:
    """Where scenarios go, and the project they may use there.

    ``keys`` holds the root secret key of each environment: ``dev``, ``stg``, ``prod``,
    ``preview``. ``name`` is ``real`` for the real server (some waits are longer there).
    """

    name: str
    url: str
    keys: Mapping[str, str] = dataclasses.field(repr=False)
    pat: str = dataclasses.field(repr=False)
    project_ref: str
    timeout: float = 60.0
    """Bound of every wait (seconds)."""

    @property
    def is_real(self) -> bool:
        """Whether this is the real server (its run list lags, its runs take a second)."""
        return self.name == "real"

    def credential(self, auth: str | None) -> str | None:
        """The ``Authorization`` value for a credential kind (``None``: no header).

        Kinds: ``dev``, ``stg``, ``prod``, ``preview`` (root keys), ``pat``, ``bad``
        (a well-formed dev key no server issued), ``none``, ``raw:<value>`` (sent as is),
        ``bearer:<value>``.
        """
        if auth is None or auth == "none":
            return None
        if auth.startswith("raw:"):
            return auth[4:]
        if auth.startswith("bearer:"):
            return f"Bearer {auth[7:]}"
        if auth == "pat":
            return f"Bearer {self.pat}"
        if auth == "bad":
            return f"Bearer {_BAD_KEY}"
        return f"Bearer {self.keys[auth]}"


def new_unique() -> str:
    """A fresh token to make names unique per recording run (``u`` + 7 lower-case chars)."""
    alphabet = string.ascii_lowercase + string.digits
    return "u" + "".join(secrets.choice(alphabet) for _ in range(7))


def dig(value: Any, path: str) -> Any:
    """``value`` at a dotted path (``data.0.id``); ``None`` when absent."""
    current = value
    for part in path.split("."):
        if isinstance(current, list):
            try:
                current = current[int(part)]
            except (ValueError, IndexError):
                return None
        elif isinstance(current, dict):
            current = current.get(part)
        else:
            return None
    return current


Body: TypeAlias = "Any | Callable[[Ctx], Any]"


@dataclasses.dataclass(frozen=True)
class Req:
    """One declarative request.

    ``path`` and string ``params`` values are templates filled from the context's variables
    (``{run}``, ``{u}``, ``{project_ref}``); the recording keeps the template. ``json`` and
    ``content`` may be functions of the context. ``save`` remembers values of the answer's
    JSON body by dotted path (``{"run": "id"}``); ``save_headers`` remembers headers.
    ``until`` polls (bounded) until it holds for the JSON body; only the last answer is
    recorded. ``view`` replaces the recorded body by a part of it (e.g. the items this
    scenario created, on a server that other users share).
    """

    method: str
    path: str
    auth: str | None = "dev"
    json: Body = _UNSET
    content: bytes | str | Callable[[Ctx], bytes | str] | None = None
    params: Mapping[str, str] | None = None
    headers: Mapping[str, str] | None = None
    version_header: bool = True
    save: Mapping[str, str] | None = None
    save_headers: Mapping[str, str] | None = None
    until: Callable[[Any], bool] | None = None
    view: Callable[[Ctx, Any], Any] | None = None
    name: str | None = None
    note: str | None = None

    def __call__(self, ctx: Ctx) -> None:
        """Send it through ``ctx``."""
        kwargs: dict[str, Any] = {
            "auth": self.auth,
            "params": self.params,
            "headers": self.headers,
            "version_header": self.version_header,
            "view": self.view,
            "name": self.name,
            "note": self.note,
        }
        if self.json is not _UNSET:
            kwargs["json"] = self.json(ctx) if callable(self.json) else self.json
        if self.content is not None:
            kwargs["content"] = self.content(ctx) if callable(self.content) else self.content
        if self.until is not None:
            response = ctx.poll(self.method, self.path, self.until, **kwargs)
        else:
            response = ctx.request(self.method, self.path, **kwargs)
        body = _json_or_none(response)
        for var, where in (self.save or {}).items():
            ctx.vars[var] = dig(body, where)
        for var, header in (self.save_headers or {}).items():
            ctx.vars[var] = response.headers.get(header)


Step: TypeAlias = "Req | Callable[[Ctx], None]"


@dataclasses.dataclass(frozen=True)
class Scenario:
    """A named sequence of steps covering one part of one endpoint group."""

    name: str
    group: str
    doc: str
    steps: Sequence[Step]
    notes: Sequence[str] = ()
    """Facts about the recording a reader needs (what the real server cannot do here)."""


def _shorten(value: Any) -> Any:
    """A request body as the recording keeps it: huge strings and lists summarized."""
    if isinstance(value, str) and len(value) > 300:
        return f"<{len(value)} characters: {value[:20]}...>"
    if isinstance(value, list):
        items = [_shorten(item) for item in value[:20]]
        return items if len(value) <= 20 else [*items, f"<{len(value) - 20} more items>"]
    if isinstance(value, dict):
        return {key: _shorten(item) for key, item in value.items()}
    return value


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


class Ctx:
    """What a step sees: the target, the HTTP client, variables and the recording so far."""

    def __init__(self, target: Target, client: httpx.Client, unique: str) -> None:
        self.target = target
        self.client = client
        self.u = unique
        self.vars: dict[str, Any] = {
            "u": unique,
            "U": unique.upper(),
            "project_ref": target.project_ref,
        }
        self.steps: list[dict[str, Any]] = []
        self.notes: list[str] = []
        self.normalizer = Normalizer(
            secrets=[*target.keys.values(), target.pat],
            unique=unique,
            literals={target.project_ref: "<project_ref>"},
        )

    # -- helpers for scenarios ------------------------------------------------------------

    def name(self, label: str) -> str:
        """A name unique to this recording run (``<label>-<u>``)."""
        return f"{label}-{self.u}"

    def note(self, text: str) -> None:
        """Add a note to the recording (say what the real server cannot do here)."""
        if text not in self.notes:
            self.notes.append(text)

    def fill(self, template: str) -> str:
        """``template`` with ``{var}`` replaced from the variables."""
        return template.format_map(self.vars)

    # -- requests -------------------------------------------------------------------------

    def _send(
        self,
        method: str,
        path: str,
        *,
        auth: str | None,
        json_body: Any,
        content: bytes | str | None,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
        version_header: bool,
    ) -> httpx.Response:
        out: dict[str, str] = {}
        if version_header:
            out["x-trigger-api-version"] = API_VERSION
        credential = self.target.credential(self.fill(auth) if auth else auth)
        if credential is not None:
            out["authorization"] = credential
        data: bytes | str | None = content
        if json_body is not _UNSET:
            out["content-type"] = "application/json"
            data = json.dumps(json_body, separators=(",", ":"))
        for key, value in (headers or {}).items():
            out[key.lower()] = self.fill(value)
        filled = {k: self.fill(v) for k, v in (params or {}).items()}
        url = self.fill(path)
        for _ in range(_MAX_429_WAITS):
            response = self.client.request(
                method, url, params=filled or None, headers=out, content=data
            )
            if response.status_code != 429 or not self._is_global_limit(response):
                return response
            # The real server is shared: wait out its global bucket rather than record a 429.
            time.sleep(min(10.0, float(response.json().get("secondsUntilReset", 5)) + 0.5))
        return response

    @staticmethod
    def _is_global_limit(response: httpx.Response) -> bool:
        content_type: str = response.headers.get("content-type", "")
        return content_type.startswith("application/problem+json")

    def request(
        self,
        method: str,
        path: str,
        *,
        auth: str | None = "dev",
        json: Any = _UNSET,
        content: bytes | str | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        version_header: bool = True,
        view: Callable[[Ctx, Any], Any] | None = None,
        name: str | None = None,
        note: str | None = None,
        record: bool = True,
    ) -> httpx.Response:
        """Send one request and record it (unless ``record`` is false)."""
        response = self._send(
            method,
            path,
            auth=auth,
            json_body=json,
            content=content,
            params=params,
            headers=headers,
            version_header=version_header,
        )
        if record:
            self._record(
                method, path, auth, json, content, params, headers, response, view, name, note
            )
        return response

    def poll(
        self,
        method: str,
        path: str,
        until: Callable[[Any], bool],
        *,
        interval: float = 0.25,
        **kwargs: Any,
    ) -> httpx.Response:
        """Repeat a request until ``until(body)`` holds (bounded); record only the last answer."""
        record = kwargs.pop("record", True)
        view = kwargs.pop("view", None)
        name = kwargs.pop("name", None)
        note = kwargs.pop("note", None)
        deadline = time.monotonic() + self.target.timeout
        while True:
            response = self.request(method, path, record=False, **kwargs)
            body = _json_or_none(response)
            done = False
            try:
                done = bool(until(body))
            except (KeyError, TypeError, IndexError):
                done = False
            if done or time.monotonic() >= deadline:
                break
            time.sleep(interval)
        if not done:
            self.note(f"{method} {path}: the awaited condition did not hold in time")
        if record:
            self._record(
                method,
                path,
                kwargs.get("auth", "dev"),
                kwargs.get("json", _UNSET),
                kwargs.get("content"),
                kwargs.get("params"),
                kwargs.get("headers"),
                response,
                view,
                name,
                note,
            )
        return response

    def wait(self, method: str, path: str, until: Callable[[Any], bool], **kwargs: Any) -> Any:
        """`poll` without recording; the last JSON body."""
        return _json_or_none(self.poll(method, path, until, record=False, **kwargs))

    # -- recording ------------------------------------------------------------------------

    def _record(
        self,
        method: str,
        path: str,
        auth: str | None,
        json_body: Any,
        content: bytes | str | None,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
        response: httpx.Response,
        view: Callable[[Ctx, Any], Any] | None,
        name: str | None,
        note: str | None,
    ) -> None:
        n = self.normalizer
        request: dict[str, Any] = {
            "method": method,
            "path": n.text(path),
            "auth": n.text(auth or "none"),
        }
        if params:
            request["query"] = n.value({k: self.fill(v) for k, v in params.items()})
        if headers:
            request["headers"] = n.value({k.lower(): self.fill(v) for k, v in headers.items()})
        if json_body is not _UNSET:
            request["json"] = n.value(_shorten(json_body))
        elif content is not None:
            text = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
            request["content"] = n.text(text[:2000])
        step: dict[str, Any] = {}
        if name:
            step["name"] = name
        step["request"] = request
        step["status"] = response.status_code
        step["headers"] = self._headers(response)
        kind, body = self._body(response)
        is_json = kind.startswith("json")
        if view is not None and kind != "empty":
            body = view(self, body)
            step["view"] = True
        step["format"] = kind
        step["body"] = n.value(body) if is_json or not isinstance(body, str) else n.text(body)
        if note:
            step["note"] = note
        self.steps.append(step)

    def _headers(self, response: httpx.Response) -> dict[str, Any]:
        h = response.headers
        out: dict[str, Any] = {}
        if "content-type" in h:
            out["content-type"] = h["content-type"]
        for name in ("x-should-retry", "allow"):
            if name in h:
                out[name] = h[name]
        out["x-trigger-jwt"] = "x-trigger-jwt" in h
        if "x-trigger-jwt-claims" in h:
            out["x-trigger-jwt-claims"] = self.normalizer.json_text(h["x-trigger-jwt-claims"])
        names = [k.lower() for k in h]
        out["ratelimit"] = any(k.startswith("x-ratelimit-") for k in names)
        out["electric"] = any(k.startswith("electric-") for k in names)
        return out

    @staticmethod
    def _body(response: httpx.Response) -> tuple[str, Any]:
        text = response.text
        if text == "":
            return "empty", ""
        try:
            parsed = json.loads(text)
        except ValueError:
            return "text", text
        return ("json-pretty" if text.startswith(("{\n", "[\n")) else "json"), parsed

    def recording(self, scenario: Scenario) -> dict[str, Any]:
        """The scenario's recording so far."""
        return {
            "scenario": scenario.name,
            "group": scenario.group,
            "doc": scenario.doc,
            "notes": [*scenario.notes, *self.notes],
            "steps": self.steps,
        }


def run_scenario(
    scenario: Scenario, target: Target, *, unique: str | None = None
) -> dict[str, Any]:
    """Run every step of ``scenario`` against ``target``; its normalized recording.

    A step that raises ends the scenario; the recording then carries the error as its
    last note (so a comparison fails and shows where).
    """
    with httpx.Client(base_url=target.url, timeout=60.0) as client:
        ctx = Ctx(target, client, unique or new_unique())
        try:
            for step in scenario.steps:
                step(ctx)
        except Exception as error:  # the recording shows where the scenario broke
            message = ctx.normalizer.text(f"{type(error).__name__}: {error}")
            ctx.notes.append(f"scenario stopped: {message}")
        return ctx.recording(scenario)
