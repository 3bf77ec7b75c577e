"""Small immediate-style widgets for the control panel: button, stepper, slider."""

from __future__ import annotations

from collections.abc import Callable

import pygame

from hill_arcade.render.palette import INK
from hill_arcade.render.scale import px

_FONTS: dict[int, pygame.font.Font] = {}


def font(size: int) -> pygame.font.Font:
    """A cached default font of ``size`` design px (scaled by the UI scale)."""
    real = px(size)
    if real not in _FONTS:
        _FONTS[real] = pygame.font.Font(None, real)
    return _FONTS[real]


_TEXT_CACHE: dict[tuple[str, int, tuple[int, int, int]], pygame.Surface] = {}
_TEXT_CACHE_MAX = 1024


def rendered(s: str, size: int = 20, colour: tuple[int, int, int] = INK) -> pygame.Surface:
    """``s`` rendered once and reused: font rendering every frame holds the GIL that the
    training thread needs (measured in bench/throughput.py)."""
    key = (s, px(size), tuple(colour))
    img = _TEXT_CACHE.get(key)
    if img is None:
        if len(_TEXT_CACHE) >= _TEXT_CACHE_MAX:
            _TEXT_CACHE.clear()
        img = _TEXT_CACHE[key] = font(size).render(s, True, colour)
    return img


def text(surface: pygame.Surface, s: str, pos: tuple[int, int], size: int = 20,
         colour: tuple[int, int, int] = INK) -> pygame.Rect:
    """Draw ``s`` with its top-left at ``pos``; returns the drawn rect."""
    return surface.blit(rendered(s, size, colour), pos)


class Widget:
    """Base: a rect, pointer handling (return True when consumed) and draw."""

    rect: pygame.Rect

    def pointer_down(self, pos: tuple[float, float]) -> bool:
        return False

    def pointer_move(self, pos: tuple[float, float]) -> None:
        pass

    def pointer_up(self, pos: tuple[float, float]) -> None:
        pass

    def draw(self, surface: pygame.Surface) -> None:
        raise NotImplementedError


class Button(Widget):
    """A big labelled button; ``label`` may be a callable for dynamic text."""

    def __init__(self, rect: pygame.Rect, label: str | Callable[[], str],
                 on_click: Callable[[], None], hint: str = "",
                 enabled: Callable[[], bool] | None = None) -> None:
        self.rect = pygame.Rect(rect)
        self.label = label
        self.on_click = on_click
        self.hint = hint
        self.enabled = enabled or (lambda: True)
        self.pressed = False

    def pointer_down(self, pos: tuple[float, float]) -> bool:
        if self.rect.collidepoint(pos):
            self.pressed = True
            return True
        return False

    def pointer_up(self, pos: tuple[float, float]) -> None:
        if self.pressed and self.rect.collidepoint(pos) and self.enabled():
            self.on_click()
        self.pressed = False

    def draw(self, surface: pygame.Surface) -> None:
        on = self.enabled()
        bg = (60, 110, 170) if on else (150, 150, 150)
        if self.pressed:
            bg = (40, 80, 130)
        pygame.draw.rect(surface, bg, self.rect, border_radius=px(8))
        label = self.label() if callable(self.label) else self.label
        img = rendered(label, 24, (255, 255, 255))
        surface.blit(img, img.get_rect(center=(self.rect.centerx, self.rect.centery - px(4))))
        if self.hint:
            h = rendered(self.hint, 16, (220, 230, 240))
            surface.blit(h, h.get_rect(midbottom=(self.rect.centerx, self.rect.bottom - px(2))))


