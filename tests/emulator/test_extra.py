"""The emulator is an optional extra: the core SDK does without it, and so does pytest.

``trigger-sdk[emulator]`` adds Starlette and uvicorn; the core keeps depending on httpx,
msgspec and anyio only. The pytest plugin and the ``trigger`` command are installed with the
SDK (entry points cannot depend on an extra), so both must load without the extra, and the
plugin must cost a suite that uses none of its fixtures nothing: no server, no Starlette.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import textwrap
from importlib.metadata import distribution
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
SERVER_STACK = ("starlette", "uvicorn")
# Run first in a subprocess: the server stack is "not installed" (imports of it fail).
WITHOUT_EXTRA = "import sys\nfor name in ('starlette', 'uvicorn'):\n    sys.modules[name] = None\n"


def _project() -> dict[str, Any]:
    project: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return project


def _name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9_.-]+", requirement)
    assert match is not None
    return match.group(0).lower()


def _python(code: str, *, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_core_depends_on_httpx_msgspec_and_anyio_only() -> None:
    project = _project()
    assert {_name(r) for r in project["dependencies"]} == {"httpx", "msgspec", "anyio"}
    extra = {_name(r) for r in project["optional-dependencies"]["emulator"]}
    assert {"starlette", "uvicorn"} <= extra
    assert any("emulator" in r for r in project["optional-dependencies"]["dev"])


def _imported_top_levels(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_the_extra_names_every_third_party_module_the_emulator_imports() -> None:
    # The core's modules, the standard library, pytest (for the plugin) and the extra's own.
    allowed = {"trigger", "httpx", "msgspec", "anyio", "pytest", *sys.stdlib_module_names}
    for requirement in _project()["optional-dependencies"]["emulator"]:
        dist = distribution(_name(requirement))
        top = (dist.read_text("top_level.txt") or "").split()
        allowed.update(top or [_name(requirement).replace("-", "_")])
    imported: set[str] = set()
    for path in (ROOT / "src" / "trigger" / "emulator").rglob("*.py"):
        imported |= _imported_top_levels(path)
    assert imported - allowed == set()


def test_the_entry_points_are_installed() -> None:
    entry_points = distribution("trigger-sdk").entry_points
    scripts = {e.name: e.value for e in entry_points if e.group == "console_scripts"}
    plugins = {e.name: e.value for e in entry_points if e.group == "pytest11"}
    assert scripts["trigger"] == "trigger.emulator.cli:main"
    assert plugins["trigger_emulator"] == "trigger.emulator.pytest_plugin"


def test_importing_the_sdk_loads_no_server_stack() -> None:
    done = _python(
        "import sys, trigger\n"
        "trigger.Client, trigger.AsyncClient\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {SERVER_STACK!r}))"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_plugin_and_the_command_load_without_the_extra() -> None:
    done = _python(
        WITHOUT_EXTRA
        + textwrap.dedent(
            """
            import trigger, trigger.emulator.pytest_plugin, trigger.emulator.cli
            from trigger.emulator import ManualClock, TaskContext
            try:
                from trigger.emulator import Emulator
            except ModuleNotFoundError as error:
                print("refused:", error)
            status = trigger.emulator.cli.main(["emulator", "--port", "0"])
            print("status:", status)
            """
        )
    )
    assert done.returncode == 0, done.stderr
    missing = r"'(starlette|uvicorn)': pip install 'trigger-sdk\[emulator\]'"
    assert re.search(f"refused: the emulator needs {missing}", done.stdout), done.stdout
    assert "status: 2" in done.stdout
    assert re.search(f"trigger emulator needs {missing}", done.stderr), done.stderr


def test_the_trigger_command_dispatches_to_emulator() -> None:
    done = subprocess.run(
        [str(Path(sys.executable).parent / "trigger"), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "{emulator}" in done.stdout
    bad = subprocess.run(
        [str(Path(sys.executable).parent / "trigger"), "nope"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert bad.returncode == 2
    assert "invalid choice: 'nope'" in bad.stderr


_PLAIN_SUITE = """
import sys, threading

def test_plain():
    assert "trigger.emulator.pytest_plugin" in sys.modules  # the plugin is active
    assert "trigger.emulator.server" not in sys.modules
    assert not [m for m, module in sys.modules.items()
                if module is not None and m.split(".")[0] in ("starlette", "uvicorn")]
    assert not [t for t in threading.enumerate() if t.name.startswith("trigger-emulator")]
"""

_FIXTURE_SUITE = """
def test_uses_the_plugin(trigger_emulator, trigger_client):
    handle = trigger_client.tasks.trigger("from-plugin", delay="1h")
    assert trigger_emulator.run(handle.id)["status"] == "DELAYED"
"""


def _pytest_in(tmp_path: Path, suite: str, prelude: str = "") -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_suite.py").write_text(suite)
    return _python(
        prelude + "import sys, pytest\nsys.exit(pytest.main(['-q', '-p', 'no:cacheprovider']))",
        cwd=tmp_path,
    )


def test_a_suite_without_its_fixtures_starts_no_server(tmp_path: Path) -> None:
    done = _pytest_in(tmp_path, _PLAIN_SUITE)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout


def test_a_suite_runs_where_the_extra_is_missing(tmp_path: Path) -> None:
    done = _pytest_in(tmp_path, _PLAIN_SUITE, prelude=WITHOUT_EXTRA)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout


def test_the_entry_point_alone_provides_the_fixtures(tmp_path: Path) -> None:
    # No conftest.py and no -p option: the installed entry point is all there is.
    done = _pytest_in(tmp_path, _FIXTURE_SUITE)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
