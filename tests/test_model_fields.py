"""Fields the server sends that the models once dropped decode (and stay optional)."""

from __future__ import annotations

from datetime import datetime, timezone

import msgspec

from tests.operations.batch import V2_BATCH
from tests.operations.queues import QUEUE
from tests.operations.schedules import SCHEDULE
from tests.operations.wait import WAITING_TOKEN
from trigger._models import decoder
from trigger.types import BatchTriggerV2Result, QueueItem, Schedule, WaitpointToken


def test_queue_release_concurrency_on_waitpoint() -> None:
    queue = decoder(QueueItem).decode(_json(QUEUE))
    assert queue.release_concurrency_on_waitpoint is True
    bare = {k: v for k, v in QUEUE.items() if k != "releaseConcurrencyOnWaitpoint"}
    assert decoder(QueueItem).decode(_json(bare)).release_concurrency_on_waitpoint is None


def test_waitpoint_token_completed_after() -> None:
    token = decoder(WaitpointToken).decode(_json(WAITING_TOKEN))
    assert token.completed_after == datetime(2025, 3, 1, 13, tzinfo=timezone.utc)
    bare = {k: v for k, v in WAITING_TOKEN.items() if k != "completedAfter"}
    assert decoder(WaitpointToken).decode(_json(bare)).completed_after is None


def test_v2_batch_is_cached_and_idempotency_key() -> None:
    batch = decoder(BatchTriggerV2Result).decode(_json(V2_BATCH))
    assert (batch.is_cached, batch.idempotency_key, batch.run_count) == (False, "key-1", 1)
    cached = decoder(BatchTriggerV2Result).decode(b'{"id":"batch_1","runCount":1,"isCached":true}')
    assert cached.is_cached and cached.idempotency_key is None


def test_schedule_environment_shortcode_slug_and_branch() -> None:
    created = decoder(Schedule).decode(_json(SCHEDULE))
    assert created.environments[0].shortcode == "x7k2"
    assert created.environments[0].slug is None
    listed_environment = {
        "id": "cl1234env",
        "type": "PREVIEW",
        "slug": "preview",
        "branchName": "feature-x",
    }
    listed = decoder(Schedule).decode(_json({**SCHEDULE, "environments": [listed_environment]}))
    environment = listed.environments[0]
    assert (environment.slug, environment.branch_name, environment.shortcode) == (
        "preview",
        "feature-x",
        None,
    )


def _json(value: object) -> bytes:
    return msgspec.json.encode(value)
