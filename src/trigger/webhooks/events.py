"""The alert webhooks Trigger.dev sends, as typed events (the official ``Webhook`` union).

`construct_event` returns one of `RunFailedWebhook`, `DeploymentSuccessWebhook`,
`DeploymentFailedWebhook` or `ErrorWebhook`; ``event.type`` says which, and ``event.object``
holds what the alert is about. Field names are snake_case over the JSON's camelCase, as in
every model of this SDK; unknown fields are ignored, so a server that adds one never breaks
verification. Required fields are those the official schema requires: a body without one is
refused (`WebhookParseError`), as the official SDK refuses it.
"""

from __future__ import annotations

from datetime import datetime

from trigger._models import Model
from trigger.types.runs import TaskRunError

__all__ = [
    "WEBHOOK_TYPES",
    "AlertDeployment",
    "AlertEnvironment",
    "AlertOrganization",
    "AlertProject",
    "AlertRun",
    "AlertTask",
    "DeployError",
    "DeployedTask",
    "DeploymentFailedObject",
    "DeploymentFailedWebhook",
    "DeploymentGit",
    "DeploymentSuccessObject",
    "DeploymentSuccessWebhook",
    "DeploymentVercel",
    "ErrorGroupDetails",
    "ErrorGroupEnvironment",
    "ErrorGroupObject",
    "ErrorWebhook",
    "FailedDeployment",
    "RunFailedObject",
    "RunFailedWebhook",
    "SucceededDeployment",
    "Webhook",
]


class AlertOrganization(Model, kw_only=True):
    """The organization an alert belongs to."""

    id: str
    """Organization id."""
    slug: str
    """Organization slug."""
    name: str
    """Organization name."""


class AlertProject(Model, kw_only=True):
    """The project an alert belongs to."""

    id: str
    """Project id (internal)."""
    ref: str
    """Project ref (``proj_…``)."""
    slug: str
    """Project slug."""
    name: str
    """Project name."""


class AlertEnvironment(Model, kw_only=True):
    """The environment of a run or deployment alert."""

    id: str
    """Environment id."""
    type: str
    """``PRODUCTION``, ``STAGING``, ``DEVELOPMENT`` or ``PREVIEW``."""
    slug: str
    """Environment slug."""
    branch_name: str | None = None
    """The branch, for a preview branch environment."""


# -- alert.run.failed -----------------------------------------------------------------------


class AlertTask(Model, kw_only=True):
    """The task of a failed run."""

    id: str
    """Task identifier."""
    file_path: str
    """File the task is defined in (``"Unknown"`` when the server does not know)."""
    export_name: str | None = None
    """Name of the exported task."""
    version: str
    """Worker version the run executed on."""
    sdk_version: str
    """SDK version of the worker."""
    cli_version: str
    """CLI version that built the worker."""


class AlertRun(Model, kw_only=True):
    """The failed run."""

    id: str
    """Run id (``run_…``)."""
    number: int
    """Run number within its task."""
    status: str
    """The run's status (current API vocabulary, e.g. ``FAILED``, ``CRASHED``)."""
    created_at: datetime
    """When the run was created."""
    started_at: datetime | None = None
    """When it started executing."""
    completed_at: datetime | None = None
    """When it finished."""
    is_test: bool
    """Whether it is a test run."""
    idempotency_key: str | None = None
    """Its idempotency key."""
    tags: list[str]
    """Its tags."""
    error: TaskRunError
    """Why it failed."""
    is_out_of_memory_error: bool
    """Whether it ran out of memory."""
    machine: str
    """Machine preset it ran on."""
    dashboard_url: str
    """The run's page in the dashboard."""


class RunFailedObject(Model, kw_only=True):
    """What an ``alert.run.failed`` alert is about."""

    task: AlertTask
    """The run's task."""
    run: AlertRun
    """The run."""
    environment: AlertEnvironment
    """Its environment."""
    organization: AlertOrganization
    """Its organization."""
    project: AlertProject
    """Its project."""


# -- alert.deployment.success / alert.deployment.failed -------------------------------------


class DeploymentGit(Model, kw_only=True):
    """Git metadata of the deployed source."""

    branch: str
    """Branch."""
    commit_sha: str
    """Commit SHA."""
    commit_message: str
    """Commit message."""
    commit_url: str
    """Link to the commit."""
    branch_url: str
    """Link to the branch."""
    pull_request_number: int | None = None
    """Pull request number."""
    pull_request_title: str | None = None
    """Pull request title."""
    pull_request_url: str | None = None
    """Link to the pull request."""
    provider: str | None = None
    """Git provider, e.g. ``github``."""


class DeploymentVercel(Model, kw_only=True):
    """Vercel integration data of a deployment."""

    deployment_url: str
    """The Vercel deployment's URL."""


class AlertDeployment(Model, kw_only=True):
    """The fields every deployment alert has about its deployment."""

    id: str
    """Deployment id."""
    status: str
    """Deployment status."""
    version: str
    """Deployed version."""
    short_code: str
    """Short code of the deployment."""


