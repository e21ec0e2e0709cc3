"""The models the API returns, one module per resource group."""

from trigger.types.auth import *  # noqa: F403
from trigger.types.auth import __all__ as _auth_all
from trigger.types.batch import *  # noqa: F403
from trigger.types.batch import __all__ as _batch_all
from trigger.types.bulk_actions import *  # noqa: F403
from trigger.types.bulk_actions import __all__ as _bulk_actions_all
from trigger.types.concurrency_limits import *  # noqa: F403
from trigger.types.concurrency_limits import __all__ as _concurrency_limits_all
from trigger.types.dashboards import *  # noqa: F403
from trigger.types.dashboards import __all__ as _dashboards_all
from trigger.types.deployments import *  # noqa: F403
from trigger.types.deployments import __all__ as _deployments_all
from trigger.types.envvars import *  # noqa: F403
from trigger.types.envvars import __all__ as _envvars_all
from trigger.types.errors import *  # noqa: F403
from trigger.types.errors import __all__ as _errors_all
from trigger.types.prompts import *  # noqa: F403
from trigger.types.prompts import __all__ as _prompts_all
from trigger.types.query import *  # noqa: F403
from trigger.types.query import __all__ as _query_all
from trigger.types.queues import *  # noqa: F403
from trigger.types.queues import __all__ as _queues_all
from trigger.types.realtime import *  # noqa: F403
from trigger.types.realtime import __all__ as _realtime_all
from trigger.types.runs import *  # noqa: F403
from trigger.types.runs import __all__ as _runs_all
from trigger.types.schedules import *  # noqa: F403
from trigger.types.schedules import __all__ as _schedules_all
from trigger.types.session_transcripts import *  # noqa: F403
from trigger.types.session_transcripts import __all__ as _session_transcripts_all
from trigger.types.sessions import *  # noqa: F403
from trigger.types.sessions import __all__ as _sessions_all
from trigger.types.streams import *  # noqa: F403
from trigger.types.streams import __all__ as _streams_all
from trigger.types.tasks import *  # noqa: F403
from trigger.types.tasks import __all__ as _tasks_all
from trigger.types.wait import *  # noqa: F403
from trigger.types.wait import __all__ as _wait_all
from trigger.types.webhooks import *  # noqa: F403
from trigger.types.webhooks import __all__ as _webhooks_all

__all__ = [
    *_runs_all,
    *_realtime_all,
    *_queues_all,
    *_concurrency_limits_all,
    *_schedules_all,
    *_envvars_all,
    *_deployments_all,
    *_bulk_actions_all,
    *_errors_all,
    *_auth_all,
    *_query_all,
    *_dashboards_all,
    *_prompts_all,
    *_sessions_all,
    *_streams_all,
    *_session_transcripts_all,
    *_wait_all,
    *_webhooks_all,
    *_batch_all,
    *_tasks_all,
]
