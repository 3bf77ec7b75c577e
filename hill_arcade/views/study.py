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
    """Non-opaque overlay: draws `status()` lines at the top; input goes to `forward`."""

    opaque = False

    def __init__(self, app: Any, controller: Any) -> None:
        super().__init__(app)
        self.controller = controller

    def handle(self, event: InputEvent) -> bool:
        return self.controller.handle(event)

    def update(self, dt: float) -> None:
        self.controller.update(dt)

    def draw(self, surface: pygame.Surface) -> None:
        line = self.controller.status()
        if not line:
            return
        w = surface.get_width()
        img = rendered(line, 24)
        x = max(0, (w - img.get_width()) // 2)
        bar_h = px(BAR_H)
        pygame.draw.rect(surface, BAR_BG, (x - px(12), 0, img.get_width() + px(24), bar_h),
                         border_bottom_left_radius=px(8), border_bottom_right_radius=px(8))
        surface.blit(img, (x, (bar_h - img.get_height()) // 2))


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
