"""The play view's input: pointer, finger and key events turned into edits, gestures and
commands."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pygame

from hill_arcade.edits import Edit
from hill_arcade.input import InputEvent, Key, PointerDown, PointerMove, PointerUp, Wheel
from hill_arcade.render.scale import px
from hill_arcade.views.play_draw import LEFT_W

WHEEL_SCALE = 1.1
WHEEL_ZOOM = 1.15
ALPHA_STEP = 0.05
LR_FACTOR = 2.0  # the learning-rate stepper and [ ] halve / double it


@dataclass
class Drag:
    kind: str  # point | class | selection | pan | lasso | widget | zoom | scale
    last: tuple[float, float]
    target: Any = None
    gesture: int = 0
    edit: Edit | None = None
    path: list[tuple[float, float]] = field(default_factory=list)


@dataclass
class Pinch:
    """Two-finger gesture: ``zoom`` (camera) or ``scale`` (class ``cls``'s spread)."""

    mode: str  # zoom | scale
    fingers: dict[tuple[bool, int], tuple[float, float]]
    cls: int | None = None
    gesture: int = 0
    edit: Edit | None = None
    center_before: np.ndarray | None = None
    spread_before: float | None = None

    def geometry(self) -> tuple[np.ndarray, float]:
        """(midpoint, distance) of the two fingers."""
        a, b = (np.asarray(p, np.float64) for p in self.fingers.values())
        return (a + b) / 2.0, float(np.hypot(*(b - a)))


def points_in_polygon(points: np.ndarray, poly: np.ndarray) -> np.ndarray:
    """Boolean mask of ``points`` (N, 2) inside polygon ``poly`` (M, 2), even-odd rule."""
    x, y = points[:, 0][:, None], points[:, 1][:, None]
    x1, y1 = poly[:, 0][None, :], poly[:, 1][None, :]
    x2, y2 = np.roll(poly[:, 0], -1)[None, :], np.roll(poly[:, 1], -1)[None, :]
    crosses = (y1 > y) != (y2 > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        xi = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
    return (crosses & (x < xi)).sum(axis=1) % 2 == 1


class PlayInput:
    """Input handling of :class:`~hill_arcade.views.play.PlayView` (a part of it: it works on
    the view's edits, camera, drags and widgets)."""

    def handle(self, event: InputEvent) -> bool:
        if isinstance(event, Key):
            return self._key(event)
        if isinstance(event, Wheel):
            return self._wheel(event)
        if isinstance(event, PointerDown):
            return self._down(event)
        if isinstance(event, PointerMove):
            return self._move(event)
        if isinstance(event, PointerUp):
            return self._up(event)
        return False

    def _key(self, ev: Key) -> bool:
        ctrl = bool(ev.mod & (pygame.KMOD_CTRL | pygame.KMOD_META))
        shift = bool(ev.mod & pygame.KMOD_SHIFT)
        k = ev.key
        if ctrl and (k == pygame.K_y or (k == pygame.K_z and shift)):
            self.redo()
        elif ctrl and k == pygame.K_z:
            self.undo()
        elif ctrl:
            return False
        elif k == pygame.K_r:
            self.reset()
        elif k in (pygame.K_RETURN, pygame.K_KP_ENTER):
            self.train_round()
        elif k == pygame.K_SPACE:
            self.toggle_pause()
        elif k in (pygame.K_PLUS, pygame.K_KP_PLUS, pygame.K_EQUALS) or ev.unicode == "+":
            self.set_alpha(self.alpha + ALPHA_STEP)
        elif k in (pygame.K_MINUS, pygame.K_KP_MINUS) or ev.unicode == "-":
            self.set_alpha(self.alpha - ALPHA_STEP)
        elif k == pygame.K_RIGHTBRACKET or ev.unicode == "]":
            self.set_lr(self.lr * LR_FACTOR)
        elif k == pygame.K_LEFTBRACKET or ev.unicode == "[":
            self.set_lr(self.lr / LR_FACTOR)
        else:
            return False
        self._log_settings()
        return True

    def _wheel(self, ev: Wheel) -> bool:
        if not self.view_rect.collidepoint(ev.pos) or ev.dy == 0:
            return False
        c = self.hit_cross(ev.pos)
        if c is not None:
            assert self.edits is not None
            before = self.edits.center(c)
            spread0 = self._spread(c)
            edit = self.edits.scale_class(c, WHEEL_SCALE ** ev.dy)
            if edit is not None:
                self._log_edit(edit, center_before=before, spread_before=spread0)
        else:
            self.camera.zoom_at(ev.pos, WHEEL_ZOOM ** ev.dy)
        return True

    def _down(self, ev: PointerDown) -> bool:
        key = (ev.touch, ev.pid)
        if ev.pos[0] < px(LEFT_W):
            for w in self.widgets:
                if w.pointer_down(ev.pos):
                    self.drags[key] = Drag("widget", ev.pos, target=w)
                    return True
            return True
        if not self.view_rect.collidepoint(ev.pos):
            return False
        if ev.button in (2, 3):
            self.drags[key] = Drag("pan", ev.pos)
            return True
        if ev.button != 1:
            return False
        self._gesture += 1
        c = self.hit_cross(ev.pos, ev.touch)
        if ev.touch and self._start_pinch(key, ev.pos, c):
            return True
        if c is not None:
            if ev.double:
                self.collapse(c)
            else:
                assert self.edits is not None
                self.drags[key] = Drag("class", ev.pos, (c, self.edits.center(c)), self._gesture)
            return True
        if ev.mod & pygame.KMOD_SHIFT:
            self.drags[key] = Drag("lasso", ev.pos, path=[ev.pos])
            return True
        i = self.hit_point(ev.pos, ev.touch)
        if i is not None:
            if i in self.selection:
                self.drags[key] = Drag("selection", ev.pos, self.selection.copy(), self._gesture)
            else:
                self.selection = np.zeros(0, np.int64)
                self.drags[key] = Drag("point", ev.pos, i, self._gesture)
            return True
        self.selection = np.zeros(0, np.int64)
        if ev.touch:
            self.drags[key] = Drag("pan", ev.pos)
        return True

    def _start_pinch(self, key: tuple[bool, int], pos: tuple[float, float],
                     c: int | None) -> bool:
        """Turn a second finger into a pinch with the one finger already down, if it fits:
        on a class's cross (or centred on one) it scales that class, else it zooms."""
        others = [(k, d) for k, d in self.drags.items() if k[0] and k != key]
        if len(others) != 1:
            return False
        key0, first = others[0]
        fingers = {key0: first.last, key: pos}
        if first.kind == "class" and c in (None, first.target[0]):
            cls = first.target[0]
        elif first.kind in ("pan", "point") and c is None:
            mid = ((first.last[0] + pos[0]) / 2, (first.last[1] + pos[1]) / 2)
            cls = self.hit_cross(mid, True)
        else:
            return False  # e.g. two different crosses: two independent drags
        if first.edit is not None:  # the first finger already moved something
            self._log_edit(first.edit, center_before=(first.target[1] if first.kind == "class"
                                                      else None))
        if cls is None:
            pinch = Pinch("zoom", fingers)
        else:
            assert self.edits is not None
            pinch = Pinch("scale", fingers, cls, self._gesture,
                          center_before=self.edits.center(cls), spread_before=self._spread(cls))
        for k, p in fingers.items():
            self.drags[k] = Drag(pinch.mode, p, target=pinch, gesture=pinch.gesture)
        return True

    def _pinch_move(self, key: tuple[bool, int], pos: tuple[float, float], pinch: Pinch) -> None:
        mid0, dist0 = pinch.geometry()
        pinch.fingers[key] = pos
        mid1, dist1 = pinch.geometry()
        factor = dist1 / dist0 if dist0 >= 1.0 and dist1 >= 1.0 else 1.0
        if pinch.mode == "zoom":
            self.camera.pan(*(mid1 - mid0))
            if factor != 1.0:
                self.camera.zoom_at(tuple(mid1), factor)
        elif factor != 1.0:
            assert self.edits is not None and pinch.cls is not None
            edit = self.edits.scale_class(pinch.cls, factor, pinch.gesture)
            pinch.edit = edit or pinch.edit

    def _pinch_up(self, key: tuple[bool, int], pinch: Pinch) -> None:
        for k in pinch.fingers:
            if k != key and k in self.drags:
                # the finger left on the glass pans (after a zoom) or rests (after a scale)
                last = self.drags.pop(k).last
                if pinch.mode == "zoom":
                    self.drags[k] = Drag("pan", last)
        if pinch.edit is not None:
            self._log_edit(pinch.edit, center_before=pinch.center_before,
                           spread_before=pinch.spread_before)

    def _move(self, ev: PointerMove) -> bool:
        drag = self.drags.get((ev.touch, ev.pid))
        if drag is None:
            return False
        if drag.kind in ("zoom", "scale"):
            self._pinch_move((ev.touch, ev.pid), ev.pos, drag.target)
        elif drag.kind == "widget":
            drag.target.pointer_move(ev.pos)
        elif drag.kind == "pan":
            self.camera.pan(ev.pos[0] - drag.last[0], ev.pos[1] - drag.last[1])
        elif drag.kind == "lasso":
            drag.path.append(ev.pos)
        else:
            assert self.edits is not None
            delta = self.camera.screen_to_world(ev.pos) - self.camera.screen_to_world(drag.last)
            if drag.kind == "class":
                edit = self.edits.move_class(drag.target[0], delta, drag.gesture)
            elif drag.kind == "point":
                edit = self.edits.move_point(drag.target, delta, drag.gesture)
            else:
                edit = self.edits.move_points(drag.target, delta, drag.gesture)
            drag.edit = edit or drag.edit
        drag.last = ev.pos
        return True

    def _up(self, ev: PointerUp) -> bool:
        drag = self.drags.pop((ev.touch, ev.pid), None)
        if drag is None:
            return False
        if drag.kind in ("zoom", "scale"):
            self._pinch_up((ev.touch, ev.pid), drag.target)
        elif drag.kind == "widget":
            drag.target.pointer_up(ev.pos)
            self._log_settings()
        elif drag.kind == "lasso":
            drag.path.append(ev.pos)
            if len(drag.path) >= 3:
                inside = points_in_polygon(self.point_screen(), np.asarray(drag.path))
                self.selection = np.flatnonzero(inside)
                self.app.log.write("select", points=self.selection, count=len(self.selection))
        elif drag.edit is not None:
            before = drag.target[1] if drag.kind == "class" else None
            self._log_edit(drag.edit, center_before=before)
        return True
