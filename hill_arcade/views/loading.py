"""Loading screen: the trainer's progress message until the first snapshot arrives."""

from __future__ import annotations

import math

import pygame

from hill_arcade.render.palette import BACKGROUND, INK
from hill_arcade.render.scale import px
from hill_arcade.scene import Scene
from hill_arcade.shared import TrainerState
from hill_arcade.widgets.base import font


class LoadingView(Scene):
    """Shows ``progress.message`` (or the error) with a small animated bar."""

    def __init__(self, app) -> None:  # noqa: ANN001
        super().__init__(app)
        self.t = 0.0

    def update(self, dt: float) -> None:
        self.t += dt

    def draw(self, surface: pygame.Surface) -> None:
        surface.fill(BACKGROUND)
        w, h = surface.get_size()
        progress = self.app.buffer.progress()
        title = font(48).render(f"HILL arcade - {self.app.scene_cfg.name}", True, INK)
        surface.blit(title, title.get_rect(center=(w // 2, h // 2 - px(60))))
        if progress.state == TrainerState.ERROR:
            msg, colour = f"Error: {progress.error or progress.message}", (200, 30, 30)
        else:
            msg, colour = progress.message or "Loading...", INK
        img = font(26).render(msg, True, colour)
        surface.blit(img, img.get_rect(center=(w // 2, h // 2)))
        bar = pygame.Rect(0, 0, px(240), px(8))
        bar.center = (w // 2, h // 2 + px(40))
        pygame.draw.rect(surface, (210, 210, 205), bar, border_radius=px(4))
        x = bar.x + int((math.sin(self.t * 3) * 0.5 + 0.5) * (bar.w - px(40)))
        pygame.draw.rect(surface, (0, 114, 178), (x, bar.y, px(40), bar.h), border_radius=px(4))
