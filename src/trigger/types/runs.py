"""Models of runs and what hangs off them (events, traces, spans, results, metadata)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, get_args

import msgspec

from trigger._models import Model

__all__ = [
    "FINAL_RUN_STATUSES",
    "LEGACY_RUN_STATUSES",
    "RUN_STATUSES",
    "IdResponse",
    "LegacyRunStatus",
    "ListedRun",
    "MessageResponse",
    "RelatedRun",
    "RelatedRuns",
    "Run",
    "RunEnvironment",
    "RunError",
    "RunEvent",
    "RunEventStyle",
    "RunEvents",
    "RunMetadata",
    "RunMetadataSnapshot",
    "RunSchedule",
    "RunStatus",
    "RunTrace",
    "RunTracePage",
    "ScheduleGenerator",
    "SpanDetail",
    "TaskRunError",
    "TaskRunExecutionResult",
    "TaskRunUsage",
    "Trace",
    "TraceAttemptFailure",
    "TracePagePagination",
    "TraceSpan",
    "TraceSpanData",
    "TraceSpanRow",
]

RunStatus = Literal[
    "PENDING_VERSION",
    "DELAYED",
    "QUEUED",
    "DEQUEUED",
    "EXECUTING",
    "WAITING",
    "COMPLETED",
    "CANCELED",
    "FAILED",
    "CRASHED",
    "SYSTEM_FAILURE",
    "EXPIRED",
    "TIMED_OUT",
]
"""A run status as the API reports it (API version ``2025-07-16``, which this SDK sends)."""

LegacyRunStatus = Literal["WAITING_FOR_DEPLOY", "REATTEMPTING", "FROZEN", "INTERRUPTED"]
"""A status name of the older API vocabulary that the run-list filter still accepts.

Each matches rows the current names do not single out: ``INTERRUPTED`` runs show as
``FAILED`` but only ``INTERRUPTED`` selects them; ``WAITING_FOR_DEPLOY`` runs show as
``PENDING_VERSION``; ``REATTEMPTING`` selects runs retrying after a failure (shown as
``EXECUTING``); ``FROZEN`` selects paused and waiting-to-resume runs (shown as ``WAITING``).
"""

RUN_STATUSES: frozenset[str] = frozenset(get_args(RunStatus))
"""Every run status the API reports (the values of `RunStatus`)."""

LEGACY_RUN_STATUSES: frozenset[str] = frozenset(get_args(LegacyRunStatus))
"""The older status names the run-list filter also accepts (the values of `LegacyRunStatus`)."""

FINAL_RUN_STATUSES = frozenset(
    {"COMPLETED", "CANCELED", "FAILED", "CRASHED", "SYSTEM_FAILURE", "EXPIRED", "TIMED_OUT"}
    | {"INTERRUPTED"}  # legacy vocabulary, still final if a server sends it
)
"""Statuses after which a run never changes again (what `runs.poll` waits for)."""


class IdResponse(Model, kw_only=True):
    """A response that only names the affected object (cancel, replay, delete, abort...)."""

    id: str
    """The object's id (for a replay: the new run's)."""


class MessageResponse(Model, kw_only=True):
    """A response carrying only a human-readable message."""

    message: str = ""
    """What the server did."""


class _RunFields(Model, kw_only=True):
    """Fields every run object carries.

    Statuses are plain strings (one of `RUN_STATUSES` today), so a status a newer server adds
    still decodes; see `FINAL_RUN_STATUSES`.
    """

    id: str
    """Run id, ``run_…``."""
    status: str
    """Current status, e.g. ``QUEUED``, ``EXECUTING``, ``COMPLETED``."""
    task_identifier: str = ""
    """The task this run executes."""
    idempotency_key: str | None = None
    """The (hashed) idempotency key the run was triggered with."""
    version: str | None = None
    """Worker version that ran or will run it."""
    is_queued: bool = False
    """Waiting to start."""
    is_executing: bool = False
    """Running now."""
    is_waiting: bool = False
    """Paused on a wait."""
    is_completed: bool = False
    """Finished (note: the server does not count EXPIRED or TIMED_OUT as completed)."""
    is_success: bool = False
    """Finished with status COMPLETED."""
    is_failed: bool = False
    """Finished without success."""
    is_cancelled: bool = False
    """Canceled."""
    is_test: bool = False
    """Triggered as a test run."""
    created_at: datetime | None = None
    """When the run was created."""
    updated_at: datetime | None = None
    """When the run last changed."""
    started_at: datetime | None = None
    """When execution started."""
    finished_at: datetime | None = None
    """When the run finished."""
    delayed_until: datetime | None = None
    """For delayed runs: when they become queued."""
    ttl: str | int | float | None = None
    """Time to live while queued: a duration such as ``"10m"``, or seconds."""
    expired_at: datetime | None = None
    """When the run expired, if it did."""
    tags: list[str] = msgspec.field(default_factory=list)
    """Tags of the run."""
    cost_in_cents: float = 0
    """Compute cost so far."""
    base_cost_in_cents: float = 0
    """Invocation cost."""
    duration_ms: float = 0
    """Execution time so far."""
    metadata: dict[str, Any] | None = None
    """Metadata attached to the run."""
    task_kind: str | None = None
    """Kind of task (standard, scheduled, ...)."""
    region: str | None = None
    """Region the run executes in."""

    @property
    def is_final(self) -> bool:
        """Whether the status can no longer change."""
        return self.status in FINAL_RUN_STATUSES


class RunEnvironment(Model, kw_only=True):
    """The environment a listed run belongs to."""

    id: str
    """Environment id."""
    name: str
    """Environment slug: ``dev``, ``stg``, ``prod`` or ``preview``."""
    user: str | None = None
    """For dev environments: whose."""


class ListedRun(_RunFields, kw_only=True):
    """A run as it appears in `runs.list` results."""

    env: RunEnvironment | None = None
    """The environment of the run."""
    depth: int = 0
    """Nesting depth: 0 for a root run."""


class RunError(Model, kw_only=True):
    """Why a run failed."""

    message: str = ""
    """Error message."""
    name: str | None = None
    """Error class name."""
    stack_trace: str | None = None
    """Stack trace, when known."""


class ScheduleGenerator(Model, kw_only=True):
    """What produces a schedule's runs."""

    type: str = "CRON"
    """Generator type; ``CRON``."""
    expression: str = ""
    """The cron expression."""
    description: str = ""
    """The expression in words."""


