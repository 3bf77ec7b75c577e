"""Scatter layer: per-class pre-rendered sprites blitted with ``Surface.fblits``.

The layer is cached in an off-screen surface and redrawn only when the points, the
predictions or the camera change.
"""

from __future__ import annotations

import gc
from itertools import repeat

import numpy as np
import pygame

from hill_arcade.render.camera import Camera
from hill_arcade.render.palette import BACKGROUND, RING, class_colour, class_shape

DOT_RADIUS = 4
RING_RADIUS = 7  # misclassified ring: dark pixels at distance 5..7 from the point
CROSS_ARM = 11
SELECTION = (0, 80, 220)
COLOUR_KEY = (255, 0, 255)  # in no palette colour


def make_sprite(colour: tuple[int, int, int], shape: str, radius: int = DOT_RADIUS
                ) -> pygame.Surface:
    """A small transparent sprite of one class's marker, centred in the surface."""
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


def make_ring(radius: int = RING_RADIUS) -> pygame.Surface:
    size = 2 * radius + 3
    surf = pygame.Surface((size, size), pygame.SRCALPHA)
    pygame.draw.circle(surf, RING, (size // 2, size // 2), radius, 2)
    return surf


def colour_keyed(sprite: pygame.Surface) -> pygame.Surface:
    """An opaque, colour-keyed (RLE) copy of a sprite whose alpha is all-or-nothing: blits
    several times faster than per-pixel alpha, same pixels."""
    out = pygame.Surface(sprite.get_size())
    out.fill(COLOUR_KEY)
    out.blit(sprite, (0, 0))
    out.set_colorkey(COLOUR_KEY, pygame.RLEACCEL)
    return out


class PointLayer:
    """Draws points (sprites), misclassification rings and class-center crosses."""

    def __init__(self) -> None:
        self._sprites: dict[int, pygame.Surface] = {}
        self._ring = colour_keyed(make_ring())
        self._cache: pygame.Surface | None = None
        self._key: tuple | None = None
        self._labels: np.ndarray | None = None  # labels the sprite lists below belong to
        self._label_sprites = np.zeros(0, object)
        self._label_sprite_list: list[pygame.Surface] = []
        self.redraws = 0

    def sprite(self, c: int) -> pygame.Surface:
        if c not in self._sprites:
            self._sprites[c] = colour_keyed(make_sprite(class_colour(c), class_shape(c)))
        return self._sprites[c]

    def draw(self, target: pygame.Surface, camera: Camera, positions: np.ndarray,
             labels: np.ndarray, wrong: np.ndarray, key: tuple,
             selected: np.ndarray | None = None) -> None:
        """Blit the cached layer at the camera rect; re-render only when ``key`` changed."""
        x, y, w, h = camera.rect
        full_key = (key, camera.version, w, h)
        if self._cache is None or self._cache.get_size() != (w, h) or self._key != full_key:
            # tens of thousands of short-lived (sprite, pos) tuples: no cycles, so keep the
            # cyclic GC from running a full collection in the middle of a frame
            was_enabled = gc.isenabled()
            gc.disable()
            try:
                self._render(camera, positions, labels, wrong, selected, (w, h))
            finally:
                if was_enabled:
                    gc.enable()
            self._key = full_key
        target.blit(self._cache, (x, y))

    def _render(self, camera: Camera, positions: np.ndarray, labels: np.ndarray,
                wrong: np.ndarray, selected: np.ndarray | None, size: tuple[int, int]) -> None:
        self.redraws += 1
        if self._cache is None or self._cache.get_size() != size:
            self._cache = pygame.Surface(size)
        surf = self._cache
        surf.fill(BACKGROUND)
        if len(positions) == 0:
            return
        ox, oy = camera.rect[0], camera.rect[1]
        scr = camera.world_to_screen(positions) - (ox, oy)
        ok = (np.abs(scr) < 1e6).all(axis=1)  # also False for NaN / inf
        half = DOT_RADIUS + 1
        xy = np.round(scr).astype(np.int64)
        sprites = self._sprites_for(labels)
        # zip hands fblits one reused (sprite, pos) tuple at a time: no per-frame list of
        # tens of thousands of tuples (the main cost of a redraw, and GIL time)
        if ok.all():
            surf.fblits(zip(sprites, (xy - half).tolist(), strict=True))
            ring_idx = np.flatnonzero(wrong)
        else:
            idx = np.flatnonzero(ok)
            surf.fblits(zip(self._label_sprites[idx].tolist(), (xy[idx] - half).tolist(),
                                strict=True))
            ring_idx = idx[wrong[idx]]
        if len(ring_idx):
            rh = RING_RADIUS + 1
            surf.fblits(zip(repeat(self._ring), (xy[ring_idx] - rh).tolist()))
        if selected is not None and len(selected):
            for px, py in xy[selected[ok[selected]]].tolist():
                pygame.draw.circle(surf, SELECTION, (px, py), DOT_RADIUS + 3, 2)

    def _sprites_for(self, labels: np.ndarray) -> list[pygame.Surface]:
        """One sprite per point, cached while the same labels array is drawn."""
        if labels is not self._labels:
            self._labels = labels
            arr = np.empty(len(labels), object)
            if len(labels):
                table = [self.sprite(c) for c in range(int(labels.max()) + 1)]
                arr[:] = [table[c] for c in labels.tolist()]
            self._label_sprites = arr
            self._label_sprite_list = arr.tolist()
        return self._label_sprite_list


def draw_cross(target: pygame.Surface, pos: tuple[int, int], colour: tuple[int, int, int],
               highlight: bool = False) -> None:
    """A class-center cross: dark outline, class colour on top (centre pixel = class colour)."""
    x, y = pos
    arm = CROSS_ARM + (3 if highlight else 0)
    pygame.draw.line(target, RING, (x - arm - 1, y), (x + arm + 1, y), 7)
    pygame.draw.line(target, RING, (x, y - arm - 1), (x, y + arm + 1), 7)
    pygame.draw.line(target, colour, (x - arm, y), (x + arm, y), 3)
    pygame.draw.line(target, colour, (x, y - arm), (x, y + arm), 3)
