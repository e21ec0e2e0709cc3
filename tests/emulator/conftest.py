"""The emulator's fixtures come from its pytest plugin, installed as a ``pytest11`` entry point;
``http`` here is a raw httpx client of the session emulator with its dev secret key."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from trigger.emulator import Emulator


@pytest.fixture
def http(trigger_emulator: Emulator) -> Iterator[httpx.Client]:
    headers = {"authorization": f"Bearer {trigger_emulator.secret_key}"}
    with httpx.Client(base_url=trigger_emulator.url, headers=headers) as client:
        yield client
