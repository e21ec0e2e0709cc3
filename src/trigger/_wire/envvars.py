"""Wire format of the environment-variable endpoints, and the ``.env`` reader of uploads."""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Mapping
from typing import Any

from trigger._config import key_kind
from trigger._validation import check_bool, check_str, compact, path_segment
from trigger._wire.runs import env_slugs

__all__ = [
    "create_body",
    "envvars_path",
    "parse_dotenv",
    "update_body",
    "upload_body",
    "variables_mapping",
]

# The internal slug (what env_slugs returns, and what a secret key's prefix carries) -> the
# slug the envvars routes take in their path.
_PATH_SLUGS = {"dev": "dev", "stg": "staging", "prod": "prod", "preview": "preview"}

DOTENV_MISSING = (
    'upload_dotenv needs python-dotenv; install it with: pip install "trigger-sdk[dotenv]"'
)


def env_path_slug(env: str, api_key: str | None) -> str:
    """The ``{env}`` path segment, refusing an environment a secret key cannot reach.

    ``stg`` is accepted as an alias of ``staging`` (it is the slug of ``tr_stg_`` keys).
    """
    internal = env_slugs("env", check_str("env", env))
    if api_key is not None and key_kind(api_key) == "secret_key":
        key_env = api_key.split("_", 2)[1]
        if key_env != internal:
            # Only the key's prefix is echoed, never the secret part.
            raise ValueError(
                f"env {env!r} does not match the client's secret key (tr_{key_env}_…): a secret "
                f"key reaches only its own environment; use env={_PATH_SLUGS[key_env]!r}, or a "
                "personal access token (tr_pat_…) to manage other environments"
            )
    return _PATH_SLUGS[internal]


def envvars_path(project_ref: str, env: str, api_key: str | None, name: str | None = None) -> str:
    """``/api/v1/projects/{projectRef}/envvars/{env}`` and, with ``name``, ``…/{name}``."""
    path = (
        f"/api/v1/projects/{path_segment('project_ref', project_ref)}"
        f"/envvars/{path_segment('env', env_path_slug(env, api_key))}"
    )
    if name is not None:
        path += f"/{path_segment('name', name)}"
    return path


def create_body(name: str, value: str, is_secret: bool | None) -> dict[str, Any]:
    """Body of a create: ``{name, value, isSecret?}``."""
    return compact(
        {
            "name": check_str("name", name),
            "value": check_str("value", value, allow_empty=True),
            "isSecret": None if is_secret is None else check_bool("is_secret", is_secret),
        }
    )


def update_body(value: str) -> dict[str, str]:
    """Body of an update: ``{value}``."""
    return {"value": check_str("value", value, allow_empty=True)}


def variables_mapping(name: str, variables: Mapping[str, str]) -> dict[str, str]:
    """Variables as the import route takes them: one object of name to value."""
    if not isinstance(variables, Mapping):
        raise TypeError(f"{name} must be a mapping of str to str, not {type(variables).__name__}")
    result: dict[str, str] = {}
    for key, value in variables.items():
        check_str(f"{name} key", key)
        # Only the name is echoed: the value may be a secret.
        result[key] = check_str(f"{name}[{key!r}]", value, allow_empty=True)
    return result


def upload_body(
    *,
    variables: Mapping[str, str],
    override: bool,
    is_secret: bool | None,
    parent_variables: Mapping[str, str] | None,
    source: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """Body of an import: ``{variables, override, isSecret?, parentVariables?, source?}``."""
    checked = variables_mapping("variables", variables)
    if not checked and not parent_variables:
        # A branch import may write only to the parent environment.
        raise ValueError("variables must hold at least one variable (or pass parent_variables)")
    return compact(
        {
            "variables": checked,
            "override": check_bool("override", override),
            "isSecret": None if is_secret is None else check_bool("is_secret", is_secret),
            "parentVariables": None
            if parent_variables is None
            else variables_mapping("parent_variables", parent_variables),
            "source": None if source is None else source_body(source),
        }
    )


def source_body(source: Mapping[str, Any]) -> dict[str, str]:
    """``source`` of an import on the wire: ``{type: "user", userId}`` or
    ``{type: "integration", integration}`` (the server refuses any other shape)."""
    if not isinstance(source, Mapping):
        raise TypeError(
            "source must be {'type': 'user', 'user_id': ...} or "
            f"{{'type': 'integration', 'integration': ...}}, not {type(source).__name__}"
        )
    kind = source.get("type")
    if kind == "user" and set(source) == {"type", "user_id"}:
        return {"type": "user", "userId": check_str("source['user_id']", source["user_id"])}
    if kind == "integration" and set(source) == {"type", "integration"}:
        return {
            "type": "integration",
            "integration": check_str("source['integration']", source["integration"]),
        }
    raise ValueError(
        "source must be {'type': 'user', 'user_id': ...} or "
        "{'type': 'integration', 'integration': ...}"
    )


def _dotenv_values() -> Callable[..., dict[str, str | None]]:
    try:
        from dotenv import dotenv_values
    except ImportError as exc:
        raise ImportError(DOTENV_MISSING) from exc
    return dotenv_values


def parse_dotenv(
    path: str | os.PathLike[str] | None, text: str | None, *, interpolate: bool
) -> dict[str, str]:
    """Read ``.env`` content (a file or a string) into name -> value, with python-dotenv.

    Raises:
        ImportError: python-dotenv is not installed.
        ValueError: Both or neither of path/text, no variables, or a variable without a value.
        OSError: The file cannot be read.
    """
    if (path is None) == (text is None):
        raise ValueError("pass either path or text (the .env content), not both or neither")
    check_bool("interpolate", interpolate)
    if path is None:
        content = check_str("text", text, allow_empty=True)
    elif not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, not {type(path).__name__}")
    dotenv_values = _dotenv_values()
    if path is None:
        values = dotenv_values(stream=io.StringIO(content), interpolate=interpolate)
    else:
        # Opened here, not by python-dotenv, which reads a missing file as an empty one.
        with open(path, encoding="utf-8") as stream:
            values = dotenv_values(stream=stream, interpolate=interpolate)
    valueless = [name for name, value in values.items() if value is None]
    if valueless:
        raise ValueError(
            "the .env content has variables without a value (a bare NAME line): "
            f"{', '.join(valueless)}; give them a value (NAME=) or remove them"
        )
    if not values:
        raise ValueError("the .env content defines no variables")
    return {name: value for name, value in values.items() if value is not None}
