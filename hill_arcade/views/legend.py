"""The legend section: one row per class with its colour, name and count."""

from __future__ import annotations

import numpy as np
import pygame

from hill_arcade.render.palette import BACKGROUND, PANEL
from hill_arcade.render.scale import px
from hill_arcade.views.section import Section
from hill_arcade.widgets.base import text

LEGEND_W = 180
ROW_H = 24


class Legend(Section):
    """Class rows at the right edge; re-rendered only when the classes change."""

    def __init__(self, view) -> None:  # noqa: ANN001
        super().__init__(view)
        self._image: tuple[tuple, np.ndarray, pygame.Surface] | None = None

    @property
    def rect(self) -> pygame.Rect:
        w, h = self.app.screen.get_size()
        return pygame.Rect(w - px(LEGEND_W), 0, px(LEGEND_W), h)

    def row_rect(self, c: int) -> pygame.Rect:
        """Screen rectangle of class ``c``'s row."""
        r = self.rect
        return pygame.Rect(r.x, px(42 + c * ROW_H), r.w, px(ROW_H))

    def key(self) -> tuple:
        """Everything the legend shows (a change re-renders it)."""
        return (self.rect.h, self.view.class_names)

    def draw(self, surface: pygame.Surface, repaint: bool) -> None:
        view = self.view
        assert view.edits is not None
        # the key holds the labels array itself (compared with ``is``): ids are reused
        key, labels = self.key(), view.edits.labels
        if self._image is None or self._image[0] != key or self._image[1] is not labels:
            image = pygame.Surface(self.rect.size)
            image.fill(BACKGROUND)
            self._render(image)
            self._image = (key, labels, image)
            repaint = True
        if repaint:
            surface.blit(self._image[2], self.rect.topleft)
            self.app.damage(self.rect)

    def _render(self, surface: pygame.Surface) -> None:
        view = self.view
        w, h = surface.get_size()
        pygame.draw.rect(surface, PANEL, (0, 0, w, h))
        text(surface, "classes", (px(12), px(12)), 24)
        counts = np.bincount(view.edits.labels, minlength=view.num_classes)
        for c, name in enumerate(view.class_names):
            y = px(42 + c * ROW_H)
            if y > h - px(ROW_H):
                break
            surface.blit(view.layer.sprite(c), (px(12), y + px(2)))
            text(surface, f"{name[:14]} ({counts[c]})", (px(30), y), 19)