class RunSchedule(Model, kw_only=True):
    """The schedule that triggered a run."""

    id: str
    """Schedule id, ``sched_…``."""
    external_id: str | None = None
    """Your id for the schedule."""
    deduplication_key: str | None = None
    """The schedule's deduplication key."""
    generator: ScheduleGenerator | None = None
    """The cron generator."""


class RelatedRun(_RunFields, kw_only=True):
    """A run related to another one (its root, parent or a child)."""

    depth: int = 0
    """Nesting depth."""
    trigger_function: str | None = None
    """How it was triggered: ``trigger``, ``triggerAndWait``, ``batchTrigger``..."""
    batch_id: str | None = None
    """The batch it belongs to."""


class RelatedRuns(Model, kw_only=True):
    """Runs related to a retrieved run."""

    root: RelatedRun | None = None
    """The root of the run tree."""
    parent: RelatedRun | None = None
    """The run that triggered this one."""
    children: list[RelatedRun] = msgspec.field(default_factory=list)
    """Runs this one triggered."""


class Run(_RunFields, kw_only=True):
    """A run with everything `runs.retrieve` returns."""

    depth: int = 0
    """Nesting depth: 0 for a root run."""
    trigger_function: str | None = None
    """How it was triggered: ``trigger``, ``triggerAndWait``, ``batchTrigger``..."""
    batch_id: str | None = None
    """The batch it belongs to."""
    payload: Any = None
    """The payload, when small enough to be sent inline."""
    payload_presigned_url: str | None = None
    """Short-lived URL of an offloaded payload."""
    output: Any = None
    """The output, when finished and small enough to be sent inline."""
    output_presigned_url: str | None = None
    """Short-lived URL of an offloaded output."""
    error: RunError | None = None
    """Why the run failed."""
    schedule: RunSchedule | None = None
    """The schedule that triggered it."""
    related_runs: RelatedRuns = msgspec.field(default_factory=RelatedRuns)
    """Root, parent and children."""
    attempt_count: int = 0
    """How many attempts were made."""
    attempts: list[Any] = msgspec.field(default_factory=list)
    """Legacy; the server now always sends an empty list."""


