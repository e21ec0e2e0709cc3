"""The models the API returns, one module per resource group."""

from trigger.types.runs import *  # noqa: F403
from trigger.types.runs import __all__ as _runs_all

__all__ = [*_runs_all]
