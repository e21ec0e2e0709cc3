"""Reading, writing and comparing recordings (``tests/parity/recordings/<scenario>.json``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["DIR", "COMPARED", "differences", "load", "path_of", "save"]

DIR = Path(__file__).parent / "recordings"

COMPARED = ("request", "status", "headers", "format", "body")
"""What a comparison looks at in each step (``name`` and ``note`` are for readers)."""


def path_of(name: str) -> Path:
    """Where the recording of scenario ``name`` lives."""
    return DIR / f"{name}.json"


def save(recording: dict[str, Any], meta: dict[str, Any]) -> Path:
    """Write one recording (stable key order, one file per scenario)."""
    DIR.mkdir(parents=True, exist_ok=True)
    path = path_of(recording["scenario"])
    data = {"recorded": meta, **recording}
    path.write_text(json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    return path


def load(name: str) -> dict[str, Any] | None:
    """The stored recording of scenario ``name``, or ``None``."""
    path = path_of(name)
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def _diff_value(expected: Any, actual: Any, where: str, out: list[str]) -> None:
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(set(expected) | set(actual)):
            if key not in actual:
                out.append(f"{where}.{key}: missing (expected {json.dumps(expected[key])[:200]})")
            elif key not in expected:
                out.append(f"{where}.{key}: unexpected {json.dumps(actual[key])[:200]}")
            else:
                _diff_value(expected[key], actual[key], f"{where}.{key}", out)
        return
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            out.append(f"{where}: {len(actual)} items, expected {len(expected)}")
        for index, (e, a) in enumerate(zip(expected, actual, strict=False)):
            _diff_value(e, a, f"{where}[{index}]", out)
        return
    if expected != actual or type(expected) is not type(actual):
        out.append(f"{where}: {json.dumps(actual)[:300]} != expected {json.dumps(expected)[:300]}")


def differences(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """Human-readable differences between a stored recording and a new one (empty: equal)."""
    out: list[str] = []
    exp_steps = expected.get("steps", [])
    act_steps = actual.get("steps", [])
    for note in actual.get("notes", []):
        if note not in expected.get("notes", []):
            out.append(f"new note: {note}")
    for note in expected.get("notes", []):
        if note not in actual.get("notes", []):
            out.append(f"missing note: {note}")
    for index, (e, a) in enumerate(zip(exp_steps, act_steps, strict=False)):
        label = f"step {index + 1} ({e.get('name') or e['request']['method'] + ' ' + e['request']['path']})"
        for field in COMPARED:
            _diff_value(e.get(field), a.get(field), f"{label} {field}", out)
    if len(exp_steps) != len(act_steps):
        out.append(f"{len(act_steps)} steps, expected {len(exp_steps)}")
    return out