class RunMetadata(Model, kw_only=True):
    """The metadata of a run after an update."""

    metadata: dict[str, Any] = msgspec.field(default_factory=dict)
    """The metadata object."""


class RunMetadataSnapshot(Model, kw_only=True):
    """The stored metadata of a run, as the server keeps it (serialized)."""

    metadata: str | None = None
    """The serialized metadata, to be decoded per `metadata_type`."""
    metadata_type: str | None = None
    """Content type of `metadata`, e.g. ``application/json``."""


class RunEventStyle(Model, kw_only=True):
    """How the dashboard draws an event."""

    icon: str | None = None
    """Icon name."""
    variant: str | None = None
    """Visual variant."""
    accessory: dict[str, Any] | None = None
    """Extra decoration."""


class RunEvent(Model, kw_only=True):
    """One event (span or log) recorded for a run."""

    span_id: str
    """The span id."""
    parent_id: str | None = None
    """Parent span."""
    run_id: str | None = None
    """The run."""
    message: str = ""
    """Event message."""
    start_time: str = ""
    """Start, in nanoseconds since the Unix epoch (as a string)."""
    duration: float = 0
    """Duration in nanoseconds."""
    is_error: bool = False
    """Whether it is an error."""
    is_partial: bool = False
    """Whether it is still open."""
    is_cancelled: bool = False
    """Whether it was cancelled."""
    level: str = "TRACE"
    """Log level."""
    kind: str | None = None
    """Span kind."""
    attempt_number: int | None = None
    """Attempt it belongs to."""
    task_slug: str | None = None
    """Task identifier."""
    events: list[dict[str, Any]] = msgspec.field(default_factory=list)
    """Nested span events."""
    style: RunEventStyle | None = None
    """Display hints."""


class RunEvents(Model, kw_only=True):
    """The events of a run."""

    events: list[RunEvent] = msgspec.field(default_factory=list)
    """The events, oldest first."""


class TraceSpanData(Model, kw_only=True):
    """What a trace span recorded."""

    message: str = ""
    """Span message."""
    task_slug: str | None = None
    """Task identifier."""
    task_path: str | None = None
    """File of the task."""
    events: list[dict[str, Any]] = msgspec.field(default_factory=list)
    """Span events."""
    start_time: datetime | None = None
    """Start time."""
    duration: float = 0
    """Duration in nanoseconds."""
    is_error: bool = False
    """Whether it is an error."""
    is_partial: bool = False
    """Whether it is still open."""
    is_cancelled: bool = False
    """Whether it was cancelled."""
    level: str = "TRACE"
    """Log level."""
    worker_version: str | None = None
    """Worker version."""
    queue_name: str | None = None
    """Queue."""
    machine_preset: str | None = None
    """Machine preset."""
    properties: dict[str, Any] | None = None
    """Attributes."""
    output: Any = None
    """Output recorded on the span."""


class TraceSpan(Model, kw_only=True):
    """A span of a run's trace, with its children."""

    id: str
    """Span id."""
    parent_id: str | None = None
    """Parent span id."""
    run_id: str = ""
    """Run the span belongs to."""
    data: TraceSpanData = msgspec.field(default_factory=TraceSpanData)
    """What the span recorded."""
    children: list[TraceSpan] = msgspec.field(default_factory=list)
    """Child spans."""


class Trace(Model, kw_only=True):
    """A trace tree."""

    trace_id: str
    """Trace id."""
    root_span: TraceSpan
    """The span of the run itself."""


class RunTrace(Model, kw_only=True):
    """The trace of a run (the subtree rooted at that run)."""

    trace: Trace
    """The trace."""