class Stepper(Widget):
    """``label  [-] value [+]`` for a number in [lo, hi]: ``step(value, +1 or -1)`` gives the
    next value (default: integers), ``fmt`` shows it in a box ``value_w`` design px wide."""

    def __init__(self, rect: pygame.Rect, label: str, get: Callable[[], float],
                 set_: Callable[[float], None], lo: float = 1, hi: float = 100,
                 step: Callable[[float, int], float] = lambda v, d: v + d,
                 fmt: Callable[[float], str] = str, value_w: int = 36,
                 enabled: Callable[[], bool] | None = None) -> None:
        self.rect = pygame.Rect(rect)
        self.label, self.get, self.set, self.lo, self.hi = label, get, set_, lo, hi
        self.step, self.fmt, self.value_w = step, fmt, value_w
        self.enabled = enabled or (lambda: True)

    @property
    def minus(self) -> pygame.Rect:
        return pygame.Rect(self.rect.right - px(60 + self.value_w), self.rect.y, px(30),
                           self.rect.h)

    @property
    def plus(self) -> pygame.Rect:
        return pygame.Rect(self.rect.right - px(30), self.rect.y, px(30), self.rect.h)

    def pointer_down(self, pos: tuple[float, float]) -> bool:
        if not self.enabled():  # locked (a study fixes its round length)
            return self.rect.collidepoint(pos)
        if self.minus.collidepoint(pos):
            self.set(max(self.lo, self.step(self.get(), -1)))
            return True
        if self.plus.collidepoint(pos):
            self.set(min(self.hi, self.step(self.get(), +1)))
            return True
        return self.rect.collidepoint(pos)

    def draw(self, surface: pygame.Surface) -> None:
        text(surface, self.label, (self.rect.x, self.rect.y + px(7)), 20)
        on = self.enabled()
        for r, s in ((self.minus, "-"), (self.plus, "+")):
            if not on:  # a locked value shows no buttons to press
                continue
            pygame.draw.rect(surface, (200, 200, 195), r, border_radius=px(4))
            img = rendered(s, 24, INK)
            surface.blit(img, img.get_rect(center=r.center))
        val = rendered(self.fmt(self.get()), 22, INK)
        surface.blit(val, val.get_rect(center=((self.minus.right + self.plus.left) // 2,
                                                self.rect.centery)))


IN_FORCE = (205, 120, 30)  # the slider's second marker: the value the trainer actually uses


class Slider(Widget):
    """Horizontal slider for a float in [lo, hi]; drag the knob or click the track.

    `in_force` (optional) returns a second value to show beside the setting, the one in
    force when something else (adaptive α) scales it: an orange tick on the track and
    "in force 0.25" after the label; None hides both.
    """

    def __init__(self, rect: pygame.Rect, label: str, get: Callable[[], float],
                 set_: Callable[[float], None], lo: float = 0.0, hi: float = 1.0,
                 in_force: Callable[[], float | None] | None = None) -> None:
        self.rect = pygame.Rect(rect)
        self.label, self.get, self.set, self.lo, self.hi = label, get, set_, lo, hi
        self.in_force = in_force or (lambda: None)
        self.dragging = False

    @property
    def track(self) -> pygame.Rect:
        return pygame.Rect(self.rect.x + px(6), self.rect.bottom - px(14), self.rect.w - px(12),
                           px(6))

    def _value_at(self, x: float) -> float:
        t = (x - self.track.x) / max(1, self.track.w)
        return self.lo + min(1.0, max(0.0, t)) * (self.hi - self.lo)

    def pointer_down(self, pos: tuple[float, float]) -> bool:
        if self.rect.collidepoint(pos):
            self.dragging = True
            self.set(self._value_at(pos[0]))
            return True
        return False

    def pointer_move(self, pos: tuple[float, float]) -> None:
        if self.dragging:
            self.set(self._value_at(pos[0]))

    def pointer_up(self, pos: tuple[float, float]) -> None:
        self.dragging = False

    def _x_of(self, value: float) -> int:
        t = (value - self.lo) / max(1e-9, self.hi - self.lo)
        return int(self.track.x + min(1.0, max(0.0, t)) * self.track.w)

    def draw(self, surface: pygame.Surface) -> None:
        text(surface, f"{self.label} = {self.get():.2f}", (self.rect.x, self.rect.y), 20)
        pygame.draw.rect(surface, (180, 180, 175), self.track, border_radius=px(3))
        in_force = self.in_force()
        if in_force is not None:
            note = rendered(f"in force {in_force:.2f}", 18, IN_FORCE)
            surface.blit(note, note.get_rect(topright=(self.rect.right, self.rect.y + px(2))))
            fx = self._x_of(in_force)
            pygame.draw.line(surface, IN_FORCE, (fx, self.track.y - px(6)),
                             (fx, self.track.bottom + px(6)), px(3))
        kx = self._x_of(self.get())
        pygame.draw.circle(surface, (60, 110, 170), (kx, self.track.centery), px(8))
