"""Study overlays: status bar with countdown above the play view, and a thank-you screen."""

from __future__ import annotations

from typing import Any

import pygame

from hill_arcade.input import InputEvent, Key, PointerUp
from hill_arcade.render.palette import BACKGROUND, INK
from hill_arcade.render.scale import px
from hill_arcade.scene import Scene
from hill_arcade.widgets.base import rendered, text

BAR_H = 34
BAR_BG = (250, 244, 214)


class StudyBar(Scene):
    """Non-opaque overlay: draws `status()` lines at the top; input goes to `forward`.

    Retained: the bar is redrawn when the play view below redraws under it; a new line (the
    countdown ticks once a second) asks for a full repaint of the frame, since a shorter bar
    cannot erase a longer one on its own."""

    opaque = False
    retained = True

    def __init__(self, app: Any, controller: Any) -> None:
        super().__init__(app)
        self.controller = controller
        self._shown: tuple[str, pygame.Rect] | None = None  # (line, bar rect) on screen

    def handle(self, event: InputEvent) -> bool:
        return self.controller.handle(event)

    def update(self, dt: float) -> None:
        self.controller.update(dt)

    def draw(self, surface: pygame.Surface) -> None:
        line = self.controller.status()
        shown = self._shown
        if not self.app.repaint_all:
            if shown is None or line != shown[0]:
                if line or shown is not None:
                    self.app.invalidate()
                return
            if not self.app.damaged(shown[1]):
                return
        self._shown = None
        if not line:
            return
        w = surface.get_width()
        img = rendered(line, 24)
        x = max(0, (w - img.get_width()) // 2)
        bar_h = px(BAR_H)
        bar = pygame.Rect(x - px(12), 0, img.get_width() + px(24), bar_h)
        pygame.draw.rect(surface, BAR_BG, bar,
                         border_bottom_left_radius=px(8), border_bottom_right_radius=px(8))
        surface.blit(img, (x, (bar_h - img.get_height()) // 2))
        self._shown = (line, bar)
        self.app.damage(bar)


class MessageView(Scene):
    """A full-screen message (e.g. thank-you); closes the app on a click or a key."""

    def __init__(self, app: Any, title: str, body: str = "") -> None:
        super().__init__(app)
        self.title = title
        self.body = body

    def handle(self, event: InputEvent) -> bool:
        if isinstance(event, (PointerUp, Key)):
            self.app.running = False
        return True

    def draw(self, surface: pygame.Surface) -> None:
        surface.fill(BACKGROUND)
        w, h = surface.get_size()
        img = rendered(self.title, 56)
        surface.blit(img, ((w - img.get_width()) // 2, h // 2 - px(60)))
        if self.body:
            body = rendered(self.body, 26)
            text(surface, self.body, ((w - body.get_width()) // 2, h // 2 + px(10)), 26, INK)
