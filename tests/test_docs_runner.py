"""The docs example runner fails when a page is wrong, and passes when it is right."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from sybil import Document, Example
from sybil.example import SybilFailure

from tests.docs_runner import (
    PAGE_FIXTURE,
    Fence,
    Page,
    PageError,
    check_pip_install,
    close_clients,
    lex_fences,
    output_matches,
    page_fixture,
    parse_page,
)
from trigger.emulator import Emulator

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def page(trigger_emulator_session: Emulator, tmp_path: Path) -> Iterator[Page]:
    work = tmp_path / "work"
    work.mkdir()
    with page_fixture(trigger_emulator_session, work) as world:
        yield world


def examples(tmp_path: Path, page: Page, text: str) -> list[Example]:
    path = tmp_path / "page.md"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    document = Document.parse(str(path), parse_page)
    document.namespace[PAGE_FIXTURE] = page
    return list(document.examples())


def run_all(items: list[Example]) -> list[str | None]:
    """Each example's failure message, or None when it passed (then the page's teardown)."""
    results: list[str | None] = []
    for example in items:
        try:
            example.evaluate()
        except SybilFailure as failure:
            results.append(str(failure))
        else:
            results.append(None)
    if items:
        close_clients(items[0].namespace)
    return results


# -- lexing and matching -------------------------------------------------------------------


def test_fences_inside_tabs_are_found_and_dedented() -> None:
    text = textwrap.dedent(
        """\
        === "Sync"

            ```python
            import trigger
            if True:
                print("indented")
            ```

        ````markdown
        ```python
        raise SystemExit("shown inside another block, never run")
        ```
        ````
        """
    )
    fences = lex_fences(text)
    assert [fence.language for fence in fences] == ["python", "markdown"]
    assert fences[0].source == 'import trigger\nif True:\n    print("indented")\n'
    assert fences[0].line == 3
    assert "raise SystemExit" in fences[1].source


def test_an_unclosed_fence_names_its_line() -> None:
    with pytest.raises(PageError, match=r"page.md:3: this ``` fence is never closed"):
        lex_fences("text\n\n```python\nprint(1)\n", "page.md")


def test_a_stray_marker_is_an_error() -> None:
    with pytest.raises(PageError, match=r"page\.md:1: a file marker"):
        lex_fences("<!-- file: app.py -->\nsome prose\n\n```python\nx = 1\n```\n", "page.md")


def test_a_marker_attaches_to_the_next_block() -> None:
    fences = lex_fences("<!-- pytest-file: test_app.py -->\n\n```python\nx = 1\n```\n")
    assert fences[0].marker == ("pytest-file", "test_app.py")
    assert isinstance(fences[0], Fence)


@pytest.mark.parametrize(
    ("expected", "actual", "matches"),
    [
        ("run_... COMPLETED", "run_abc123 COMPLETED", True),
        ("run_... COMPLETED", "run_abc123 FAILED", False),
        ("a\n...\nz", "a\nb\nc\nz", True),
        ("a   \nb\n\n", "a\nb   \n", True),
        ("...", "anything at all", True),
        ("ab...ba", "aba", False),
        ("exact", "exact but longer", False),
    ],
)
def test_output_matching(expected: str, actual: str, matches: bool) -> None:
    assert output_matches(expected, actual) is matches


def test_pip_install_lines_are_checked_against_pyproject() -> None:
    assert check_pip_install(["trigger-sdk"]) is None
    assert check_pip_install(["trigger-sdk[emulator,realtime]"]) is None
    assert check_pip_install(["pytest"]) is None  # in the dev extra
    assert "no extra nonsense" in (check_pip_install(["trigger-sdk[nonsense]"]) or "")
    assert "not in the dev extra" in (check_pip_install(["left-pad"]) or "")


# -- evaluation ------------------------------------------------------------------------------


def test_python_blocks_share_a_namespace_and_reach_the_emulator(tmp_path: Path, page: Page) -> None:
    items = examples(
        tmp_path,
        page,
        """\
        ```python
        import trigger

        client = trigger.Client()
        handle = client.tasks.trigger("hello-world", {"name": "Ada"})
        ```

        ```python
        run = client.runs.poll(handle.id, interval=0.1)
        print(run.id, run.status, run.output)
        ```

        ```output
        run_... COMPLETED {'message': 'Hello, Ada!'}
        ```
        """,
    )
    assert len(items) == 2
    assert run_all(items) == [None, None]


def test_a_raising_block_fails_with_its_page_and_line(tmp_path: Path, page: Page) -> None:
    items = examples(
        tmp_path,
        page,
        """\
        Some prose.

        ```python
        total = 1
        raise ValueError("this example is broken")
        ```
        """,
    )
    (message,) = run_all(items)
    assert message is not None
    assert "page.md:3: the block raised ValueError" in message
    assert "this example is broken" in message
    assert "line 5" in message  # the traceback points at the page's own line


def test_a_wrong_output_block_fails_with_the_difference(tmp_path: Path, page: Page) -> None:
    items = examples(
        tmp_path,
        page,
        """\
        ```python
        print("COMPLETED")
        ```

        ```output
        FAILED
        ```
        """,
    )
    (message,) = run_all(items)
    assert message is not None
    assert "page.md:5: the output differs from the page" in message
    assert "-FAILED" in message
    assert "+COMPLETED" in message


def test_an_output_block_alone_is_an_error(tmp_path: Path, page: Page) -> None:
    items = examples(tmp_path, page, "Prose.\n\n```output\nhello\n```\n")
    (message,) = run_all(items)
    assert message is not None and "must follow a python block" in message


def test_console_blocks_run_and_check_their_output(tmp_path: Path, page: Page) -> None:
    items = examples(
        tmp_path,
        page,
        """\
        ```console
        $ pip install "trigger-sdk[emulator]"
        $ export GREETING=hello
        $ echo "$GREETING from $TRIGGER_API_URL"
        hello from http://127.0.0.1:...
        $ python -c "import trigger; print(trigger.Client().runs.list().data)"
        []
        ```

        ```console
        $ echo "$GREETING again"
        hello again
        ```
        """,
    )
    assert run_all(items) == [None, None]


def test_a_console_block_fails_on_wrong_output_and_on_errors(tmp_path: Path, page: Page) -> None:
    items = examples(
        tmp_path,
        page,
        """\
        ```console
        $ echo actual
        expected
        ```

        ```console
        $ false
        ```

        ```console
        $ pip install "trigger-sdk[nonsense]"
        ```
        """,
    )
    wrong, failed, pip = run_all(items)
    assert wrong is not None and "page.md:2: the output differs" in wrong
    assert "-expected" in wrong and "+actual" in wrong
    assert failed is not None and "page.md:7: 'false' exited 1" in failed
    assert pip is not None and "no extra nonsense" in pip


def test_a_server_command_runs_in_the_background(tmp_path: Path, page: Page) -> None:
    items = examples(
        tmp_path,
        page,
        """\
        ```console
        $ trigger emulator --port 0 --seed 7
        Trigger.dev emulator ready at http://127.0.0.1:...
        ...
          export TRIGGER_SECRET_KEY=tr_dev_...
        ```
        """,
    )
    assert run_all(items) == [None]


def test_a_server_shown_on_a_taken_port_binds_another(tmp_path: Path, page: Page) -> None:
    # Something already listens on the port the page shows; the page still passes, and
    # what the server printed is compared with its port written as the page shows it.
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        items = examples(
            tmp_path,
            page,
            f"""\
            ```console
            $ trigger emulator --port {port} --seed 7
            Trigger.dev emulator ready at http://127.0.0.1:{port}
            ...
              export TRIGGER_API_URL=http://127.0.0.1:{port}
            ...
            ```
            """,
        )
        assert run_all(items) == [None]


def test_file_and_pytest_file_blocks(tmp_path: Path, page: Page) -> None:
    items = examples(
        tmp_path,
        page,
        """\
        <!-- file: shop.py -->
        ```python
        import trigger


        def send_welcome(client: trigger.Client, email: str) -> str:
            return client.tasks.trigger("send-email", {"to": email}).id
        ```

        <!-- pytest-file: test_shop.py -->
        ```python
        from shop import send_welcome


        def test_sends_one_email(trigger_client, trigger_emulator):
            send_welcome(trigger_client, "ada@example.com")
            (sent,) = trigger_emulator.requests("/api/v1/tasks/send-email/trigger")
            assert sent["body"]["payload"] == {"to": "ada@example.com"}
        ```

        ```output
        .                                                                        [100%]
        1 passed in ...
        ```

        ```python
        from shop import send_welcome

        print(send_welcome(trigger.Client(), "ada@example.com").startswith("run_"))
        ```

        ```output
        True
        ```

        <!-- pytest-file: test_broken.py -->
        ```python
        def test_fails():
            assert 1 == 2
        ```
        """,
    )
    written, tested, imported, broken = run_all(items)
    assert (written, tested) == (None, None)
    assert imported is not None  # `trigger` was never imported on this page
    assert "NameError" in imported
    assert broken is not None and "pytest test_broken.py exited 1" in broken
    assert (page.directory / "shop.py").is_file()


def test_docs_and_readme_are_collected() -> None:
    with (ROOT / "pyproject.toml").open("rb") as file:
        testpaths = tomllib.load(file)["tool"]["pytest"]["ini_options"]["testpaths"]
    assert {"docs", "README.md"} <= set(testpaths)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--co",
            "-q",
            "-p",
            "no:cacheprovider",
            "README.md",
            "docs",
        ],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert "README.md::line:" in done.stdout
    assert "docs/index.md::line:" in done.stdout
