"""Study time limits: pure countdown logic with an injectable clock."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from hill_arcade.config import StudyConfig


@dataclass
class Countdown:
    """A time limit of `limit_s` seconds from `started_at`; `limit_s=None` never expires."""

    limit_s: float | None
    started_at: float
    clock: Callable[[], float] = time.time

    def elapsed(self, now: float | None = None) -> float:
        """Seconds since the start."""
        return (self.clock() if now is None else now) - self.started_at

    def remaining(self, now: float | None = None) -> float:
        """Seconds left, never negative; `math.inf` without a limit."""
        if self.limit_s is None:
            return math.inf
        return max(0.0, self.limit_s - self.elapsed(now))

    def expired(self, now: float | None = None) -> bool:
        """True once the limit has been reached."""
        return self.limit_s is not None and self.elapsed(now) >= self.limit_s


def scenario_countdown(cfg: StudyConfig, started_at: float,
                       clock: Callable[[], float] = time.time) -> Countdown:
    """Countdown for one scenario from `study.scenario_time_limit_s`."""
    return Countdown(cfg.scenario_time_limit_s, started_at, clock)


def session_countdown(cfg: StudyConfig, started_at: float,
                      clock: Callable[[], float] = time.time) -> Countdown:
    """Countdown for the whole session from `study.session_time_limit_s`."""
    return Countdown(cfg.session_time_limit_s, started_at, clock)


def time_limit_action(cfg: StudyConfig, *countdowns: Countdown,
                      now: float | None = None) -> str | None:
    """`cfg.on_time_limit` ("finish_round" / "end_scenario") if any countdown expired, else None."""
    if any(cd.expired(now) for cd in countdowns):
        return cfg.on_time_limit
    return None


def format_remaining(seconds: float) -> str:
    """`m:ss` for display ("--:--" without a limit)."""
    if math.isinf(seconds):
        return "--:--"
    total = int(math.ceil(seconds))
    return f"{total // 60}:{total % 60:02d}"