class TraceSpanRow(Model, kw_only=True):
    """One span of a run's trace as a flat row (`runs.trace_page`); ``parent_id`` rebuilds
    the tree."""

    id: str
    """Span id."""
    parent_id: str | None = None
    """Parent span id (``None`` for the root)."""
    run_id: str = ""
    """Run the span belongs to."""
    message: str = ""
    """Span message."""
    start_time: datetime
    """When the span started."""
    duration: int = 0
    """How long it lasted, in nanoseconds (so far, for an open span)."""
    is_error: bool = False
    """Whether it ended in an error."""
    is_partial: bool = False
    """Whether it is still open."""
    is_cancelled: bool = False
    """Whether it was cancelled."""
    level: str = ""
    """Log level (``TRACE``, ``INFO``...)."""
    attempt_number: int | None = None
    """The attempt the span belongs to."""


class TraceAttemptFailure(Model, kw_only=True):
    """An attempt of the run that failed, and its span."""

    span_id: str
    """The attempt's span id."""
    attempt_number: int
    """Which attempt (from 1)."""
    run_id: str = ""
    """The run."""


class TracePagePagination(Model, kw_only=True):
    """Where the next page of a trace starts."""

    next: str | None = None
    """The cursor of the next page (pass it as ``after``), or ``None`` on the last."""
    truncated: bool | None = None
    """Whether the server cut the trace short."""


class RunTracePage(Model, kw_only=True):
    """A page of a run's trace as flat spans (`runs.trace_page`)."""

    data: list[TraceSpanRow] = msgspec.field(default_factory=list)
    """The spans of this page, oldest first."""
    attempt_failures: list[TraceAttemptFailure] = msgspec.field(default_factory=list)
    """The attempts that failed."""
    pagination: TracePagePagination = msgspec.field(default_factory=TracePagePagination)
    """The next page's cursor."""


class SpanDetail(Model, kw_only=True):
    """Everything recorded for one span."""

    span_id: str
    """Span id."""
    parent_id: str | None = None
    """Parent span id."""
    run_id: str = ""
    """Run id."""
    message: str = ""
    """Span message."""
    is_error: bool = False
    """Whether it is an error."""
    is_partial: bool = False
    """Whether it is still open."""
    is_cancelled: bool = False
    """Whether it was cancelled."""
    level: str = "TRACE"
    """Log level."""
    start_time: datetime | None = None
    """Start time."""
    duration_ms: float = 0
    """Duration in milliseconds."""
    properties: dict[str, Any] | None = None
    """Attributes."""
    events: list[dict[str, Any]] = msgspec.field(default_factory=list)
    """Span events."""
    entity_type: str | None = None
    """What the span represents."""
    ai: dict[str, Any] | None = None
    """AI usage details (model, tokens, cost) for AI spans."""
    triggered_runs: list[dict[str, Any]] = msgspec.field(default_factory=list)
    """Runs triggered inside the span."""


class TaskRunError(Model, kw_only=True):
    """A run failure; `type` is BUILT_IN_ERROR, CUSTOM_ERROR, STRING_ERROR or INTERNAL_ERROR."""

    type: str
    """Error kind."""
    name: str | None = None
    """Error class (built-in errors)."""
    message: str | None = None
    """Error message."""
    stack_trace: str | None = None
    """Stack trace."""
    raw: str | None = None
    """Serialized value (custom and string errors)."""
    code: str | None = None
    """Internal error code."""


class TaskRunUsage(Model, kw_only=True):
    """Resources a run used."""

    duration_ms: float = 0
    """Execution time."""


class TaskRunExecutionResult(Model, kw_only=True):
    """The outcome of a finished run: ``ok`` with an output, or not ok with an error."""

    id: str
    """Run id."""
    ok: bool
    """Whether the run succeeded."""
    output: str | None = None
    """The serialized output, to be decoded per `output_type`."""
    output_type: str | None = None
    """Content type of `output`, e.g. ``application/json``."""
    error: TaskRunError | None = None
    """Why it failed."""
    retry: dict[str, Any] | None = None
    """Retry that was scheduled, if any."""
    skipped_retrying: bool | None = None
    """Whether retrying was skipped."""
    usage: TaskRunUsage | None = None
    """Resources used."""
    task_identifier: str | None = None
    """The task."""

    def json_output(self) -> Any:
        """The output decoded from JSON (``None`` when there is none)."""
        if self.output is None:
            return None
        return msgspec.json.decode(self.output)
