"""Scatter layer: per-class pre-rendered sprites blitted with ``Surface.fblits``.

Moving points are drawn straight onto the window surface; a layout that stays put is cached
in an off-screen surface.
"""

from __future__ import annotations

import gc
from functools import lru_cache
from itertools import repeat

import numpy as np
import pygame

from hill_arcade.render.palette import BACKGROUND, RING, class_colour, class_shape
from hill_arcade.render.scale import px

DOT_RADIUS = 4
RING_RADIUS = 7  # misclassified ring: dark pixels at distance 5..7 from the point
CROSS_ARM = 11
SELECTION = (0, 80, 220)
COLOUR_KEY = (255, 0, 255)  # in no palette colour
CROSS_HALF = CROSS_ARM + 3 + 4  # a cross sprite's half size: longest arm, outline, margin


def make_sprite(colour: tuple[int, int, int], shape: str, radius: int | None = None
                ) -> pygame.Surface:
    """A small transparent sprite of one class's marker, centred in the surface (radius:
    design DOT_RADIUS at the UI scale unless given)."""
    radius = px(DOT_RADIUS) if radius is None else radius
    size = 2 * radius + 3
    surf = pygame.Surface((size, size), pygame.SRCALPHA)
    c = size // 2
    r = radius
    if shape == "square":
        pygame.draw.rect(surf, colour, (c - r + 1, c - r + 1, 2 * r - 1, 2 * r - 1))
    elif shape == "triangle":
        pygame.draw.polygon(surf, colour, [(c, c - r), (c - r, c + r), (c + r, c + r)])
    elif shape == "diamond":
        pygame.draw.polygon(surf, colour, [(c, c - r), (c + r, c), (c, c + r), (c - r, c)])
    else:
        pygame.draw.circle(surf, colour, (c, c), r)
    return surf


