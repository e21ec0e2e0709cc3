"""The exception of a list walk that the server's pagination would send round in circles."""

from __future__ import annotations

from trigger._exceptions import TriggerError

__all__ = ["PaginationError"]


class PaginationError(TriggerError):
    """The server's pagination does not move on, so following it would never end.

    Raised instead of fetching a page again: when a page's ``next`` (or ``previous``) cursor
    is the one that fetched it, when iterating a list reaches a cursor it has already
    followed, or when an offset page's ``currentPage`` does not advance. The items already
    returned are correct; the walk cannot continue.

    Attributes:
        path: The list endpoint, e.g. ``/api/v1/runs``.
        position: The repeated cursor, or the page number that was asked for again.
    """

    def __init__(self, message: str, *, path: str, position: str) -> None:
        super().__init__(message)
        self.path = path
        self.position = position
