"""The object an async ``list()`` call returns: awaitable to its first page, iterable over items.

The sync client needs no such object (its ``list()`` fetches and returns the first page), so
the unasync build rewrites ``AsyncPaginator`` to ``Page`` and ``async_first_page`` to
``first_page``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Generator
from typing import TYPE_CHECKING, Any, Generic, TypeVar

# Re-exported so that the generated sync code's "from trigger._paginator import Page" works.
from trigger._sync.pagination import Page

if TYPE_CHECKING:
    from trigger._async.pagination import AsyncPage
    from trigger._paging import AsyncPageFetcher, PageSpec

T = TypeVar("T")
R = TypeVar("R")

__all__ = ["AsyncPaginator", "Page", "async_first_page", "first_page"]


class AsyncPaginator(Generic[T]):
    """A list call that has not been sent yet.

    ``await`` it for the first page (`AsyncPage`), or ``async for`` over it to walk every item
    of every page, one page in memory at a time.
    """

    def __init__(self, fetch: AsyncPageFetcher[T], spec: PageSpec[T]) -> None:
        self._fetch = fetch
        self._spec = spec

    def __await__(self) -> Generator[Any, None, AsyncPage[T]]:
        return self._fetch(self._spec).__await__()

    async def __aiter__(self) -> AsyncIterator[T]:
        # No local name for the first page, so it is released once the walk moves on.
        async for item in await self._fetch(self._spec):
            yield item

    async def iter_pages(self) -> AsyncIterator[AsyncPage[T]]:
        """Yield the first page and every page after it."""
        async for each in (await self._fetch(self._spec)).iter_pages():
            yield each

    def __repr__(self) -> str:
        item_type = getattr(self._spec.item_type, "__name__", repr(self._spec.item_type))
        return (
            f"<AsyncPaginator of {item_type} from {self._spec.path}, not fetched yet: "
            "await it for the first page, or async for over it>"
        )


def async_first_page(fetch: AsyncPageFetcher[T], spec: PageSpec[T]) -> AsyncPaginator[T]:
    """Defer the first page of an async list call until it is awaited or iterated."""
    return AsyncPaginator(fetch, spec)


def first_page(fetch: Callable[[PageSpec[T]], R], spec: PageSpec[T]) -> R:
    """Fetch the first page of a sync list call now."""
    return fetch(spec)