def make_ring(radius: int | None = None) -> pygame.Surface:
    """The dark misclassification ring (radius: design RING_RADIUS at the UI scale)."""
    radius = px(RING_RADIUS) if radius is None else radius
    size = 2 * radius + 3
    surf = pygame.Surface((size, size), pygame.SRCALPHA)
    pygame.draw.circle(surf, RING, (size // 2, size // 2), radius, px(2))
    return surf


def colour_keyed(sprite: pygame.Surface) -> pygame.Surface:
    """An opaque, colour-keyed (RLE) copy of a sprite whose alpha is all-or-nothing: blits
    several times faster than per-pixel alpha, same pixels."""
    out = pygame.Surface(sprite.get_size())
    out.fill(COLOUR_KEY)
    out.blit(sprite, (0, 0))
    out.set_colorkey(COLOUR_KEY, pygame.RLEACCEL)
    return out


def _pairs(xy: np.ndarray) -> zip:
    """Lazy (x, y) int pairs of an (N, 2) array: one flat list is far cheaper than N lists."""
    flat = iter(xy.ravel().tolist())
    return zip(flat, flat, strict=True)


def _sprite_box(screen: np.ndarray, crosses: np.ndarray | None) -> pygame.Rect:
    """Window box that holds every dot, ring, selection mark and cross sprite drawn."""
    pts = screen[(np.abs(screen) < 1e6).all(axis=1)]
    if crosses is not None and len(crosses):
        pts = np.concatenate([pts, crosses[(np.abs(crosses) < 1e5).all(axis=1)]])
    if len(pts) == 0:
        return pygame.Rect(0, 0, 0, 0)
    (x0, y0), (x1, y1) = pts.min(axis=0), pts.max(axis=0)
    pad = max(cross_half(), px(RING_RADIUS) + 1)
    return pygame.Rect(int(x0) - pad, int(y0) - pad, int(x1 - x0) + 2 * pad + 1,
                       int(y1 - y0) + 2 * pad + 1)


class PointLayer:
    """Draws points (sprites), misclassification rings and class-center crosses."""

    def __init__(self) -> None:
        self._sprites: dict[int, pygame.Surface] = {}
        self._ring = colour_keyed(make_ring())
        self._cache: pygame.Surface | None = None
        self._cache_key: tuple | None = None  # what the cached layer shows
        self._drawn_box: pygame.Rect | None = None  # sprites' extent after a direct draw
        self._last_key: tuple | None = None  # what the last draw() showed
        self._labels: np.ndarray | None = None  # labels the sprite lists below belong to
        self._label_sprites = np.zeros(0, object)
        self._label_sprite_list: list[pygame.Surface] = []
        self._faded: dict[int, pygame.Surface] = {}
        self.dimmed: frozenset[int] = frozenset()  # classes drawn faded (another is in focus)
        self.redraws = 0

    def sprite(self, c: int) -> pygame.Surface:
        if c not in self._sprites:
            self._sprites[c] = colour_keyed(make_sprite(class_colour(c), class_shape(c)))
        return self._sprites[c]

    def faded_sprite(self, c: int) -> pygame.Surface:
        """Class ``c``'s marker blended three quarters of the way into the background."""
        if c not in self._faded:
            self._faded[c] = colour_keyed(make_sprite(faded(class_colour(c)), class_shape(c)))
        return self._faded[c]

    def set_dimmed(self, classes: frozenset[int]) -> None:
        """Draw these classes faded from the next draw on."""
        if classes != self.dimmed:
            self.dimmed = classes
            self._labels = None  # the per-point sprite lists change

    def draw(self, target: pygame.Surface, rect: pygame.Rect, screen: np.ndarray,
             labels: np.ndarray, wrong: np.ndarray, key: tuple,
             selected: np.ndarray | None = None, crosses: np.ndarray | None = None,
             active: frozenset[int] = frozenset(), clean: bool = False) -> None:
        """Draw the points at ``screen`` (N, 2 window px; NaN/inf rows skipped), then the
        class crosses at ``crosses``, into ``target`` clipped to ``rect``.

        ``key`` names the points' content: points that move (a key unlike the last call's) go
        straight onto ``target``; a key asked for again is rendered once into an off-screen
        layer and blitted from it after (cheap frames while only a lasso changes). ``clean``
        says the view still shows only what the last call drew: a moving redraw then clears
        just the box around the old and new sprites instead of the whole view.
        """
        rect = pygame.Rect(rect)
        full_key = (key, tuple(rect))
        drawn_box, self._drawn_box = self._drawn_box, None
        if self._cache is not None and self._cache_key == full_key:
            self._blit_cache(target, rect, crosses, active)
            return
        moving, self._last_key = full_key != self._last_key, full_key
        if moving and target.get_rect().contains(rect):
            box = _sprite_box(screen, crosses).clip(rect)
            clear = box.union(drawn_box) if clean and drawn_box is not None else rect
            target.fill(BACKGROUND, clear)
            view = target.subsurface(rect)
            self._render(view, rect, screen, labels, wrong, selected)
            blit_crosses(view, crosses, active, rect.topleft)
            self._drawn_box = box
            return
        if self._cache is None or self._cache.get_size() != rect.size:
            self._cache = pygame.Surface(rect.size)
        self._cache.fill(BACKGROUND)
        self._render(self._cache, rect, screen, labels, wrong, selected)
        self._cache_key = full_key
        self._blit_cache(target, rect, crosses, active)

    def _blit_cache(self, target: pygame.Surface, rect: pygame.Rect, crosses: np.ndarray | None,
                    active: frozenset[int]) -> None:
        assert self._cache is not None
        target.blit(self._cache, rect)
        prev_clip = target.get_clip()
        target.set_clip(rect)  # a cross near the edge must not spill onto the panels
        blit_crosses(target, crosses, active)
        target.set_clip(prev_clip)

    def _render(self, surf: pygame.Surface, rect: pygame.Rect, screen: np.ndarray,
                labels: np.ndarray, wrong: np.ndarray, selected: np.ndarray | None) -> None:
        """Blit points and rings onto an already cleared ``surf`` showing ``rect``."""
        # tens of thousands of short-lived (sprite, pos) tuples: no cycles, so keep the
        # cyclic GC from running a full collection in the middle of a frame
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            self._blit_points(surf, rect, screen, labels, wrong, selected)
        finally:
            if was_enabled:
                gc.enable()

    def _blit_points(self, surf: pygame.Surface, rect: pygame.Rect, screen: np.ndarray,
                     labels: np.ndarray, wrong: np.ndarray, selected: np.ndarray | None
                     ) -> None:
        self.redraws += 1
        if len(screen) == 0:
            return
        scr = screen - rect.topleft
        ok = (np.abs(scr) < 1e6).all(axis=1)  # also False for NaN / inf
        half = px(DOT_RADIUS) + 1
        xy = np.round(np.where(ok[:, None], scr, 0)).astype(np.int64)
        sprites = self._sprites_for(labels)
        # zip hands fblits one reused (sprite, pos) tuple at a time: no per-frame list of
        # tens of thousands of tuples or lists (the main cost of a redraw, and GIL time)
        if ok.all():
            surf.fblits(zip(sprites, _pairs(xy - half), strict=True))
            ring_idx = np.flatnonzero(wrong)
        else:
            idx = np.flatnonzero(ok)
            surf.fblits(zip(self._label_sprites[idx].tolist(), _pairs(xy[idx] - half),
                            strict=True))
            ring_idx = idx[wrong[idx]]
        rh = px(RING_RADIUS) + 1
        surf.fblits(zip(repeat(self._ring), _pairs(xy[ring_idx] - rh)))
        if selected is not None and len(selected):
            for x, y in xy[selected[ok[selected]]].tolist():
                pygame.draw.circle(surf, SELECTION, (x, y), px(DOT_RADIUS + 3), px(2))

    def _sprites_for(self, labels: np.ndarray) -> list[pygame.Surface]:
        """One sprite per point, cached while the same labels array is drawn."""
        if labels is not self._labels:
            self._labels = labels
            arr = np.empty(len(labels), object)
            if len(labels):
                table = [self.faded_sprite(c) if c in self.dimmed else self.sprite(c)
                         for c in range(int(labels.max()) + 1)]
                arr[:] = [table[c] for c in labels.tolist()]
            self._label_sprites = arr
            self._label_sprite_list = arr.tolist()
        return self._label_sprite_list


def faded(colour: tuple[int, int, int], amount: float = 0.75) -> tuple[int, int, int]:
    """``colour`` blended ``amount`` of the way into the background."""
    return tuple(int(round(c + (b - c) * amount)) for c, b in zip(colour, BACKGROUND,
                                                                  strict=True))


def draw_cross(target: pygame.Surface, pos: tuple[int, int], colour: tuple[int, int, int],
               highlight: bool = False) -> None:
    """A class-center cross: dark outline, class colour on top (centre pixel = class colour)."""
    x, y = pos
    arm = px(CROSS_ARM + (3 if highlight else 0))
    outline, stroke = px(7) | 1, px(3) | 1  # odd widths keep the lines centred on (x, y)
    pygame.draw.line(target, RING, (x - arm - 1, y), (x + arm + 1, y), outline)
    pygame.draw.line(target, RING, (x, y - arm - 1), (x, y + arm + 1), outline)
    pygame.draw.line(target, colour, (x - arm, y), (x + arm, y), stroke)
    pygame.draw.line(target, colour, (x, y - arm), (x, y + arm), stroke)


def cross_half() -> int:
    """Half the side of a cross sprite at the current UI scale."""
    return px(CROSS_HALF)


def cross_sprite(colour: tuple[int, int, int], highlight: bool = False) -> pygame.Surface:
    """Colour-keyed sprite of one class cross (2 * cross_half() + 1 square): one blit instead
    of four thick lines, whose rasterising was a large part of a scatter redraw."""
    return _cross_sprite(colour, highlight, cross_half())


@lru_cache(maxsize=128)
def _cross_sprite(colour: tuple[int, int, int], highlight: bool, half: int) -> pygame.Surface:
    size = 2 * half + 1
    surf = pygame.Surface((size, size))
    surf.fill(COLOUR_KEY)
    draw_cross(surf, (half, half), colour, highlight)
    surf.set_colorkey(COLOUR_KEY, pygame.RLEACCEL)
    return surf


def blit_crosses(target: pygame.Surface, crosses: np.ndarray | None,
                 active: frozenset[int] = frozenset(), origin: tuple[int, int] = (0, 0)
                 ) -> None:
    """Blit the cross of each class c at ``crosses[c]`` (px, ``origin`` = target's (0, 0));
    far-off rows are skipped."""
    if crosses is None:
        return
    blits = []
    half = cross_half()
    ox, oy = origin[0] + half, origin[1] + half
    for c, (x, y) in enumerate(crosses.tolist()):
        if abs(x) < 1e5 and abs(y) < 1e5:
            blits.append((cross_sprite(class_colour(c), c in active), (x - ox, y - oy)))
    target.fblits(blits)
