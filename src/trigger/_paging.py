"""What both clients' pages share: the request that fetched a page, and the page bodies.

Cursor pages (``page[size]``, ``page[after]``, ``page[before]``; ``pagination.next`` and
``pagination.previous``) and offset pages (``page``, ``perPage``; ``pagination.currentPage``
and ``totalPages``) differ only in how the neighbouring page's query is built.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

import msgspec

if TYPE_CHECKING:
    from trigger._async.pagination import AsyncPage
    from trigger._sync.pagination import Page
    from trigger._types import RequestOptions

T = TypeVar("T")

PageStyle = Literal["cursor", "offset"]


class CursorPagination(msgspec.Struct, kw_only=True):
    """The cursors of a cursor page."""

    next: str | None = None
    """Cursor of the following page; absent on the last page."""
    previous: str | None = None
    """Cursor of the preceding page; absent on the first page."""


class OffsetPagination(msgspec.Struct, kw_only=True, rename="camel"):
    """The position of an offset page."""

    current_page: int = 1
    """This page's 1-based number."""
    total_pages: int = 1
    """How many pages there are."""
    count: int | None = None
    """How many items there are in all, when the server says."""


class CursorPageBody(msgspec.Struct, Generic[T], kw_only=True):
    """The JSON body of a cursor page."""

    data: list[T]
    pagination: CursorPagination = msgspec.field(default_factory=CursorPagination)


class OffsetPageBody(msgspec.Struct, Generic[T], kw_only=True):
    """The JSON body of an offset page."""

    data: list[T]
    pagination: OffsetPagination = msgspec.field(default_factory=OffsetPagination)


@dataclass(frozen=True)
class PageSpec(Generic[T]):
    """Everything needed to fetch one page, and from it its neighbours."""

    style: PageStyle
    item_type: type[T]
    path: str
    query: Mapping[str, str]
    options: RequestOptions | None = None
    backward_pages_reversed: bool = False
    """The server answers ``page[before]`` pages oldest first (the runs list does): such a
    page's items are put back in the list's order."""

    def items_in_order(self, data: list[T]) -> list[T]:
        """``data`` in the list's own order, whichever direction fetched it."""
        if self.backward_pages_reversed and "page[before]" in self.query:
            data.reverse()
        return data

    def body_type(self) -> Any:
        """The msgspec type of this page's body."""
        body = CursorPageBody if self.style == "cursor" else OffsetPageBody
        return body[self.item_type]

    def with_query(self, **changes: str | None) -> PageSpec[T]:
        """This spec with query parameters set (a value of ``None`` removes the parameter)."""
        query = dict(self.query)
        for key, value in changes.items():
            wire = _WIRE_NAMES[key]
            if value is None:
                query.pop(wire, None)
            else:
                query[wire] = value
        return replace(self, query=query)

    def neighbour(
        self, pagination: CursorPagination | OffsetPagination, forward: bool
    ) -> PageSpec[T] | None:
        """The spec of the next (or previous) page, or ``None`` when there is none."""
        if isinstance(pagination, CursorPagination):
            cursor = pagination.next if forward else pagination.previous
            if not cursor:
                return None
            # Send only the cursor for the direction asked: the official client keeps a stale
            # page[after] when going backwards, which the server then resolves ambiguously.
            if forward:
                return self.with_query(after=cursor, before=None)
            return self.with_query(before=cursor, after=None)
        target = pagination.current_page + (1 if forward else -1)
        if target < 1 or target > pagination.total_pages:
            return None
        return self.with_query(page=str(target))


_WIRE_NAMES = {"after": "page[after]", "before": "page[before]", "page": "page"}


AsyncPageFetcher = Callable[[PageSpec[T]], Awaitable["AsyncPage[T]"]]
"""How an async page fetches its neighbours (the client's ``_fetch_page``)."""
PageFetcher = Callable[[PageSpec[T]], "Page[T]"]
"""How a sync page fetches its neighbours (the client's ``_fetch_page``)."""
