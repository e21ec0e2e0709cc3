"""The ``trigger emulator`` flags of fault injection: ``--fault``, ``--fault-seed``,
``--rate-limit``, and the banner lines that show what they set.

Each flag's value is checked as argparse parses it, so a bad rule stops the command with
``trigger emulator: error: argument --fault: <what is wrong>`` (exit status 2).
"""

from __future__ import annotations

import argparse
from typing import Any

from trigger.emulator.faults import Fault, Faults, RateLimit, parse_fault, parse_rate_limit

__all__ = ["add_fault_arguments", "banner_lines", "emulator_options"]


def _fault(text: str) -> Fault:
    try:
        return parse_fault(text)
    except (TypeError, ValueError) as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _rate_limit(text: str) -> RateLimit:
    try:
        return parse_rate_limit(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def add_fault_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--fault``, ``--fault-seed`` and ``--rate-limit`` to ``parser``."""
    parser.add_argument(
        "--fault",
        action="append",
        type=_fault,
        default=[],
        metavar="RULE",
        help="a fault rule, e.g. 'POST /api/v1/tasks/*/trigger status=503 times=2' "
        "(repeatable; see the Fault injection page)",
    )
    parser.add_argument(
        "--fault-seed", type=int, default=None, metavar="N", help="seed of the faults' chances"
    )
    parser.add_argument(
        "--rate-limit",
        nargs="?",
        const="",
        type=_rate_limit,
        default=None,
        metavar="SETTINGS",
        help="run the real rate limiter (750 requests, 250 more every 10 s), or "
        "'limit=5 refill=5 interval=1s'",
    )


def emulator_options(options: argparse.Namespace) -> dict[str, Any]:
    """The `Emulator` arguments the parsed flags give."""
    return {
        "faults": options.fault,
        "fault_seed": options.fault_seed,
        "rate_limit": options.rate_limit,
    }


def banner_lines(faults: Faults) -> str:
    """What the banner adds for the rules, their seed and the rate limiter ("" if none)."""
    lines = [f"  fault        {rule.id}: {rule.fault.spec}" for rule in faults.list()]
    if lines:
        lines.append(f"  fault seed   {faults.seed}")
    limit = faults.rate_limit
    if limit is not None:
        refill = "" if limit.refill >= limit.limit else f", {limit.refill} more"
        lines.append(
            f"  rate limit   {limit.limit} requests{refill} every {limit.interval:g} s "
            f"({limit.jwt_limit} every {limit.jwt_window:g} s per public token)"
        )
    return "".join(f"\n{line}" for line in ["", *lines]) if lines else ""
