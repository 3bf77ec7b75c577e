"""The legend section: one row per class with its colour, name and count."""

from __future__ import annotations

import numpy as np
import pygame

from hill_arcade.input import InputEvent, PointerDown, PointerUp
from hill_arcade.render.palette import BACKGROUND, INK, PANEL
from hill_arcade.render.scale import px
from hill_arcade.views.section import Section
from hill_arcade.widgets.base import text

LEGEND_W = 180
ROW_H = 24
FOCUS_BG = (250, 244, 214)
MUTED = (120, 120, 125)
GAIN, LOSS = (0, 140, 80), (200, 60, 40)


def draw_delta_bar(surface: pygame.Surface, rect: pygame.Rect, delta: float,
                   full: float = 0.1) -> None:
    """A small bar from the middle of ``rect``: right and green for a gain, left and red for
    a loss; ``full`` (10 pp) fills half the width."""
    mid = rect.centerx
    pygame.draw.line(surface, MUTED, (mid, rect.y - 1), (mid, rect.bottom), 1)
    size = int(min(1.0, abs(delta) / full) * rect.w / 2)
    if size:
        bar = pygame.Rect(mid, rect.y, size, rect.h) if delta > 0 else pygame.Rect(
            mid - size, rect.y, size, rect.h)
        pygame.draw.rect(surface, GAIN if delta > 0 else LOSS, bar)


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
        view = self.view
        reach = view.reach
        shown_reach = None if reach is None else (
            tuple(np.round(np.nan_to_num(reach.center, nan=-99), 2)),
            tuple(np.round(np.nan_to_num(reach.center_backbone, nan=-99), 2)))
        delta = view.round_class_delta()
        return (self.rect.h, view.class_names, view.focus, view.hidden, shown_reach,
                None if delta is None else tuple(np.round(delta, 4)),
                tuple(np.flatnonzero(view.effective_targets().active)))

    def handle(self, event: InputEvent) -> bool:
        """Click a row: that class stands out (click again: all back); shift-click: hide it."""
        if not isinstance(event, PointerDown) or event.button != 1:
            return isinstance(event, (PointerDown, PointerUp))
        for c in range(self.view.num_classes):
            if self.row_rect(c).collidepoint(event.pos):
                if event.mod & pygame.KMOD_SHIFT:
                    self.view.toggle_hidden(c)
                else:
                    self.view.set_focus(c)
                return True
        return True

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
        reach = view.reach
        targeted = view.effective_targets().active
        delta = view.round_class_delta()
        for c, name in enumerate(view.class_names):
            y = px(42 + c * ROW_H)
            if y > h - px(ROW_H):
                break
            if c == view.focus:
                pygame.draw.rect(surface, FOCUS_BG, (0, y - px(1), w, px(ROW_H)))
            dim = c in view.hidden or (view.focus is not None and c != view.focus)
            sprite = view.layer.faded_sprite(c) if dim else view.layer.sprite(c)
            surface.blit(sprite, (px(12), y + px(2)))
            label = f"{name[:10]} ({counts[c]})" + (" hidden" if c in view.hidden else "")
            text(surface, label, (px(30), y), 19, MUTED if dim else INK)
            if c < len(targeted) and targeted[c]:
                value = None if reach is None else reach.center[c]
                shown = "target" if value is None or not np.isfinite(value) else f"{value:.0%}"
                text(surface, shown, (w - px(52), y), 17, INK)
            if delta is not None and c < len(delta):
                draw_delta_bar(surface, pygame.Rect(px(30), y + px(17), w - px(90), px(4)),
                               float(delta[c]))
        y = px(42 + len(view.class_names) * ROW_H + 8)
        notes = ["click: focus a class", "shift+click: hide it"]
        if reach is not None:
            notes.insert(0, "%: reach of the target")
        if delta is not None:
            notes.insert(0, "bars: val acc, last round")
        for line in notes:
            if y > h - px(20):
                break
            text(surface, line, (px(12), y), 16, MUTED)
            y += px(18)
