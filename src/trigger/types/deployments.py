"""Models of deployments: list rows, full details, and the answer to a promotion."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from trigger._models import Model

__all__ = [
    "DEPLOYMENT_STATUSES",
    "Deployment",
    "DeploymentError",
    "DeploymentIntegration",
    "DeploymentTask",
    "DeploymentWorker",
    "LatestDeployment",
    "ListedDeployment",
    "PromotedDeployment",
]

DEPLOYMENT_STATUSES = frozenset(
    {
        "PENDING",
        "INSTALLING",
        "BUILDING",
        "DEPLOYING",
        "DEPLOYED",
        "FAILED",
        "CANCELED",
        "TIMED_OUT",
    }
)
"""Every status a deployment can have (``deployments.list`` filters on all but INSTALLING)."""


class DeploymentError(Model, kw_only=True):
    """Why a deployment failed."""

    name: str = ""
    """Error class name."""
    message: str = ""
    """Error message."""
    stack: str | None = None
    """Stack trace, when known."""
    stderr: str | None = None
    """Standard error of the failing build or indexing step, when captured."""


class ListedDeployment(Model, kw_only=True):
    """A deployment as `deployments.list` and `deployments.retrieve_current` return it."""

    id: str
    """Deployment id."""
    status: str
    """Status, e.g. ``DEPLOYED`` (see `DEPLOYMENT_STATUSES`)."""
    created_at: datetime
    """When the deployment was created."""
    short_code: str = ""
    """The deployment's short code."""
    version: str = ""
    """The version it deployed, e.g. ``20250228.1``."""
    runtime: str | None = None
    """Runtime, e.g. ``node``."""
    runtime_version: str | None = None
    """Version of the runtime."""
    deployed_at: datetime | None = None
    """When it reached ``DEPLOYED``; ``None`` before that."""
    git: dict[str, Any] | None = None
    """Git metadata (commit, branch, ...), when the deployment has any."""
    error: DeploymentError | None = None
    """Why it failed, for failed deployments."""


class DeploymentTask(Model, kw_only=True):
    """A task found in a deployed worker."""

    id: str
    """Task id."""
    slug: str
    """The task identifier used to trigger it."""
    file_path: str = ""
    """Source file that defines it."""
    export_name: str | None = None
    """Name it is exported under."""


class DeploymentWorker(Model, kw_only=True):
    """The worker a deployment built."""

    id: str
    """Worker id."""
    version: str = ""
    """Worker version."""
    tasks: list[DeploymentTask] = msgspec.field(default_factory=list)
    """The tasks it runs."""


class DeploymentIntegration(Model, kw_only=True):
    """A deployment made through an integration (e.g. a Git provider)."""

    id: str
    """Id of the record."""
    integration_name: str = ""
    """The integration's name."""
    integration_deployment_id: str = ""
    """The deployment's id on the integration's side."""
    commit_sha: str | None = msgspec.field(default=None, name="commitSHA")
    """Commit deployed."""
    created_at: datetime | None = None
    """When it was recorded."""


class _DeploymentFields(Model, kw_only=True):
    """Fields of `Deployment` and `LatestDeployment`."""

    id: str
    """Deployment id."""
    status: str
    """Status, e.g. ``DEPLOYED`` (see `DEPLOYMENT_STATUSES`)."""
    content_hash: str = ""
    """Hash of the deployed content."""
    short_code: str = ""
    """The deployment's short code."""
    version: str = ""
    """The version it deployed, e.g. ``20250228.1``."""
    image_reference: str | None = None
    """The built image."""
    error_data: DeploymentError | None = None
    """Why it failed, for failed deployments."""


class LatestDeployment(_DeploymentFields, kw_only=True):
    """The latest unmanaged deployment, as `deployments.retrieve_latest` returns it."""


class Deployment(_DeploymentFields, kw_only=True):
    """A deployment with everything `deployments.retrieve` returns."""

    image_platform: str = ""
    """Platform of the image, e.g. ``linux/amd64``."""
    commit_sha: str | None = msgspec.field(default=None, name="commitSHA")
    """Commit deployed, when known."""
    external_build_data: dict[str, Any] | None = None
    """Data of an external build, if one was used."""
    canceled_reason: str | None = None
    """Why it was canceled, for canceled deployments."""
    worker: DeploymentWorker | None = None
    """The worker it built, once indexed."""
    integration_deployments: list[DeploymentIntegration] | None = None
    """Deployments of it made through integrations."""


class PromotedDeployment(Model, kw_only=True):
    """The deployment `deployments.promote` made current."""

    id: str
    """Deployment id."""
    version: str = ""
    """Its version."""
    short_code: str = ""
    """Its short code."""
