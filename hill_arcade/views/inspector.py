"""The inspector card: one display sample as a person would recognise it, with its true label,
the model's prediction and probability, and the lockstep baseline's prediction.

Shown while the mouse rests on a dot or a finger holds one still (long press); drawn over the
canvas next to the pointer.
"""

from __future__ import annotations

import numpy as np
import pygame

from hill_arcade.render.palette import INK
from hill_arcade.render.scale import px
from hill_arcade.widgets.base import text

CARD_W, PICTURE_H = 190, 96
CARD_BG = (255, 255, 252)
BORDER = (90, 90, 95)
WRONG = (200, 60, 40)


def sample_surface(sample: np.ndarray, size: tuple[int, int]) -> pygame.Surface:
    """An image (H, W, 3 uint8) scaled to ``size``, or a 1D series drawn as a sparkline."""
    out = pygame.Surface(size)
    out.fill(CARD_BG)
    arr = np.asarray(sample)
    if arr.ndim == 3 and arr.shape[2] == 3:
        image = pygame.surfarray.make_surface(np.ascontiguousarray(arr.swapaxes(0, 1)))
        side = min(size)
        out.blit(pygame.transform.scale(image, (side, side)), ((size[0] - side) // 2, 0))
        return out
    series = arr.astype(np.float64).reshape(-1)
    if len(series) < 2 or not np.isfinite(series).all():
        return out
    lo, hi = float(series.min()), float(series.max())
    xs = np.linspace(2, size[0] - 3, len(series))
    ys = size[1] - 3 - (series - lo) / max(1e-9, hi - lo) * (size[1] - 6)
    pygame.draw.lines(out, INK, False, list(zip(xs.tolist(), ys.tolist(), strict=True)),
                      max(1, px(2)))
    return out


class Inspector:
    """Builds and draws the card for display point ``i`` of the view's snapshot."""

    def __init__(self) -> None:
        self._pictures: dict[tuple[int, int], pygame.Surface] = {}  # (id of samples, i)

    def lines(self, view, i: int) -> list[tuple[str, tuple[int, int, int]]]:  # noqa: ANN001
        """The card's text lines and their colours."""
        snap = view.snapshot
        names = view.class_names
        true, pred = int(snap.labels[i]), int(snap.predictions[i])
        out = [(f"true: {names[true]}", INK)]
        prob = "" if snap.confidence is None else f" ({float(snap.confidence[i]):.0%})"
        out.append((f"model: {names[pred]}{prob}", INK if pred == true else WRONG))
        if snap.baseline_predictions is not None:
            base = int(snap.baseline_predictions[i])
            out.append((f"baseline: {names[base]}", INK if base == true else WRONG))
        return out

    def rect(self, view, i: int, anchor: tuple[int, int]) -> pygame.Rect:  # noqa: ANN001
        """Where the card goes: beside ``anchor``, inside the canvas."""
        has_picture = view.snapshot.samples is not None
        h = px(12) + (px(PICTURE_H) + px(6) if has_picture else 0) + px(20) * len(
            self.lines(view, i))
        card = pygame.Rect(anchor[0] + px(14), anchor[1] - h // 2, px(CARD_W), h)
        vr = view.view_rect
        if card.right > vr.right:
            card.right = anchor[0] - px(14)
        card.clamp_ip(vr)
        return card

    def draw(self, surface: pygame.Surface, view, i: int,  # noqa: ANN001
             anchor: tuple[int, int]) -> pygame.Rect:
        card = self.rect(view, i, anchor)
        pygame.draw.rect(surface, CARD_BG, card, border_radius=px(6))
        pygame.draw.rect(surface, BORDER, card, max(1, px(1)), border_radius=px(6))
        y = card.y + px(6)
        samples = view.snapshot.samples
        if samples is not None and i < len(samples):
            key = (id(samples), i)
            if key not in self._pictures:
                if len(self._pictures) > 256:
                    self._pictures.clear()
                self._pictures[key] = sample_surface(
                    samples[i], (card.w - px(12), px(PICTURE_H)))
            surface.blit(self._pictures[key], (card.x + px(6), y))
            y += px(PICTURE_H) + px(6)
        for line, colour in self.lines(view, i):
            text(surface, line, (card.x + px(8), y), 19, colour)
            y += px(20)
        return card
