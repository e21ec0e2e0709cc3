"""The real server's query schema and built-in dashboards (measured, in ``data/``)."""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

EXTRA_TABLES = ("queue_metrics", "env_metrics", "queue_metrics_by_key")
"""Tables the server lists though its published schema does not describe them."""


@functools.lru_cache(maxsize=2)
def measured(name: str) -> Any:
    """The parsed JSON file ``data/{name}``: ``query_schema.json`` or ``query_dashboards.json``."""
    text = resources.files("trigger.emulator").joinpath(f"data/{name}").read_text("utf-8")
    return json.loads(text)


def query_tables() -> dict[str, list[str]]:
    """Each table a query may name, with its columns (none listed for the extra tables)."""
    tables = {
        table["name"]: [column["name"] for column in table["columns"]]
        for table in measured("query_schema.json")["tables"]
    }
    for extra in EXTRA_TABLES:
        tables.setdefault(extra, [])
    return tables
