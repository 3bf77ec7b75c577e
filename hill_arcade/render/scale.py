"""One UI scale factor for every size in the interface: fonts, panels, markers, hit radii.

Sizes in the code are design pixels for a 1080-line screen; :func:`px` turns them into
window pixels. The factor comes from ``HILL_UI_SCALE`` (environment), else ``ui.scale`` in
the scene, else the desktop: 1 up to 1080 lines, 2 on a 2160-line (4K) screen, in quarter
steps in between. pygame-ce does not report physical DPI, so the desktop's pixel height
stands in for it; the override is there for screens where that guess is wrong.
"""

from __future__ import annotations

import os

import pygame

from hill_arcade.errors import HillError

ENV_VAR = "HILL_UI_SCALE"
MIN_SCALE, MAX_SCALE = 0.5, 4.0
REFERENCE_LINES = 1080

_scale = 1.0


def px(design: float) -> int:
    """Window pixels for a size given in design pixels (at least 1 for positive sizes)."""
    value = round(design * _scale)
    return max(1, value) if design > 0 else value


def ui_scale() -> float:
    """The current factor."""
    return _scale


def set_ui_scale(scale: float) -> None:
    """Set the factor (the app does this once, before building any view)."""
    global _scale
    _scale = float(scale)


def auto_scale(desktop_height: int) -> float:
    """Factor for a desktop of ``desktop_height`` lines: quarter steps, never below 1, at most 3."""
    return min(3.0, max(1.0, round(desktop_height / REFERENCE_LINES * 4) / 4))


def resolve_scale(configured: float | None, desktop_height: int | None) -> float:
    """The factor to use: environment override, then the scene's ``ui.scale``, then auto."""
    raw = os.environ.get(ENV_VAR, "").strip()
    if raw:
        try:
            value = float(raw)
        except ValueError:
            value = float("nan")
        if not MIN_SCALE <= value <= MAX_SCALE:
            raise HillError(f"{ENV_VAR}={raw!r}: expected a number from {MIN_SCALE:g} "
                            f"to {MAX_SCALE:g}")
        return value
    if configured is not None:
        return float(configured)
    return auto_scale(desktop_height) if desktop_height else 1.0


def scaled_rect(x: float, y: float, w: float, h: float) -> pygame.Rect:
    """A rect given in design pixels, in window pixels."""
    return pygame.Rect(px(x), px(y), px(w), px(h))
