"""The package metadata, the licence and the CI script say what is true."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent


def _project() -> dict[str, Any]:
    project: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return project


def test_the_license_file_is_the_mit_license_the_metadata_declares() -> None:
    assert _project()["license"] == "MIT"
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License\n")
    assert "Copyright (c) 2026 The trigger-sdk authors" in text
    assert 'THE SOFTWARE IS PROVIDED "AS IS"' in text


def test_classifiers_name_every_python_from_the_floor_to_3_13() -> None:
    project = _project()
    floor = re.fullmatch(r">=3\.(\d+)", project["requires-python"])
    assert floor is not None
    declared = {
        int(m.group(1))
        for c in project["classifiers"]
        if (m := re.fullmatch(r"Programming Language :: Python :: 3\.(\d+)", c))
    }
    assert declared == set(range(int(floor.group(1)), 14))


def test_the_docs_name_no_placeholder_repository() -> None:
    config = (ROOT / "mkdocs.yml").read_text()
    assert "example" not in config
    assert not re.search(r"^repo_url:\s*$", config, re.MULTILINE)


@pytest.mark.parametrize("ci", ["true", ""])
def test_check_fails_under_ci_when_a_python_is_missing(tmp_path: Path, ci: str) -> None:
    # A pyenv root with a versions folder but no 3.10 in it: the lookup stops there.
    (tmp_path / "versions" / "3.9.1" / "bin").mkdir(parents=True)
    env = {**os.environ, "CI": ci, "PYENV_ROOT": str(tmp_path), "CHECK_PYTHONS": "3.10"}
    done = subprocess.run(
        ["bash", "scripts/check", "pythons"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if ci:
        assert done.returncode != 0
        assert "error: no Python 3.10 under pyenv" in done.stderr
    else:
        assert done.returncode == 0, done.stderr
        assert "warning: no Python 3.10 under pyenv" in done.stderr
