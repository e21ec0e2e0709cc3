"""Collect the examples of docs/**/*.md and README.md as tests (see tests/docs_runner.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sybil.integration.pytest import SybilItem

from tests.docs_runner import PAGE_FIXTURE, Page, page_fixture, sybil_for

_ROOT = Path(__file__).resolve().parent
_collect = sybil_for().pytest()
_sybil_filter = SybilItem._traceback_filter


def _traceback_filter(self: SybilItem, excinfo: pytest.ExceptionInfo[BaseException]) -> Any:
    # sybil trims the traceback to the example's frames and fails (IndexError, an
    # INTERNALERROR of the whole run) when the error came from a page's setup or teardown.
    try:
        return _sybil_filter(self, excinfo)
    except IndexError:
        return excinfo.traceback


SybilItem._traceback_filter = _traceback_filter  # type: ignore[method-assign]


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> Any:
    """Docs pages and the README become sybil files; every other .md file is left alone."""
    if file_path.suffix != ".md":
        return None
    path = file_path.resolve()
    if path == _ROOT / "README.md" or (_ROOT / "docs") in path.parents:
        return _collect(file_path, parent)
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Docs examples are scripts: a client they never close is no failure of the page.

    Its sockets may be collected during any later example, so every example ignores
    ResourceWarning (the SDK's own tests still treat it as an error).
    """
    for item in items:
        if isinstance(item, SybilItem):
            item.add_marker(pytest.mark.filterwarnings("ignore::ResourceWarning"))


@pytest.fixture(scope="module", name=PAGE_FIXTURE)
def docs_page(
    trigger_emulator_session: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Page]:
    """One docs page: the session's emulator reset, the TRIGGER_* variables, a directory."""
    with page_fixture(trigger_emulator_session, tmp_path_factory.mktemp("page")) as page:
        yield page
