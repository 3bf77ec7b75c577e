"""Colour-blind-safe class colours (Okabe-Ito, then Paul Tol) and marker shapes."""

from __future__ import annotations

_HEX = (
    # Okabe-Ito (black left out: it is the ring colour)
    "E69F00", "56B4E9", "009E73", "F0E442", "0072B2", "D55E00", "CC79A7",
    # Paul Tol muted / bright
    "882255", "44AA99", "999933",
    "332288", "88CCEE", "117733", "DDCC77", "CC6677", "AA4499", "4477AA", "EE6677",
    "228833", "BBBBBB",
)
PALETTE: tuple[tuple[int, int, int], ...] = tuple(
    (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)) for h in _HEX
)
SHAPES = ("circle", "square", "triangle", "diamond")
BACKGROUND = (246, 245, 240)
PANEL = (228, 226, 220)
INK = (25, 25, 30)
RING = (20, 20, 20)


def class_colour(c: int) -> tuple[int, int, int]:
    """Colour of class ``c`` (cycles after 20)."""
    return PALETTE[c % len(PALETTE)]


def class_shape(c: int) -> str:
    """Marker shape: circles for the first 10 classes, then other shapes."""
    return SHAPES[(c // 10) % len(SHAPES)]
