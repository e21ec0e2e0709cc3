"""Wire format of the deployment endpoints."""

from __future__ import annotations

from datetime import datetime

from trigger._validation import check_bool, check_number, check_str, iso_datetime
from trigger._wire.runs import page_query

__all__ = ["LIST_STATUSES", "list_deployments_query", "promote_query"]

LIST_STATUSES = ("PENDING", "BUILDING", "DEPLOYING", "DEPLOYED", "FAILED", "CANCELED", "TIMED_OUT")
"""The statuses the list filter accepts (every deployment status but ``INSTALLING``)."""


def list_deployments_query(
    *,
    status: str | None,
    period: str | None,
    from_: datetime | str | None,
    to: datetime | str | None,
    limit: int | None,
    after: str | None,
) -> dict[str, str]:
    """The query of ``GET /api/v1/deployments``: plain ``status``, ``period``, ``from``, ``to``."""
    query: dict[str, str] = {}
    if status is not None:
        check_str("status", status)
        if status not in LIST_STATUSES:
            raise ValueError(f"status must be one of {', '.join(LIST_STATUSES)}, got {status!r}")
        query["status"] = status
    if period is not None:
        query["period"] = check_str("period", period)
    if (from_ is None) != (to is None):
        # The server wants both; it would silently ignore a lone `to`.
        raise ValueError("pass from_ and to together (or neither)")
    if from_ is not None and to is not None:
        query["from"] = iso_datetime("from_", from_)
        query["to"] = iso_datetime("to", to)
    if limit is not None:
        # The server clamps the size to 5-100; the caller's choice goes out as it is.
        check_number("limit", limit, minimum=1, integer=True)
    return {**query, **page_query(limit=limit, after=after, before=None)}


def promote_query(allow_rollbacks: bool | None) -> dict[str, str]:
    """``allowRollbacks=true`` when asked for; nothing otherwise."""
    if allow_rollbacks is None:
        return {}
    return {"allowRollbacks": "true"} if check_bool("allow_rollbacks", allow_rollbacks) else {}
