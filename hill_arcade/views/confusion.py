"""The confusion section: the validation confusion matrix over the canvas (``c`` toggles it).

Rows are true classes, columns predicted ones, counted on the validation sample of the
projection on screen. Clicking a cell shows the validation points and highlights the samples
of that cell (true class i predicted as j) in the scatter.
"""

from __future__ import annotations

import numpy as np
import pygame

from hill_arcade.input import InputEvent, PointerDown, PointerMove, PointerUp
from hill_arcade.render.palette import INK, PANEL
from hill_arcade.render.scale import px
from hill_arcade.views.section import Section
from hill_arcade.widgets.base import text

CELL = 24  # design px per cell
HEAD = 30  # title row
RIGHT = (225, 240, 228)
WRONG = (200, 60, 40)


def confusion(labels: np.ndarray, predictions: np.ndarray, num_classes: int) -> np.ndarray:
    """(C, C) counts: rows = true class, columns = predicted class."""
    index = np.asarray(labels, np.int64) * num_classes + np.asarray(predictions, np.int64)
    return np.bincount(index, minlength=num_classes ** 2).reshape(num_classes, num_classes)


class ConfusionSection(Section):
    """A box in the canvas's top-right corner while the view's ``show_confusion`` is on."""

    def __init__(self, view) -> None:  # noqa: ANN001
        super().__init__(view)
        self._drawn: tuple | None = None

    @property
    def rect(self) -> pygame.Rect:
        view = self.view
        if not view.show_confusion or view.val is None:
            return pygame.Rect(0, 0, 0, 0)
        n = view.num_classes
        size = px(CELL) * (n + 1) + px(8)
        vr = view.view_rect
        return pygame.Rect(vr.right - size - px(10), vr.y + px(10), size, size + px(HEAD))

    def matrix(self) -> np.ndarray:
        _, labels, predictions = self.view.val
        return confusion(labels, predictions, self.view.num_classes)

    def cell_rect(self, true: int, pred: int) -> pygame.Rect:
        """Screen rectangle of the cell (true class, predicted class)."""
        r = self.rect
        x0, y0 = r.x + px(4) + px(CELL), r.y + px(HEAD) + px(CELL)
        return pygame.Rect(x0 + pred * px(CELL), y0 + true * px(CELL), px(CELL), px(CELL))

    def handle(self, event: InputEvent) -> bool:
        if isinstance(event, PointerDown):
            n = self.view.num_classes
            for i in range(n):
                for j in range(n):
                    if self.cell_rect(i, j).collidepoint(event.pos):
                        self.view.highlight_cell(i, j)
                        return True
            return True
        return isinstance(event, (PointerMove, PointerUp))

    def draw(self, surface: pygame.Surface, repaint: bool) -> None:
        rect = self.rect
        if not rect.w:
            self._drawn = None
            return
        key = (tuple(rect), self.view.snapshot.version, self.view.highlight)
        if not (repaint or key != self._drawn or self.app.damaged(rect)):
            return
        self._drawn = key
        cm = self.matrix()
        n = self.view.num_classes
        pygame.draw.rect(surface, PANEL, rect, border_radius=px(6))
        text(surface, "val: rows true, cols predicted", (rect.x + px(6), rect.y + px(6)), 17,
             INK)
        rows = np.maximum(cm.sum(axis=1, keepdims=True), 1)
        for i in range(n):
            head = self.cell_rect(i, 0).move(-px(CELL), 0)
            text(surface, self.view.class_names[i][:3], (head.x + px(2), head.y + px(5)), 16)
            top = self.cell_rect(0, i).move(0, -px(CELL))
            text(surface, self.view.class_names[i][:3], (top.x + px(2), top.y + px(5)), 16)
            for j in range(n):
                cell = self.cell_rect(i, j)
                share = cm[i, j] / rows[i, 0]
                if i == j:
                    colour = RIGHT
                else:
                    t = min(1.0, share * 4)
                    colour = tuple(int(255 + (w - 255) * t) for w in WRONG)
                pygame.draw.rect(surface, colour, cell.inflate(-2, -2))
                if (i, j) == self.view.highlight:
                    pygame.draw.rect(surface, INK, cell, max(1, px(2)))
                if cm[i, j]:
                    text(surface, str(int(cm[i, j])), (cell.x + px(3), cell.y + px(5)), 15)
        self.app.damage(rect)