class SucceededDeployment(AlertDeployment, kw_only=True):
    """A deployment that succeeded."""

    deployed_at: datetime
    """When it was deployed."""


class FailedDeployment(AlertDeployment, kw_only=True):
    """A deployment that failed."""

    failed_at: datetime
    """When it failed."""


class DeployedTask(Model, kw_only=True):
    """A task of a successful deployment."""

    id: str
    """Task identifier."""
    file_path: str
    """File the task is defined in."""
    export_name: str | None = None
    """Name of the exported task."""
    trigger_source: str
    """What triggers it, e.g. ``STANDARD`` or ``SCHEDULED``."""


class DeployError(Model, kw_only=True):
    """Why a deployment failed."""

    name: str
    """Error name."""
    message: str
    """Error message."""
    stack: str | None = None
    """Stack trace."""
    stderr: str | None = None
    """Standard error output of the build."""


class DeploymentSuccessObject(Model, kw_only=True):
    """What an ``alert.deployment.success`` alert is about."""

    environment: AlertEnvironment
    """The environment deployed to."""
    organization: AlertOrganization
    """The organization."""
    project: AlertProject
    """The project."""
    git: DeploymentGit | None = None
    """Git metadata, when the deployment came from git."""
    vercel: DeploymentVercel | None = None
    """Vercel data, when deployed through the Vercel integration."""
    deployment: SucceededDeployment
    """The deployment."""
    tasks: list[DeployedTask]
    """The deployed tasks."""


class DeploymentFailedObject(Model, kw_only=True):
    """What an ``alert.deployment.failed`` alert is about."""

    environment: AlertEnvironment
    """The environment deployed to."""
    organization: AlertOrganization
    """The organization."""
    project: AlertProject
    """The project."""
    git: DeploymentGit | None = None
    """Git metadata, when the deployment came from git."""
    vercel: DeploymentVercel | None = None
    """Vercel data, when deployed through the Vercel integration."""
    deployment: FailedDeployment
    """The deployment."""
    error: DeployError
    """Why it failed."""


# -- alert.error ----------------------------------------------------------------------------


class ErrorGroupDetails(Model, kw_only=True):
    """The error of an error-group alert."""

    fingerprint: str
    """The error group's fingerprint."""
    type: str
    """Error type."""
    message: str
    """Error message."""
    stack_trace: str | None = None
    """A sample stack trace."""
    first_seen: datetime
    """When it was first seen."""
    last_seen: datetime
    """When it was last seen."""
    occurrence_count: int
    """How many times it occurred."""
    task_identifier: str
    """The task it occurs in."""


class ErrorGroupEnvironment(Model, kw_only=True):
    """The environment of an error-group alert."""

    id: str
    """Environment id."""
    name: str
    """Environment name."""


class ErrorGroupObject(Model, kw_only=True):
    """What an ``alert.error`` alert is about."""

    classification: str
    """``new_issue``, ``regression`` or ``unignored``."""
    error: ErrorGroupDetails
    """The error."""
    environment: ErrorGroupEnvironment
    """Its environment."""
    organization: AlertOrganization
    """Its organization."""
    project: AlertProject
    """Its project."""
    dashboard_url: str
    """The error group's page in the dashboard."""


# -- the events -----------------------------------------------------------------------------


class _WebhookFields(Model, kw_only=True):
    id: str
    """The alert's id (the same on every redelivery of it)."""
    created: datetime
    """When the alert was created."""
    webhook_version: str
    """Version of the payload format (``v1``)."""

    @property
    def type(self) -> str:
        """The event type: ``alert.run.failed``, ``alert.deployment.success`` …"""
        tag: str = self.__struct_config__.tag  # type: ignore[assignment]
        return tag


class RunFailedWebhook(_WebhookFields, kw_only=True, tag_field="type", tag="alert.run.failed"):
    """``alert.run.failed``: a run failed after its last attempt."""

    object: RunFailedObject
    """The task, run, environment, organization and project."""


class DeploymentSuccessWebhook(
    _WebhookFields, kw_only=True, tag_field="type", tag="alert.deployment.success"
):
    """``alert.deployment.success``: a deployment finished."""

    object: DeploymentSuccessObject
    """The deployment and its tasks."""


class DeploymentFailedWebhook(
    _WebhookFields, kw_only=True, tag_field="type", tag="alert.deployment.failed"
):
    """``alert.deployment.failed``: a deployment failed."""

    object: DeploymentFailedObject
    """The deployment and its error."""


class ErrorWebhook(_WebhookFields, kw_only=True, tag_field="type", tag="alert.error"):
    """``alert.error``: an error group is new, regressed or no longer ignored."""

    object: ErrorGroupObject
    """The error group."""


Webhook = RunFailedWebhook | DeploymentSuccessWebhook | DeploymentFailedWebhook | ErrorWebhook
"""Any alert event `construct_event` returns; ``event.type`` tells them apart."""

WEBHOOK_TYPES: frozenset[str] = frozenset(
    {"alert.run.failed", "alert.deployment.success", "alert.deployment.failed", "alert.error"}
)
"""The event types `construct_event` knows (any other is refused, as officially)."""
