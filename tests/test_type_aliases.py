"""The session event aliases explain themselves on every supported Python (``help()`` works).

On 3.10 a ``collections.abc`` alias has no docstring and refuses one.
"""

from __future__ import annotations

import inspect

import pytest

import trigger.types


@pytest.mark.parametrize("name", ["SessionEvents", "AsyncSessionEvents"])
def test_the_session_event_aliases_have_their_own_docstring(name: str) -> None:
    alias = getattr(trigger.types, name)
    doc = inspect.getdoc(alias)
    assert doc, f"{name} has no docstring"
    assert doc != inspect.getdoc(alias.__origin__), f"{name} shows its origin's docstring"
    assert "sessions.subscribe" in doc
