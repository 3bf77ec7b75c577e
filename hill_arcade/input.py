"""SDL events -> typed pointer / key events with pointer ids (mouse 0, fingers finger_id)."""

from __future__ import annotations

from dataclasses import dataclass

import pygame

MOUSE_ID = 0
DOUBLE_CLICK_MS = 400
DOUBLE_CLICK_PX = 8


@dataclass(frozen=True)
class PointerDown:
    pid: int
    pos: tuple[float, float]
    button: int = 1  # 1 left, 2 middle, 3 right; fingers are 1
    mod: int = 0
    double: bool = False
    touch: bool = False


@dataclass(frozen=True)
class PointerMove:
    pid: int
    pos: tuple[float, float]
    rel: tuple[float, float] = (0.0, 0.0)
    mod: int = 0
    touch: bool = False


@dataclass(frozen=True)
class PointerUp:
    pid: int
    pos: tuple[float, float]
    button: int = 1
    mod: int = 0
    touch: bool = False


@dataclass(frozen=True)
class Wheel:
    pos: tuple[float, float]
    dy: float
    mod: int = 0


@dataclass(frozen=True)
class Key:
    key: int
    mod: int = 0
    unicode: str = ""


InputEvent = PointerDown | PointerMove | PointerUp | Wheel | Key


class InputTranslator:
    """Stateful converter (remembers the mouse position, double-click timing, key mods)."""

    def __init__(self) -> None:
        self.mouse_pos: tuple[float, float] = (0.0, 0.0)
        self._last_down: dict[tuple[bool, int], tuple[int, tuple[float, float]]] = {}

    def translate(self, event: pygame.event.Event, window_size: tuple[int, int],
                  now_ms: int | None = None) -> InputEvent | None:
        """One typed event, or None for events that are dropped or not input."""
        now = pygame.time.get_ticks() if now_ms is None else now_ms
        t = event.type
        if t in (pygame.MOUSEBUTTONDOWN, pygame.MOUSEBUTTONUP, pygame.MOUSEMOTION):
            if getattr(event, "touch", False):
                return None  # SDL's mouse emulation of a finger: the FINGER event is used
            pos = tuple(float(v) for v in event.pos)
            self.mouse_pos = pos
            mod = self._mod(event)
            if t == pygame.MOUSEMOTION:
                return PointerMove(MOUSE_ID, pos, tuple(map(float, event.rel)), mod)
            if event.button in (4, 5):  # legacy wheel buttons; MOUSEWHEEL handles these
                return None
            if t == pygame.MOUSEBUTTONDOWN:
                double = event.button == 1 and self._is_double((False, MOUSE_ID), pos, now)
                return PointerDown(MOUSE_ID, pos, event.button, mod, double)
            return PointerUp(MOUSE_ID, pos, event.button, mod)
        if t == pygame.MOUSEWHEEL:
            dy = float(getattr(event, "precise_y", event.y) or event.y)
            return Wheel(self.mouse_pos, dy, self._mod(event))
        if t in (pygame.FINGERDOWN, pygame.FINGERUP, pygame.FINGERMOTION):
            w, h = window_size
            pid = int(event.finger_id)
            pos = (float(event.x) * w, float(event.y) * h)
            if t == pygame.FINGERDOWN:
                double = self._is_double((True, pid), pos, now)
                return PointerDown(pid, pos, 1, 0, double, touch=True)
            if t == pygame.FINGERUP:
                return PointerUp(pid, pos, 1, 0, touch=True)
            rel = (float(getattr(event, "dx", 0.0)) * w, float(getattr(event, "dy", 0.0)) * h)
            return PointerMove(pid, pos, rel, 0, touch=True)
        if t == pygame.KEYDOWN:
            return Key(event.key, int(getattr(event, "mod", 0)), getattr(event, "unicode", ""))
        return None

    def _mod(self, event: pygame.event.Event) -> int:
        mod = getattr(event, "mod", None)  # injected events may carry their own modifiers
        return int(mod) if mod is not None else int(pygame.key.get_mods())

    def _is_double(self, pid: tuple[bool, int], pos: tuple[float, float], now: int) -> bool:
        last = self._last_down.get(pid)
        self._last_down[pid] = (now, pos)
        if last is None:
            return False
        t0, p0 = last
        close = abs(pos[0] - p0[0]) <= DOUBLE_CLICK_PX and abs(pos[1] - p0[1]) <= DOUBLE_CLICK_PX
        if now - t0 <= DOUBLE_CLICK_MS and close:
            self._last_down.pop(pid)
            return True
        return False
