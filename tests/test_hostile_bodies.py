"""Hostile response bodies: every model decodes or raises the validation error; a body
that decodes to far more than the size cap never takes more memory than the cap."""

from __future__ import annotations

import inspect
import json
import logging
import subprocess
import sys
from typing import Any

import httpx
import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import trigger
import trigger.types
from tests.faultserver import Fault, FaultServer, gzip_bomb, json_fault
from tests.fixtures import RETRIEVED_RUN
from trigger._models import Model, decoder
from trigger._response import APIResponse

MODELS = sorted(
    (
        obj
        for obj in vars(trigger.types).values()
        if inspect.isclass(obj) and issubclass(obj, Model) and obj is not Model
    ),
    key=lambda cls: cls.__name__,
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.sampled_from(["2024-05-23T12:00:00Z", "not-a-date", "COMPLETED", "run_1"]),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


def body_for(model: type[Model]) -> st.SearchStrategy[bytes]:
    """Bodies that use the model's own wire names, with wrong or right values, or junk."""
    names = [field.encode_name for field in msgspec.structs.fields(model)]
    shaped = st.fixed_dictionaries({}, optional=dict.fromkeys(names, json_values)).map(
        msgspec.json.encode
    )
    junk = json_values.map(msgspec.json.encode)
    raw = st.binary(max_size=64)
    return st.one_of(shaped, junk, raw)


def parse(model: type[Model], body: bytes) -> Any:
    request = httpx.Request("GET", "http://127.0.0.1:8765/x")
    response = httpx.Response(200, content=body, request=request)
    return APIResponse(response, lambda r: decoder(model).decode(r.content), 0).parse()


def test_models_are_found() -> None:
    assert len(MODELS) >= 20


@pytest.mark.parametrize("model", MODELS, ids=lambda cls: cls.__name__)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_body_decodes_or_raises_the_validation_error(
    model: type[Model], data: st.DataObject
) -> None:
    body = data.draw(body_for(model))
    outcome: object
    try:
        outcome = parse(model, body)
    except trigger.APIResponseValidationError as error:
        outcome = error
    if isinstance(outcome, trigger.APIResponseValidationError):
        assert outcome.raw_body == body
        assert outcome.status == 200
    else:
        assert isinstance(outcome, model)


def test_debug_logging_never_shows_the_key(
    caplog: pytest.LogCaptureFixture, fault_server: FaultServer
) -> None:
    secret = "tr_dev_HIDDENHIDDENHIDDEN123456"
    caplog.set_level(logging.DEBUG)  # the SDK's, httpx's and httpcore's loggers
    fault_server.script(json_fault(500, {"error": "boom"}), json_fault(401, {"error": "bad key"}))
    with trigger.Client(secret, base_url=fault_server.base_url) as client:
        with pytest.raises(trigger.AuthenticationError) as caught:
            client.runs.retrieve("run_1", request_options={"min_timeout": 0.01})
        texts = [repr(client), str(caught.value), repr(caught.value), repr(client._config)]
    assert fault_server.received[0].headers["authorization"] == f"Bearer {secret}"
    loggers = {record.name.split(".")[0] for record in caplog.records}
    assert {"trigger", "httpx", "httpcore"} <= loggers
    texts += [record.getMessage() for record in caplog.records]
    assert all("HIDDEN" not in text for text in texts)


# A child process makes the call, so that its peak RSS is the call's alone. It reports the
# peak (VmHWM, reset through /proc/self/clear_refs) minus the RSS before the call, in KiB:
# ru_maxrss would not do, as it keeps the peak of the parent's memory image from before exec.
_RSS_CHILD = """
import asyncio, json, sys
import trigger

mode, base_url, cap = sys.argv[1], sys.argv[2], int(sys.argv[3])

def kib(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])

def start():
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")
    return kib("VmRSS")

def report(before, error):
    print(json.dumps({"growth_kib": kib("VmHWM") - before, "error": error}))

options = dict(base_url=base_url, max_response_size=cap, retry=trigger.RetryOptions(max_attempts=1))
key = "tr_dev_rssrssrssrssrssrssrss"

if mode == "sync":
    with trigger.Client(key, **options) as client:
        client.runs.retrieve("warm")
        before, error = start(), None
        try:
            client.runs.retrieve("bomb")
        except trigger.APIError as exc:
            error = type(exc).__name__
        report(before, error)
else:
    async def main():
        async with trigger.AsyncClient(key, **options) as client:
            await client.runs.retrieve("warm")
            before, error = start(), None
            try:
                await client.runs.retrieve("bomb")
            except trigger.APIError as exc:
                error = type(exc).__name__
            report(before, error)

    if mode == "trio":
        import trio
        trio.run(main)
    else:
        asyncio.run(main())
"""


@pytest.mark.parametrize("mode", ["sync", "asyncio", "trio"])
def test_a_gzip_bomb_stays_within_the_cap(mode: str, fault_server: FaultServer) -> None:
    # 1 MiB on the wire, 1 GiB once decoded; the cap is 16 MiB.
    cap = 16 * 1024 * 1024
    fault_server.script(
        Fault(body=json.dumps(RETRIEVED_RUN).encode()),
        Fault(body=gzip_bomb(1024), headers={"content-encoding": "gzip"}),
    )
    child = subprocess.run(
        [sys.executable, "-c", _RSS_CHILD, mode, fault_server.base_url, str(cap)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result = json.loads(child.stdout)
    assert result["error"] == "ResponseTooLargeError"
    growth = result["growth_kib"] * 1024
    assert growth < cap + 32 * 1024 * 1024, f"peak RSS grew by {growth / 2**20:.1f} MiB"
