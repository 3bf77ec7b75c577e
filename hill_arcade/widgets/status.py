"""Read-only panel widgets: metrics box, epoch progress bar, accuracy-per-epoch chart, banner."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pygame

from hill_arcade.render.palette import INK
from hill_arcade.render.scale import px
from hill_arcade.widgets.base import font, text


def _fmt(value: Any, spec: str = ".3f") -> str:
    if value is None:
        return "-"
    try:
        return format(float(value), spec)
    except (TypeError, ValueError):
        return str(value)


def draw_metrics(surface: pygame.Surface, rect: pygame.Rect, metrics: dict[str, Any],
                 device: str = "") -> None:
    """Epoch, val accuracy, macro-F1, CE, human loss and device, one per line."""
    pygame.draw.rect(surface, (250, 250, 247), rect, border_radius=px(6))
    rows = [
        ("epoch", str(metrics.get("epoch", "-"))),
        ("val acc", _fmt(metrics.get("val_acc"))),
        ("macro-F1", _fmt(metrics.get("macro_f1"))),
        ("CE", _fmt(metrics.get("ce"))),
        ("human", _fmt(metrics.get("human"))),
        ("device", str(metrics.get("device") or device or "-")),
    ]
    y = rect.y + px(6)
    for name, value in rows:
        text(surface, name, (rect.x + px(8), y), 19, (90, 90, 95))
        text(surface, value, (rect.x + px(100), y), 19)
        y += px(19)


def draw_progress(surface: pygame.Surface, rect: pygame.Rect, fraction: float,
                  label: str = "") -> None:
    """A horizontal bar filled to ``fraction`` (0..1)."""
    pygame.draw.rect(surface, (205, 205, 200), rect, border_radius=px(4))
    fill = rect.copy()
    fill.w = int(rect.w * min(1.0, max(0.0, fraction)))
    if fill.w:
        pygame.draw.rect(surface, (0, 114, 178), fill, border_radius=px(4))
    if label:
        img = font(16).render(label, True, INK)
        surface.blit(img, img.get_rect(center=rect.center))


def draw_chart(surface: pygame.Surface, rect: pygame.Rect, values: Sequence[float],
               round_starts: Sequence[int] = ()) -> None:
    """Accuracy per epoch (0..1) as a polyline; dashed-looking marks at round starts."""
    pygame.draw.rect(surface, (250, 250, 247), rect, border_radius=px(6))
    text(surface, "val acc / epoch", (rect.x + px(6), rect.y + px(4)), 16, (90, 90, 95))
    inner = rect.inflate(-px(16), -px(26)).move(0, px(7))
    n = len(values)
    if n == 0:
        return

    def x_of(i: float) -> int:
        return int(inner.x + (i / max(1, n - 1)) * inner.w) if n > 1 else inner.centerx

    for e in round_starts:  # epoch e is history index e - 1; mark just before it
        if 1 <= e <= n:
            x = x_of(min(max(e - 1.5, 0.0), n - 1))
            pygame.draw.line(surface, (213, 94, 0), (x, inner.y), (x, inner.bottom), 1)
    pts = [(x_of(i), int(inner.bottom - min(1.0, max(0.0, float(v))) * inner.h))
           for i, v in enumerate(values)]
    if len(pts) > 1:
        pygame.draw.lines(surface, (0, 114, 178), False, pts, px(2))
    for p in pts[-1:]:
        pygame.draw.circle(surface, (0, 114, 178), p, px(3))


def draw_banner(surface: pygame.Surface, rect: pygame.Rect, message: str) -> None:
    """A red error banner."""
    pygame.draw.rect(surface, (200, 30, 30), rect)
    text(surface, message[:140], (rect.x + px(12), rect.y + px(8)), 22, (255, 255, 255))
