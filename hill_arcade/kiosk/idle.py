"""Idle timing for kiosk mode: PLAY -> ATTRACT -> (one-shot) RESET, back to PLAY on input."""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import Enum


class IdleState(str, Enum):
    PLAY = "play"  # a visitor is (or was recently) using the exhibit
    ATTRACT = "attract"  # nobody touched it for a while: the demo runs


class IdleAction(str, Enum):
    PLAY = "play"  # a visitor took over from the attract demo
    ATTRACT = "attract"  # start the attract demo
    RESET = "reset"  # restore the pristine model (once per idle period)


class IdleMachine:
    """Tracks time since the last visitor input and reports attract/reset transitions.

    `update()` is polled each frame; `touch()` is called on any visitor input. The reset
    action fires once per idle period; the machine then stays in ATTRACT until touched.
    """

    def __init__(self, attract_after_s: float, reset_after_s: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if attract_after_s <= 0:
            raise ValueError(f"attract_after_s must be > 0, got {attract_after_s}")
        if reset_after_s <= attract_after_s:
            raise ValueError(f"reset_after_s ({reset_after_s}) must be greater than "
                             f"attract_after_s ({attract_after_s})")
        self.attract_after_s = float(attract_after_s)
        self.reset_after_s = float(reset_after_s)
        self._clock = clock
        self._last_input = clock()
        self._state = IdleState.PLAY
        self._reset_done = False
        self._pending: list[IdleAction] = []

    @property
    def state(self) -> IdleState:
        return self._state

    def idle_for(self) -> float:
        """Seconds since the last visitor input."""
        return self._clock() - self._last_input

    def touch(self) -> bool:
        """Record visitor input; True if this hands the exhibit over from the attract demo."""
        self._last_input = self._clock()
        self._reset_done = False
        if self._state is IdleState.ATTRACT:
            self._state = IdleState.PLAY
            self._pending.append(IdleAction.PLAY)
            return True
        return False

    def update(self) -> list[IdleAction]:
        """Transitions and actions since the last call, in order (often empty)."""
        idle = self.idle_for()
        if self._state is IdleState.PLAY and idle >= self.attract_after_s:
            self._state = IdleState.ATTRACT
            self._pending.append(IdleAction.ATTRACT)
        if self._state is IdleState.ATTRACT and not self._reset_done and idle >= self.reset_after_s:
            self._reset_done = True
            self._pending.append(IdleAction.RESET)
        actions, self._pending = self._pending, []
        return actions
