"""Every SDK exception survives pickling (and so process pools) without carrying the key."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import json
import multiprocessing
import pickle
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

import pytest

import trigger
from tests.conftest import SECRET_KEY
from tests.faultserver import Fault, FaultServer, gzip_bomb, json_fault, running, unused_port
from trigger._exceptions import APIError

FAST = trigger.RetryOptions(max_attempts=2, min_timeout=0.01, max_timeout=0.02)
KEY_PART = SECRET_KEY.removeprefix("tr_dev_")


def _raised(call: object) -> BaseException:
    assert callable(call)
    try:
        call()
    except trigger.TriggerError as error:
        return error
    raise AssertionError("nothing was raised")


def _real_errors(server: FaultServer) -> Iterator[BaseException]:
    """One exception of each kind the pipeline raises, provoked for real."""
    with trigger.Client(SECRET_KEY, base_url=server.base_url, retry=FAST, timeout=0.3) as client:
        retrieve = client.runs.retrieve
        server.script(json_fault(404, {"error": "Not found"}, headers={"X-Request-Id": "r1"}))
        yield _raised(lambda: retrieve("run_1"))
        server.script(json_fault(429, {"error": "slow"}, headers={"Retry-After": "7"}))
        yield _raised(lambda: retrieve("run_1", request_options={"max_attempts": 1}))
        server.script(json_fault(500, {"error": {"message": "boom", "code": "c1"}}))
        yield _raised(lambda: retrieve("run_1"))
        server.script(json_fault(405, {"error": "method"}))
        yield _raised(lambda: retrieve("run_1"))
        server.script(json_fault(200, {"id": 5}))
        yield _raised(lambda: retrieve("run_1"))
        server.script(Fault(body=b"{}", stall=1))
        yield _raised(lambda: retrieve("run_1"))
        server.script(Fault(body=gzip_bomb(4), headers={"content-encoding": "gzip"}))
        yield _raised(lambda: client.with_options(max_response_size=1024).runs.retrieve("run_1"))
        server.script(Fault(body=b"x" * 100, reset_after=10))
        yield _raised(lambda: retrieve("run_1"))
        # A body that decodes, but nested deeper than pickle can follow (~500 levels).
        deep = b'{"error":' + b"[" * 700 + b"]" * 700 + b"}"
        server.script(Fault(status=400, body=deep))
        yield _raised(lambda: retrieve("run_1"))
    with trigger.Client(
        SECRET_KEY, base_url=f"http://127.0.0.1:{unused_port()}", retry=FAST
    ) as refused:
        yield _raised(lambda: refused.runs.retrieve("run_1"))
    with trigger.Client(SECRET_KEY, base_url=server.base_url) as client:
        # A key holding a byte HTTP forbids: the request cannot be written.
        client._config = dataclasses.replace(client._config, api_key=SECRET_KEY + "\x00")
        yield _raised(lambda: client.runs.retrieve("run_1"))


def _hand_made_errors() -> Iterator[BaseException]:
    yield trigger.MissingCredentialsError("no key")
    yield trigger.PollTimeoutError("gave up", object_id="run_1", last_status="EXECUTING")
    yield trigger.BatchNotSealedError(
        batch_id="batch_1",
        enqueued_count=3,
        expected_count=5,
        items_accepted=3,
        items_deduplicated=0,
    )
    yield trigger.APIError("plain", headers={"a": "b"}, body={"x": 1})


@pytest.fixture(scope="module")
def errors() -> list[BaseException]:
    with running() as server:
        found = [*_real_errors(server), *_hand_made_errors()]
    cause = next(e for e in found if isinstance(e, trigger.NotFoundError))
    batch = trigger.BatchTriggerError.wrap(cause, phase="create", item_count=2)
    batch.__cause__ = cause
    return [*found, batch]


def _exported_error_classes() -> set[type[BaseException]]:
    return {
        obj
        for name in trigger.__all__
        if inspect.isclass(obj := getattr(trigger, name)) and issubclass(obj, trigger.TriggerError)
    }


def test_every_exported_exception_class_is_covered(errors: list[BaseException]) -> None:
    covered = {type(error) for error in errors}
    abstract = {trigger.TriggerError, trigger.APIStatusError}
    # A class a helper module adds later (e.g. of pagination) is covered by the base class.
    missing = {
        cls
        for cls in _exported_error_classes() - covered - abstract
        if cls.__module__ in ("trigger._exceptions", "trigger._batch_errors")
    }
    assert not missing, f"add an instance of {missing} to this test"
    assert trigger.APIStatusError in {base for cls in covered for base in cls.__mro__}


def _same(before: BaseException, after: BaseException) -> None:
    assert type(after) is type(before)
    assert after.args == before.args
    assert str(after) == str(before)
    assert repr(after) == repr(before)
    if isinstance(before, APIError):
        assert isinstance(after, APIError)
        assert after.status == before.status
        assert after.message == before.message
        assert after.attempts == before.attempts
        assert dict(after.headers) == dict(before.headers)
        assert after.body == before.body
        if before.request is not None:
            assert after.request is not None
            assert after.request.method == before.request.method
            assert after.request.url == before.request.url
            assert after.request.headers.raw == before.request.headers.raw
        response = getattr(before, "response", None)
        if response is not None:
            assert after.response.status_code == response.status_code  # type: ignore[attr-defined]
            assert after.response.content == response.content  # type: ignore[attr-defined]
            assert after.response.headers == response.headers  # type: ignore[attr-defined]
    for name in ("code", "param", "type", "raw_body", "limit"):
        if hasattr(before, name):
            assert getattr(after, name) == getattr(before, name)
    if isinstance(before, trigger.RateLimitError):
        assert isinstance(after, trigger.RateLimitError)
        assert after.retry_after == before.retry_after == 7.0
        assert after.headers["retry-after"] == "7", "headers stay case-insensitive"
    for name in ("object_id", "last_status", "batch_id", "phase", "item_count"):
        if hasattr(before, name):
            assert getattr(after, name) == getattr(before, name)


@pytest.mark.parametrize("protocol", range(2, pickle.HIGHEST_PROTOCOL + 1))
def test_every_exception_round_trips(protocol: int, errors: list[BaseException]) -> None:
    for error in errors:
        data = pickle.dumps(error, protocol=protocol)
        assert KEY_PART.encode() not in data, type(error).__name__
        _same(error, pickle.loads(data))


def test_copies_work_too(errors: list[BaseException]) -> None:
    for error in errors:
        _same(error, copy.copy(error))
        _same(error, copy.deepcopy(error))


def test_a_batch_error_keeps_its_api_cause(errors: list[BaseException]) -> None:
    batch = next(e for e in errors if isinstance(e, trigger.BatchTriggerError))
    restored = pickle.loads(pickle.dumps(batch))
    assert isinstance(restored, trigger.BatchTriggerError)
    assert isinstance(restored.api_error, trigger.NotFoundError)
    assert restored.api_error.status == 404


def test_a_deep_error_body_round_trips(errors: list[BaseException]) -> None:
    deep = next(e for e in errors if isinstance(e, trigger.BadRequestError))
    assert isinstance(deep.body, dict)
    # Before 3.13, pickling a body this deep directly raises RecursionError; the exception
    # pickles its body bytes instead, on every version.
    restored = pickle.loads(pickle.dumps(deep))
    assert isinstance(restored, trigger.BadRequestError)
    assert json.dumps(restored.body) == json.dumps(deep.body)


def retrieve_in_worker(base_url: str) -> str:
    """Run in a worker process: a call that the server answers with a 404."""
    with trigger.Client(SECRET_KEY, base_url=base_url) as client:
        return client.runs.retrieve("run_missing").id


def test_a_process_pool_worker_raises_the_sdk_error(fault_server: FaultServer) -> None:
    fault_server.script(json_fault(404, {"error": "Task Run not found"}))
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        future = pool.submit(retrieve_in_worker, fault_server.base_url)
        with pytest.raises(trigger.NotFoundError) as caught:
            future.result(timeout=60)
    error = caught.value
    assert error.status == 404
    assert error.message == "Task Run not found"
    assert error.request is not None
    assert error.request.headers["authorization"] == "Bearer ***"
    assert fault_server.received[0].headers["authorization"] == f"Bearer {SECRET_KEY}"
