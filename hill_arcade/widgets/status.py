"""Read-only panel widgets: metrics box, epoch progress bar, accuracy-per-epoch chart, banner."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pygame

from hill_arcade.render.palette import INK
from hill_arcade.render.scale import px
from hill_arcade.widgets.base import font, text

BASELINE_GREY = (160, 160, 160)  # the lockstep baseline's ghost line


def _fmt(value: Any, spec: str = ".3f") -> str:
    if value is None:
        return "-"
    try:
        return format(float(value), spec)
    except (TypeError, ValueError):
        return str(value)


def _human(metrics: dict[str, Any]) -> str:
    """The human loss, or "off" when no human term is active (no targets yet)."""
    if not metrics.get("human_active", metrics.get("human") is not None):
        return "off"
    return _fmt(metrics.get("human"))


def wrap_text(s: str, size: int, max_w: int) -> list[str]:
    """``s`` broken into lines that fit ``max_w`` px at font ``size`` (newlines kept; a word
    wider than a line, e.g. a long path, is cut at characters)."""
    f = font(size)
    lines: list[str] = []
    for para in s.split("\n"):
        line = ""
        for word in para.split(" "):
            cand = f"{line} {word}" if line else word
            if f.size(cand)[0] <= max_w:
                line = cand
                continue
            if line:
                lines.append(line)
            while f.size(word)[0] > max_w and len(word) > 1:
                n = len(word)
                while n > 1 and f.size(word[:n])[0] > max_w:
                    n -= 1
                lines.append(word[:n])
                word = word[n:]
            line = word
        lines.append(line)
    return lines


def draw_metrics(surface: pygame.Surface, rect: pygame.Rect, metrics: dict[str, Any],
                 device: str = "") -> None:
    """Epoch, val accuracy, macro-F1, CE, human loss and device, one per line."""
    pygame.draw.rect(surface, (250, 250, 247), rect, border_radius=px(6))
    rows = [
        ("epoch", str(metrics.get("epoch", "-"))),
        ("val acc", _fmt(metrics.get("val_acc"))),
        ("macro-F1", _fmt(metrics.get("macro_f1"))),
        ("CE", _fmt(metrics.get("ce"))),
        ("human", _human(metrics)),
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
               round_starts: Sequence[int] = (),
               baseline: Sequence[float | None] = ()) -> None:
    """Accuracy per epoch as a polyline, marks at round starts, and the lockstep baseline's
    accuracy as a grey ghost line where it ran. The y axis spans the values shown (so a
    1 pp difference near 98 % is visible); its range is printed in the corner."""
    pygame.draw.rect(surface, (250, 250, 247), rect, border_radius=px(6))
    text(surface, "val acc / epoch", (rect.x + px(6), rect.y + px(4)), 16, (90, 90, 95))
    inner = rect.inflate(-px(16), -px(30)).move(0, px(9))
    n = len(values)
    if n == 0:
        return
    ghost = [(i, float(v)) for i, v in enumerate(baseline) if v is not None and i < n]
    shown = [float(v) for v in values] + [v for _, v in ghost]
    recent = shown[max(0, n // 3):] if n > 6 else shown  # the early climb would flatten it
    lo, hi = min(recent), max(recent)
    pad = max(0.005, (hi - lo) * 0.15)
    lo, hi = max(0.0, lo - pad), min(1.0, hi + pad)
    text(surface, f"{lo * 100:.0f}-{hi * 100:.0f} %", (rect.right - px(58), rect.y + px(4)), 15,
         (90, 90, 95))

    def x_of(i: float) -> int:
        return int(inner.x + (i / max(1, n - 1)) * inner.w) if n > 1 else inner.centerx

    def y_of(v: float) -> int:
        return int(inner.bottom - min(1.0, max(0.0, (v - lo) / max(1e-9, hi - lo))) * inner.h)

    for e in round_starts:  # epoch e is history index e - 1; mark just before it
        if 1 <= e <= n:
            x = x_of(min(max(e - 1.5, 0.0), n - 1))
            pygame.draw.line(surface, (213, 94, 0), (x, inner.y), (x, inner.bottom), 1)
    if len(ghost) > 1:
        pygame.draw.lines(surface, BASELINE_GREY, False,
                          [(x_of(i), y_of(v)) for i, v in ghost], px(2))
    pts = [(x_of(i), y_of(float(v))) for i, v in enumerate(values)]
    if len(pts) > 1:
        pygame.draw.lines(surface, (0, 114, 178), False, pts, px(2))
    for p in pts[-1:]:
        pygame.draw.circle(surface, (0, 114, 178), p, px(3))


def draw_banner(surface: pygame.Surface, rect: pygame.Rect, message: str) -> None:
    """A red error banner."""
    pygame.draw.rect(surface, (200, 30, 30), rect)
    text(surface, message[:140], (rect.x + px(12), rect.y + px(8)), 22, (255, 255, 255))
