"""Loading screen: the trainer's progress message until the first snapshot arrives.

Drawn once by the App before the trainer (and torch) even starts, so the window's first frame
is a painted splash; an error is wrapped to the window and stops the animation.
"""

from __future__ import annotations

import math

import pygame

from hill_arcade.render.palette import BACKGROUND, INK
from hill_arcade.render.scale import px
from hill_arcade.scene import Scene
from hill_arcade.shared import TrainerState
from hill_arcade.widgets.base import font, text
from hill_arcade.widgets.status import wrap_text

ERROR_INK = (200, 30, 30)


class LoadingView(Scene):
    """Shows ``progress.message`` (or the error, wrapped) with a small animated bar."""

    def __init__(self, app) -> None:  # noqa: ANN001
        super().__init__(app)
        self.t = 0.0

    def update(self, dt: float) -> None:
        self.t += dt

    def status(self) -> tuple[str, bool]:
        """(message, is_error): "Starting..." until the training session exists."""
        session = getattr(self.app, "session", None)  # None in the App's first frame
        if session is None:
            return "Starting...", False
        progress = session.progress()
        if progress.state == TrainerState.ERROR:
            return f"Error: {progress.error or progress.message}", True
        return progress.message or "Loading...", False

    def error_hint(self) -> str:
        """How to go on from an error in this mode."""
        mode = self.app.mode
        parts = ["p: pick another scene"] if mode.allow_scene_picker else []
        if getattr(mode, "quit_needs_chord", False):
            parts.append("ctrl+shift+q: end (experimenter)")
        elif mode.name != "kiosk":
            parts.append("esc: quit")
        return "    ".join(parts)

    def draw(self, surface: pygame.Surface) -> None:
        surface.fill(BACKGROUND)
        w, h = surface.get_size()
        title = font(48).render(f"HILL arcade - {self.app.scene_cfg.name}", True, INK)
        surface.blit(title, title.get_rect(center=(w // 2, h // 2 - px(60))))
        msg, error = self.status()
        lines = wrap_text(msg, 26, w - px(40))
        y = h // 2 - px(13)
        for line in lines:
            img = font(26).render(line, True, ERROR_INK if error else INK)
            surface.blit(img, img.get_rect(midtop=(w // 2, y)))
            y += px(28)
        if error:  # nothing is loading any more: say how to go on instead of animating
            hint = self.error_hint()
            text(surface, hint, (w // 2 - font(22).size(hint)[0] // 2, y + px(12)), 22,
                 (90, 90, 95))
            return
        bar = pygame.Rect(0, 0, px(240), px(8))
        bar.center = (w // 2, y + px(22))
        pygame.draw.rect(surface, (210, 210, 205), bar, border_radius=px(4))
        x = bar.x + int((math.sin(self.t * 3) * 0.5 + 0.5) * (bar.w - px(40)))
        pygame.draw.rect(surface, (0, 114, 178), (x, bar.y, px(40), bar.h), border_radius=px(4))
