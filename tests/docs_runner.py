"""The runner of the examples in docs/**/*.md and README.md (sybil, collected by conftest.py).

A page's fenced blocks become tests that run in order and share one namespace:

- ```python: executed in the page's namespace. An ```output block right after it (blank
  lines between are fine) is compared with what the block printed: ``...`` matches any text
  (doctest's ELLIPSIS), trailing whitespace and surrounding blank lines are ignored.
- ```console: each ``$ `` line is a bash command run in the page's directory and
  environment; the lines up to the next prompt are its expected output (matched like
  ``output``). A command ending in ``\\`` continues on the next line. ``trigger emulator``
  starts in the background, its expected output is awaited, then it gets SIGINT.
  ``pip install`` lines are checked (``trigger-sdk`` extras exist in pyproject.toml, other
  packages are in the ``dev`` extra), not run. Commands of one page share exported variables
  and the working directory.
- ``<!-- file: NAME -->`` on the line before a block (any language) writes the block to NAME
  in the page's directory instead of running it; the directory is on ``sys.path``.
- ``<!-- pytest-file: NAME -->`` before a python block writes it to NAME and runs pytest on
  it in a subprocess (an ``output`` block after it is compared with pytest's output).

Every page runs against the session's emulator, reset first, with ``TRIGGER_API_URL`` and
``TRIGGER_SECRET_KEY`` (a dev key) set and the handlers of `register_handlers` registered.
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import gc
import io
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from sybil import Document, Example, Region, Sybil

import trigger
from trigger.emulator import Emulator
from trigger.emulator.examples import register_example_tasks

if sys.version_info >= (3, 11):
    import tomllib
else:  # pytest itself needs tomli there
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

__all__ = [
    "DOCS_HANDLERS",
    "BLOCK_TIMEOUT",
    "PAGE_FIXTURE",
    "Fence",
    "Page",
    "PageError",
    "check_pip_install",
    "close_clients",
    "diff_text",
    "lex_fences",
    "output_matches",
    "page_fixture",
    "parse_page",
    "register_handlers",
    "sybil_for",
]

ROOT = Path(__file__).resolve().parent.parent
BLOCK_TIMEOUT = 120
"""Seconds a python block or a command may take before it fails (a hung example stops)."""
SERVER_WAIT = 30
"""Seconds a background server has to print its expected output."""
SERVER_COMMANDS = (("trigger", "emulator"), ("python", "-m", "trigger.emulator"))
DOCS_HANDLERS = ("hello-world", "send-email", "flaky", "approve-order")
PAGE_FIXTURE = "_docs_page"

_OPEN = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n]*?)[ \t]*$")
_MARKER = re.compile(r"^ *<!--\s*(?P<kind>file|pytest-file)\s*:\s*(?P<name>\S+?)\s*-->\s*$")
_MARKER_LIKE = re.compile(r"^ *<!--\s*(?:file|pytest-file)\s*:")
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


class PageError(Exception):
    """A page that breaks the runner's rules (an unclosed fence, a stray marker...)."""


# -- lexing -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Fence:
    """One fenced block of a page."""

    language: str
    """The first word of the info string (``python``, ``output``, ``console``...)."""
    source: str
    """The content, with the fence's indentation removed."""
    start: int
    """Offset of the opening fence's line (or of its marker) in the page."""
    end: int
    """Offset just after the closing fence."""
    line: int
    """1-based line of the opening fence."""
    content_line: int
    """1-based line of the first content line."""
    marker: tuple[str, str] | None = None
    """``("file" | "pytest-file", name)`` from a marker on the line before."""


def _lines(text: str) -> Iterator[tuple[int, str]]:
    offset = 0
    for line in text.splitlines(keepends=True):
        yield offset, line
        offset += len(line)


