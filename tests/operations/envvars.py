"""Operations of the environment-variables group."""

from __future__ import annotations

from tests.operations import Op

ENV_VARS = [{"name": "SLACK_API_KEY", "value": "slack_123456", "isSecret": False}]
SUCCESS = {"success": True}
ROOT = "/api/v1/projects/{projectRef}/envvars/{env}"

OPERATIONS = [
    Op("GET", ROOT, lambda c: c.envvars.list("proj_1", "dev"), ENV_VARS),
    Op(
        "POST",
        f"{ROOT}/import",
        lambda c: c.envvars.upload("proj_1", "dev", variables={"A": "1"}),
        SUCCESS,
    ),
    Op(
        "POST",
        ROOT,
        lambda c: c.envvars.create("proj_1", "dev", name="A", value="1"),
        SUCCESS,
    ),
    Op(
        "GET",
        f"{ROOT}/{{name}}",
        lambda c: c.envvars.retrieve("proj_1", "prod", "SLACK_API_KEY"),
        ENV_VARS[0],
        key="tr_pat_0123456789",
    ),
    Op(
        "PUT",
        f"{ROOT}/{{name}}",
        lambda c: c.envvars.update("proj_1", "dev", "A", value="2"),
        SUCCESS,
    ),
    Op("DELETE", f"{ROOT}/{{name}}", lambda c: c.envvars.delete("proj_1", "dev", "A"), SUCCESS),
]