def lex_fences(text: str, path: str = "<page>") -> list[Fence]:
    """Every fenced block of ``text`` in order; nested fences inside a block are content.

    Raises:
        PageError: A fence is never closed, or a marker is not right before a block.
    """
    lines = list(_lines(text))
    fences: list[Fence] = []
    markers_used: set[int] = set()
    index = 0
    while index < len(lines):
        offset, line = lines[index]
        opening = _OPEN.match(line.rstrip("\n"))
        if opening is None:
            index += 1
            continue
        fence, indent = opening["fence"], len(opening["indent"])
        info = opening["info"]
        if fence[0] == "`" and "`" in info:
            index += 1  # not a fence (an inline code span), as CommonMark says
            continue
        closing = re.compile(rf"^ *{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        body: list[str] = []
        end_index = index + 1
        while end_index < len(lines) and not closing.match(lines[end_index][1].rstrip("\n")):
            content = lines[end_index][1]
            stripped = len(content) - len(content.lstrip(" "))
            body.append(content[min(indent, stripped) :])
            end_index += 1
        if end_index >= len(lines):
            raise PageError(f"{path}:{index + 1}: this {fence} fence is never closed")
        end = lines[end_index][0] + len(lines[end_index][1])
        marker = None
        start = offset
        previous = index - 1
        while previous >= 0 and not lines[previous][1].strip():
            previous -= 1
        if previous >= 0 and (found := _MARKER.match(lines[previous][1].rstrip("\n"))):
            marker = (found["kind"], found["name"])
            markers_used.add(previous)
            start = lines[previous][0]
        fences.append(
            Fence(
                language=info.split()[0] if info.split() else "",
                source="".join(body),
                start=start,
                end=end,
                line=index + 1,
                content_line=index + 2,
                marker=marker,
            )
        )
        index = end_index + 1
    inside = [(fence.start, fence.end) for fence in fences]
    for number, (offset, line) in enumerate(lines):
        if _MARKER_LIKE.search(line) and number not in markers_used:
            if any(start <= offset < end for start, end in inside):
                continue  # shown inside a block (e.g. contributing.md explaining markers)
            raise PageError(
                f"{path}:{number + 1}: a file marker must be the line right before a block "
                "and read <!-- file: NAME --> or <!-- pytest-file: NAME -->"
            )
    return fences


# -- matching -----------------------------------------------------------------------------


def _normalize(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines()).strip("\n")


def output_matches(expected: str, actual: str) -> bool:
    """Whether ``actual`` is ``expected`` where each ``...`` stands for any text."""
    want, got = _normalize(expected), _normalize(actual)
    pieces = want.split("...")
    if len(pieces) == 1:
        return want == got
    first, *middle, last = pieces
    if not got.startswith(first) or not got.endswith(last):
        return False
    position, stop = len(first), len(got) - len(last)
    if stop < position:
        return False
    for piece in middle:
        found = got.find(piece, position, stop)
        if found < 0:
            return False
        position = found + len(piece)
    return True


def diff_text(expected: str, actual: str, where: str) -> str:
    """A unified diff of what the page shows and what was printed."""
    diff = difflib.unified_diff(
        _normalize(expected).splitlines(),
        _normalize(actual).splitlines(),
        fromfile=f"expected ({where})",
        tofile="printed",
        lineterm="",
    )
    return "\n".join(diff)


# -- the page -----------------------------------------------------------------------------


@dataclasses.dataclass
class Page:
    """What every example of one page shares."""

    emulator: Emulator
    directory: Path
    shell_state: Path = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        self.shell_state = self.directory / ".docs-shell-state"


def _relative(path: str) -> str:
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return path


def _page(example: Example) -> Page:
    page = example.namespace.get(PAGE_FIXTURE)
    if not isinstance(page, Page):
        raise RuntimeError(f"the {PAGE_FIXTURE} fixture is missing from the page's namespace")
    return page


@contextlib.contextmanager
def _time_limit(seconds: int, what: str) -> Iterator[None]:
    """Raise TimeoutError in the main thread after ``seconds`` (a hung example fails)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"{what} did not finish within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _check_printed(expected: str | None, printed: str, where: str) -> str | None:
    if expected is None or output_matches(expected, printed):
        return None
    return f"{where}: the output differs from the page\n{diff_text(expected, printed, where)}"


# -- evaluators ---------------------------------------------------------------------------


def _python(fence: Fence, output: Fence | None) -> Callable[[Example], str | None]:
    def evaluate(example: Example) -> str | None:
        where = f"{_relative(example.path)}:{fence.line}"
        if fence.source.lstrip().startswith(">>>"):
            return f"{where}: python blocks are programs; write no >>> prompts"
        # Leading newlines put each line at its line of the page, so tracebacks name it.
        code = compile("\n" * (fence.content_line - 1) + fence.source, example.path, "exec")
        printed = io.StringIO()
        namespace = example.namespace
        namespace.setdefault("__name__", "__main__")
        try:
            with (
                _time_limit(BLOCK_TIMEOUT, where),
                contextlib.redirect_stdout(printed),
                warnings.catch_warnings(),
            ):
                # A client made inline and dropped (``trigger.Client().runs.list()``) is
                # fine in a script; its socket's ResourceWarning is no failure of the page.
                warnings.simplefilter("ignore", ResourceWarning)
                exec(code, namespace)
        except Exception as error:
            frames = traceback.TracebackException.from_exception(error)
            # Drop the runner's own frame: the reader wants the page's lines.
            frames.stack = traceback.StackSummary.from_list(
                [frame for frame in frames.stack if frame.filename != __file__]
            )
            shown = printed.getvalue()
            return (
                f"{where}: the block raised {type(error).__name__}\n"
                + "".join(frames.format())
                + (f"\nIt printed:\n{shown}" if shown else "")
            )
        if output is not None:
            return _check_printed(
                output.source, printed.getvalue(), f"{_relative(example.path)}:{output.line}"
            )
        return None

    return evaluate


def _write_file(fence: Fence) -> Callable[[Example], str | None]:
    def evaluate(example: Example) -> str | None:
        assert fence.marker is not None
        target = _page(example).directory / fence.marker[1]
        if fence.language == "python":
            try:  # a module the page never imports must still be Python
                compile("\n" * (fence.content_line - 1) + fence.source, example.path, "exec")
            except SyntaxError as error:
                return f"{_relative(example.path)}:{error.lineno}: {error.msg}"
        target.write_text(fence.source, encoding="utf-8")
        return None

    return evaluate


def _subprocess_env() -> dict[str, str]:
    env = dict(os.environ)
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    env.pop("PYTEST_CURRENT_TEST", None)
    env.pop("PYTEST_ADDOPTS", None)
    return env


def _pytest_file(fence: Fence, output: Fence | None) -> Callable[[Example], str | None]:
    def evaluate(example: Example) -> str | None:
        assert fence.marker is not None
        page = _page(example)
        name = fence.marker[1]
        where = f"{_relative(example.path)}:{fence.line}"
        (page.directory / name).write_text(fence.source, encoding="utf-8")
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error"]
        # Hypothesis's plugin costs a second and a half of each start, for nothing here.
        command += ["-p", "no:hypothesispytest"]
        command += ["--rootdir", str(page.directory), name]
        try:
            done = subprocess.run(
                command,
                cwd=page.directory,
                env=_subprocess_env(),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=BLOCK_TIMEOUT * 2,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return f"{where}: pytest {name} did not finish within {BLOCK_TIMEOUT * 2} s"
        if done.returncode != 0:
            return f"{where}: pytest {name} exited {done.returncode}:\n{done.stdout}"
        if output is not None:
            return _check_printed(
                output.source, done.stdout, f"{_relative(example.path)}:{output.line}"
            )
        return None

    return evaluate


@dataclasses.dataclass(frozen=True)
class _Command:
    text: str
    expected: str
    line: int


def _commands(fence: Fence, where_path: str) -> list[_Command]:
    commands: list[_Command] = []
    lines = fence.source.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.startswith("$ "):
            if line.strip():
                raise PageError(
                    f"{where_path}:{fence.content_line + index}: console blocks start each "
                    "command with '$ '; this line belongs to no command"
                )
            index += 1
            continue
        number = fence.content_line + index
        text = line[2:]
        while text.endswith("\\") and index + 1 < len(lines):
            index += 1
            text = text[:-1] + "\n" + lines[index]
        index += 1
        expected: list[str] = []
        while index < len(lines) and not lines[index].startswith("$ "):
            expected.append(lines[index])
            index += 1
        commands.append(_Command(text, "\n".join(expected), number))
    return commands


def _words(command: str) -> list[str]:
    words = shlex.split(command, comments=True)
    while words and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]):
        words.pop(0)  # VAR=value before the command
    return words


def _is_server(words: list[str]) -> bool:
    if words and words[0] in ("python", "python3"):
        words = ["python", *words[1:]]
    return any(tuple(words[: len(prefix)]) == prefix for prefix in SERVER_COMMANDS)


def _pip_arguments(words: list[str]) -> list[str] | None:
    if words[:2] in (["pip", "install"], ["pip3", "install"]):
        return words[2:]
    if len(words) >= 4 and words[0].startswith("python") and words[1:4] == ["-m", "pip", "install"]:
        return words[4:]
    return None


def _pyproject() -> dict[str, Any]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        data: dict[str, Any] = tomllib.load(file)
    return data


def check_pip_install(arguments: list[str]) -> str | None:
    """Why a shown ``pip install`` would not work with this project, or ``None``."""
    project = _pyproject()["project"]
    extras: dict[str, list[str]] = project["optional-dependencies"]
    dev = {canonicalize_name(Requirement(item).name) for item in extras["dev"]}
    own = canonicalize_name(project["name"])
    specs = [word for word in arguments if not word.startswith("-")]
    if not specs:
        return "pip install names no package"
    for spec in specs:
        if re.match(r"^\.(\[.*\])?$", spec):
            spec = own + spec[1:]
        try:
            requirement = Requirement(spec)
        except InvalidRequirement:
            return f"pip install {spec!r}: not a requirement"
        name = canonicalize_name(requirement.name)
        if name == own:
            unknown = sorted(requirement.extras - set(extras))
            if unknown:
                return f"pip install {spec!r}: pyproject.toml has no extra {', '.join(unknown)}"
        elif name not in dev:
            return f"pip install {spec!r}: {requirement.name} is not in the dev extra"
    return None


def _shell_script(page: Page, command: str) -> str:
    # Each command runs in a fresh bash that picks up the exported variables and the
    # directory the page's previous commands left, then saves its own.
    state = shlex.quote(str(page.shell_state))
    return (
        f"if [ -f {state} ]; then . {state}; fi\n"
        f"{command}\n"
        f"__docs_status=$?\n"
        f"{{ export -p; printf 'cd %q\\n' \"$PWD\"; }} > {state}\n"
        f"exit $__docs_status\n"
    )


_PORT_OPTION = re.compile(r"--port[ =](\d+)")
_BOUND_PORT = re.compile(r"127\.0\.0\.1:(\d+)")


def _as_shown(text: str, shown_port: str | None) -> str:
    """What a server bound to any port printed, with its port written as the page shows."""
    bound = _BOUND_PORT.search(text)
    if shown_port is None or bound is None:
        return text
    return text.replace(f"127.0.0.1:{bound.group(1)}", f"127.0.0.1:{shown_port}")


def _run_server(page: Page, command: _Command, where: str) -> str | None:
    # A page shows a fixed port (``--port 3030``); the test binds any free one, so a server
    # already on that port (a real Trigger.dev server, say) cannot fail the page.
    option = _PORT_OPTION.search(command.text)
    shown_port = option.group(1) if option and option.group(1) != "0" else None
    text_to_run = _PORT_OPTION.sub("--port 0", command.text) if shown_port else command.text
    process = subprocess.Popen(
        [
            "bash",
            "-c",
            f"if [ -f {shlex.quote(str(page.shell_state))} ]; then "
            f". {shlex.quote(str(page.shell_state))}; fi\nexec {text_to_run}",
        ],
        cwd=page.directory,
        env=_subprocess_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    printed: list[str] = []
    assert process.stdout is not None
    stream = process.stdout
    reader = threading.Thread(target=lambda: printed.extend(iter(stream.readline, "")))
    reader.start()
    try:
        deadline = time.monotonic() + SERVER_WAIT
        while True:
            text = _as_shown("".join(printed), shown_port)
            ready = output_matches(command.expected, text) if command.expected else bool(text)
            if ready:
                return None
            if process.poll() is not None or time.monotonic() > deadline:
                reader.join(5)
                text = _as_shown("".join(printed), shown_port)
                state = (
                    f"exited {process.returncode}"
                    if process.poll() is not None
                    else f"did not print it within {SERVER_WAIT} s"
                )
                return (
                    f"{where}: {command.text!r} {state}\n{diff_text(command.expected, text, where)}"
                )
            time.sleep(0.05)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)
        reader.join(5)
        stream.close()


def _console(fence: Fence) -> Callable[[Example], str | None]:
    def evaluate(example: Example) -> str | None:
        page = _page(example)
        path = _relative(example.path)
        for command in _commands(fence, path):
            where = f"{path}:{command.line}"
            words = _words(command.text)
            pip = _pip_arguments(words)
            if pip is not None:
                problem = check_pip_install(pip)
                if problem:
                    return f"{where}: {problem}"
                continue
            if _is_server(words):
                problem = _run_server(page, command, where)
                if problem:
                    return problem
                continue
            try:
                done = subprocess.run(
                    ["bash", "-c", _shell_script(page, command.text)],
                    cwd=page.directory,
                    env=_subprocess_env(),
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                    timeout=BLOCK_TIMEOUT,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                return f"{where}: {command.text!r} did not finish within {BLOCK_TIMEOUT} s"
            if done.returncode != 0:
                return f"{where}: {command.text!r} exited {done.returncode}:\n{done.stdout}"
            if command.expected.strip():
                problem = _check_printed(command.expected, done.stdout, where)
                if problem:
                    return problem
        return None

    return evaluate


def _fail(message: str) -> Callable[[Example], str]:
    def evaluate(example: Example) -> str:
        return message

    return evaluate


def parse_page(document: Document) -> Iterable[Region]:
    """The sybil parser: a region per runnable block (see the module's docstring)."""
    path = _relative(document.path)
    try:
        fences = lex_fences(document.text, path)
    except PageError as error:
        yield Region(0, 0, None, _fail(str(error)))
        return
    index = 0
    while index < len(fences):
        fence = fences[index]
        following = fences[index + 1] if index + 1 < len(fences) else None
        output = None
        if (
            following is not None
            and following.language == "output"
            and not document.text[fence.end : following.start].strip()
        ):
            output = following
        end = output.end if output is not None else fence.end
        kind = fence.marker[0] if fence.marker else None
        evaluator: Callable[[Example], str | None] | None
        if kind == "file":
            evaluator = _write_file(fence)
            if output is not None:
                evaluator = _fail(f"{path}:{output.line}: a file block prints nothing")
        elif kind == "pytest-file":
            if fence.language != "python":
                evaluator = _fail(f"{path}:{fence.line}: pytest-file marks python blocks only")
            elif not _NAME.match(fence.marker[1] if fence.marker else ""):
                evaluator = _fail(f"{path}:{fence.line}: a pytest file name has no slashes")
            else:
                evaluator = _pytest_file(fence, output)
        elif fence.language == "python":
            evaluator = _python(fence, output)
        elif fence.language == "console":
            try:
                _commands(fence, path)
            except PageError as error:
                evaluator = _fail(str(error))
            else:
                evaluator = _console(fence)
            if output is not None:
                evaluator = _fail(f"{path}:{output.line}: a console block holds its own output")
        elif fence.language == "output":
            evaluator = _fail(
                f"{path}:{fence.line}: an output block must follow a python block (or a "
                "pytest-file block) with only blank lines between"
            )
        else:
            evaluator = None  # shown, never run: toml, yaml, typescript...
        if kind == "file" and not _NAME.match(fence.marker[1] if fence.marker else ""):
            evaluator = _fail(f"{path}:{fence.line}: a file name has no slashes")
        if evaluator is not None:
            yield Region(fence.start, end, fence, evaluator)
        index += 2 if output is not None else 1


# -- the handlers every page gets ---------------------------------------------------------


def register_handlers(emulator: Emulator) -> None:
    """Register the task handlers every docs page can trigger: the package's example tasks,
    which ``trigger emulator --example-tasks`` registers for a reader too."""
    register_example_tasks(emulator)


@contextlib.contextmanager
def page_fixture(emulator: Emulator, directory: Path) -> Iterator[Page]:
    """One page's world: a reset emulator, the variables, the handlers, its directory."""
    emulator.reset()
    before = set(emulator.task_ids()) | set(emulator.declared_task_ids())
    register_handlers(emulator)
    modules = set(sys.modules)
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith("TRIGGER_"):
                patch.delenv(name)
        patch.setenv("TRIGGER_API_URL", emulator.url)
        patch.setenv("TRIGGER_SECRET_KEY", emulator.secret_key)
        # The project ref the env-var examples name (your trigger.config.ts holds yours).
        patch.setenv("TRIGGER_PROJECT_REF", emulator.project_ref)
        patch.chdir(directory)
        patch.syspath_prepend(str(directory))
        trigger.configure()  # the module-level client of an earlier page is not this one's
        try:
            yield Page(emulator, directory)
        finally:
            trigger.configure()
            for task_id in set(emulator.task_ids()) | set(emulator.declared_task_ids()):
                if task_id not in before:
                    emulator.unregister(task_id)
            # A page's own modules (file blocks) must not leak into the next page's imports.
            for name in set(sys.modules) - modules:
                file = getattr(sys.modules[name], "__file__", None) or ""
                if file.startswith(str(directory)):
                    del sys.modules[name]


def close_clients(namespace: dict[str, Any]) -> None:
    """Close the sync clients a page left open and forget its namespace.

    Its examples read as scripts, which may leave a client to the end of the process; the
    suite must not see their sockets' ResourceWarnings in some later test instead.
    """
    from trigger import Client

    for value in list(namespace.values()):
        if isinstance(value, Client):
            value.close()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        namespace.clear()
        gc.collect()


def sybil_for() -> Sybil:
    """The Sybil that reads docs pages (conftest.py filters which files it gets)."""
    return Sybil(
        parsers=[parse_page],
        patterns=["*.md"],
        path=str(ROOT),
        fixtures=[PAGE_FIXTURE],
        teardown=close_clients,
    )
