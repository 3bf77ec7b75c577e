"""The latent canvas section: the scatter of display points, class crosses and rings, and
the pointer / finger / key input that edits them (drag points and classes, lasso, pinch,
wheel, pan and zoom). Everything it edits lives in the play view's EditState."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pygame

from hill_arcade.edits import Edit, class_means
from hill_arcade.input import InputEvent, Key, PointerDown, PointerMove, PointerUp, Wheel
from hill_arcade.render.camera import Camera
from hill_arcade.render.palette import INK, class_colour
from hill_arcade.render.points import CROSS_ARM, DOT_RADIUS, PointLayer
from hill_arcade.render.scale import px
from hill_arcade.shared import TrainerState
from hill_arcade.views.inspector import Inspector
from hill_arcade.views.legend import LEGEND_W
from hill_arcade.views.panel import LEFT_W
from hill_arcade.views.section import Section
from hill_arcade.widgets.base import rendered, text
from hill_arcade.widgets.status import draw_banner

WHEEL_SCALE = 1.1
WHEEL_ZOOM = 1.15
TWEEN_S = 0.3
TWEEN_FPS = 30  # a tween re-renders the scatter at most this often (frames in between reuse it)
CROSS_HIT_PX = (16, 28)  # (mouse, finger)
POINT_HIT_PX = (9, 22)
VAL_BANNER = "Validation sample (view only; rings = misclassified) - press v to edit again"
FIRST_HINT = "Drag a class's cross (+) where it should go, then press Train (enter)"
HINT_BG = (40, 90, 150)
LONG_PRESS_S = 0.5
GHOST_ARM = 6  # half size of a target's ghost cross (design px)
EDIT_DRAGS = ("point", "class", "selection", "scale", "lasso")


@dataclass
class Drag:
    kind: str  # point | class | selection | pan | lasso | widget | zoom | scale
    last: tuple[float, float]
    target: Any = None
    gesture: int = 0
    edit: Edit | None = None
    path: list[tuple[float, float]] = field(default_factory=list)
    t0: float = field(default_factory=time.monotonic)  # when the pointer went down
    moved: bool = False


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



class LatentCanvas(Section):
    """The middle of the play view: draws the display points and turns input into edits."""

    def __init__(self, view) -> None:  # noqa: ANN001
        super().__init__(view)
        self.camera = Camera()
        self.layer = PointLayer()
        self.drags: dict[tuple[bool, int], Drag] = {}
        self.selection = np.zeros(0, np.int64)
        self._scatter_inputs: tuple | None = None  # what the scatter was last drawn from
        self._scatter_drawn: tuple | None = None  # what the screen shows (retained drawing)
        self._scatter_overlaid = False  # a lasso, banner or extras went over that drawing
        self.inspector = Inspector()
        self.hover: int | None = None  # display point whose card shows (mouse rest, long press)

    @property
    def rect(self) -> pygame.Rect:
        return pygame.Rect(self.camera.rect)

    def layout(self, size: tuple[int, int]) -> None:
        """Fill the window between the control panel and the legend."""
        w, h = size
        left, legend = px(LEFT_W), px(LEGEND_W)
        self.camera.set_rect((left, 0, max(50, w - left - legend), h))

    @property
    def editing(self) -> bool:
        """True while a finger or the mouse is moving points (a new projection waits for the
        gesture to end, so nothing is pulled from under the pointer)."""
        return any(d.kind in EDIT_DRAGS for d in self.drags.values())

    def forget_edit_drags(self) -> None:
        """A new projection replaced the points: drags that moved points end; pans stay."""
        self.selection = np.zeros(0, np.int64)
        for key in [k for k, d in self.drags.items() if d.kind not in ("pan", "zoom")]:
            del self.drags[key]

    # geometry ---------------------------------------------------------------------------
    def cross_positions(self) -> np.ndarray:
        """(C, 2) integer screen positions of the class crosses (NaN classes -> -1e6)."""
        scr = self.camera.world_to_screen(self.view.class_centers())
        scr = np.where(np.isfinite(scr), scr, -1e6)
        return np.round(scr).astype(np.int64)

    def point_screen(self) -> np.ndarray:
        assert self.view.edits is not None
        return self.camera.world_to_screen(self.view.edits.positions)

    def hit_cross(self, pos: tuple[float, float], touch: bool = False) -> int | None:
        """Class whose cross is under ``pos`` (nearest within the touch radius)."""
        if self.view.num_classes == 0:
            return None
        d = np.hypot(*(self.cross_positions() - np.asarray(pos)).T)
        c = int(np.argmin(d))
        return c if d[c] <= px(CROSS_HIT_PX[touch]) else None

    def hit_point(self, pos: tuple[float, float], touch: bool = False) -> int | None:
        """The topmost point directly under ``pos``, else the nearest within the touch radius."""
        d = np.hypot(*(self.point_screen() - np.asarray(pos)).T)
        under = np.flatnonzero(d <= px(DOT_RADIUS + 1))
        if len(under):
            return int(under[-1])  # drawn last = on top
        near = np.flatnonzero(d <= px(POINT_HIT_PX[touch]))
        return int(near[np.argmin(d[near])]) if len(near) else None

    # drawing ----------------------------------------------------------------------------
    def draw(self, surface: pygame.Surface, repaint: bool) -> None:
        """Points, crosses, lasso, banner and extras; skipped when none of it changed."""
        view = self.view
        assert view.edits is not None and view.snapshot is not None
        progress = self.app.session.progress()
        vr = self.rect
        tweening = view.tween_t < 1.0
        # quantised tween time: the scatter is re-rendered at most TWEEN_FPS times a second,
        # starting one step in (step 0 would redraw the old layout)
        steps = round(TWEEN_S * TWEEN_FPS)
        t = min(1.0, (np.floor(view.tween_t * steps) + 1) / steps) if tweening else 1.0
        if view.show_val and view.val is not None:  # the validation sample, view only
            pos, labels, predictions = view.val
            wrong = predictions != labels
        else:
            pos, labels, wrong = view.positions_at(t), view.edits.labels, view.wrong
        active = {d.target[0] for d in self.drags.values() if d.kind == "class"}
        active |= {d.target.cls for d in self.drags.values() if d.kind == "scale"}
        lassos = tuple(tuple(d.path) for d in self.drags.values()
                       if d.kind == "lasso" and len(d.path) > 1)
        banner = (f"Training error: {progress.error or progress.message} - press enter to retry"
                  if progress.state == TrainerState.ERROR else None)
        extras = view.scatter_extras()
        selection = self.selection.tobytes()
        ghosts = self.ghosts_key()
        hint = self.hint()
        if self.app.record_error is not None or self.app.stall_error is not None:
            banner = self.app.record_error or self.app.stall_error
        elif banner is None and view.show_val:
            banner = VAL_BANNER
        shown = (view.show_val, view.show_before, view.focus, view.hidden, view.show_confusion,
                 view.highlight, self.hover)
        inputs = (view.snapshot.version, view.edits.version, t, self.camera.version, tuple(vr),
                  selection, frozenset(active), lassos, banner, extras, ghosts, hint, shown)
        if not repaint and inputs == self._scatter_inputs:
            return
        self._scatter_inputs = inputs
        # what would show, in whole pixels: late tween steps often move nothing visibly
        screen = np.round(self.camera.world_to_screen(pos))
        crosses = self.cross_positions() if t >= 1.0 and not view.show_val else np.round(
            self.camera.world_to_screen(class_means(pos, labels, view.num_classes))
        ).astype(np.int64)
        if view.hidden:
            hidden = np.isin(labels, list(view.hidden))
            screen[hidden] = np.nan
            crosses[[c for c in view.hidden if c < len(crosses)]] = -10**6
        self.layer.set_dimmed(frozenset() if view.focus is None else
                              frozenset(range(view.num_classes)) - {view.focus})
        key = (screen.tobytes(), wrong.tobytes(), labels.tobytes(), selection, self.layer.dimmed)
        drawn = (key, crosses.tobytes(), *inputs[4:])
        if not repaint and drawn == self._scatter_drawn:
            return
        # the view holds only the last layer draw unless overlays were drawn on it since
        clean = not repaint and self._scatter_drawn is not None and not self._scatter_overlaid
        overlaid = True  # class labels go over every drawing (and so does anything else)
        self._scatter_drawn, self._scatter_overlaid = drawn, overlaid
        self.layer.draw(surface, vr, screen, labels, wrong, key,
                        self.selection, crosses, frozenset(active), clean)
        if overlaid:
            prev_clip = surface.get_clip()
            surface.set_clip(vr)
            if view.show_before and view.before is not None:
                self.draw_before(surface, crosses)
            self.draw_cross_labels(surface, crosses)
            if self.hover is not None and not view.show_val and self.hover < len(screen):
                x, y = screen[self.hover]
                if np.isfinite([x, y]).all():
                    self.inspector.draw(surface, view, self.hover, (int(x), int(y)))
            if ghosts:
                self.draw_targets(surface, crosses)
            for path in lassos:
                pygame.draw.lines(surface, INK, True, path, 1)
            if banner is not None:
                draw_banner(surface, pygame.Rect(vr.x, vr.y, vr.w, px(40)), banner)
            if hint is not None:
                self.draw_hint(surface, hint)
            view.draw_scatter_extras(surface)
            surface.set_clip(prev_clip)
        self.app.damage(vr)

    def draw_cross_labels(self, surface: pygame.Surface, crosses: np.ndarray) -> None:
        """Each class's short name beside its cross."""
        off = px(CROSS_ARM + 4)
        for c, (x, y) in enumerate(crosses.tolist()):
            if abs(x) < 1e5 and abs(y) < 1e5 and c < len(self.view.class_names):
                text(surface, self.view.class_names[c][:8], (x + off, y + off - px(4)), 18, INK)

    def draw_before(self, surface: pygame.Surface, crosses: np.ndarray) -> None:
        """The projection before the last round, faded, with an arrow per class from its
        center then to its center now."""
        view = self.view
        points, labels, _ = view.before
        screen = np.round(self.camera.world_to_screen(points)).astype(np.int64)
        half = px(DOT_RADIUS) + 1
        ok = (np.abs(screen) < 1e5).all(axis=1) & ~np.isin(labels, list(view.hidden))
        surface.fblits([(self.layer.faded_sprite(int(c)), (int(x) - half, int(y) - half))
                        for c, (x, y) in zip(labels[ok].tolist(), screen[ok].tolist(),
                                             strict=True)])
        old = self.camera.world_to_screen(class_means(points, labels, view.num_classes))
        for c in range(min(len(old), len(crosses))):
            (x0, y0), (x1, y1) = old[c], crosses[c]
            if c in view.hidden or not (np.isfinite([x0, y0]).all() and abs(x1) < 1e5):
                continue
            draw_arrow(surface, class_colour(c), (x0, y0), (x1, y1), max(1, px(2)))

    def hint(self) -> str | None:
        """The first-run hint, until the person has edited or trained."""
        view = self.view
        if view.round_starts or view.edits.edited or view.targets or self.drags:
            return None
        return FIRST_HINT

    def hint_rect(self) -> pygame.Rect:
        vr = self.rect
        box = pygame.Rect(0, 0, min(vr.w - px(20), px(560)), px(40))
        box.midbottom = (vr.centerx, vr.bottom - px(14))
        return box

    def draw_hint(self, surface: pygame.Surface, hint: str) -> None:
        box = self.hint_rect()
        pygame.draw.rect(surface, HINT_BG, box, border_radius=px(10))
        img = rendered(hint, 22, (255, 255, 255))
        surface.blit(img, img.get_rect(center=box.center))

    def ghosts_key(self) -> tuple:
        """What the target overlay shows (empty: no targets)."""
        view = self.view
        targets = view.effective_targets()
        if not targets:
            return ()
        reach = view.reach
        shown = () if reach is None else tuple(np.round(np.nan_to_num(reach.center, nan=-9), 2))
        return (view.targets_key, shown)

    def draw_targets(self, surface: pygame.Surface, crosses: np.ndarray) -> None:
        """Each target as a ghost: a ring at the target spread and a small cross at the target
        center in the class colour, a thin line from the class's live center, and the reach."""
        view = self.view
        targets = view.effective_targets()
        reach = view.reach
        width = max(1, px(1))
        for c in np.flatnonzero(targets.active):
            colour = class_colour(int(c))
            ghost = np.round(self.camera.world_to_screen(targets.centers[c])).astype(int)
            gx, gy = int(ghost[0]), int(ghost[1])
            radius = int(round(float(targets.spreads[c]) * self.camera.scale))
            if abs(gx) > 1e5 or abs(gy) > 1e5:
                continue
            live = crosses[c] if c < len(crosses) else None
            if live is not None and (np.abs(live) < 1e5).all():
                pygame.draw.line(surface, colour, (int(live[0]), int(live[1])), (gx, gy), width)
            if 2 <= radius < 4000:
                pygame.draw.circle(surface, colour, (gx, gy), radius, max(1, px(2)))
            arm = px(GHOST_ARM)
            pygame.draw.line(surface, colour, (gx - arm, gy - arm), (gx + arm, gy + arm),
                             px(3))
            pygame.draw.line(surface, colour, (gx - arm, gy + arm), (gx + arm, gy - arm),
                             px(3))
            if reach is not None and c < len(reach.center) and np.isfinite(reach.center[c]):
                text(surface, f"{reach.center[c]:.0%}", (gx + arm + px(3), gy - px(8)), 18, INK)

    def hit_ghost(self, pos: tuple[float, float], touch: bool = False) -> int | None:
        """Class whose target ghost is under ``pos``."""
        targets = self.view.effective_targets()
        idx = np.flatnonzero(targets.active)
        if not len(idx):
            return None
        d = np.hypot(*(self.camera.world_to_screen(targets.centers[idx]) - np.asarray(pos)).T)
        k = int(np.argmin(d))
        return int(idx[k]) if d[k] <= px(CROSS_HIT_PX[touch]) else None

    # input ------------------------------------------------------------------------------
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
        view = self.view
        ctrl = bool(ev.mod & (pygame.KMOD_CTRL | pygame.KMOD_META))
        shift = bool(ev.mod & pygame.KMOD_SHIFT)
        k = ev.key
        if ctrl and (k == pygame.K_y or (k == pygame.K_z and shift)):
            view.redo()
        elif ctrl and k == pygame.K_z:
            view.undo()
        elif ctrl:
            return False
        elif k == pygame.K_r and shift:
            view.clear_target()
        elif k == pygame.K_d:
            view.toggle("before")
        elif k == pygame.K_v:
            view.toggle("val")
        elif k == pygame.K_c:
            view.toggle("confusion")
        elif k in (pygame.K_HOME, pygame.K_0):
            view.fit()
        elif k == pygame.K_r:
            view.reset()
        else:
            return False
        return True

    def _wheel(self, ev: Wheel) -> bool:
        if not self.rect.collidepoint(ev.pos) or ev.dy == 0:
            return False
        c = self.hit_cross(ev.pos)
        if c is not None:
            assert self.view.edits is not None
            before = self.view.edits.center(c)
            spread0 = self.view.spread_of(c)
            edit = self.view.edits.scale_class(c, WHEEL_SCALE ** ev.dy)
            if edit is not None:
                self.view.log_edit(edit, center_before=before, spread_before=spread0)
        else:
            self.camera.zoom_at(ev.pos, WHEEL_ZOOM ** ev.dy)
        return True

    def _down(self, ev: PointerDown) -> bool:
        key = (ev.touch, ev.pid)
        if not self.rect.collidepoint(ev.pos):
            return False
        if ev.button == 3:  # right-click on a target's ghost clears that target
            c = self.hit_ghost(ev.pos)
            if c is not None:
                self.view.clear_target(c)
                return True
        if ev.button in (2, 3):
            self.drags[key] = Drag("pan", ev.pos)
            return True
        if ev.button != 1:
            return False
        if self.view.show_val:  # the validation sample is view only: drag pans
            self.drags[key] = Drag("pan", ev.pos)
            return True
        gesture = self.view.new_gesture()
        c = self.hit_cross(ev.pos, ev.touch)
        if ev.touch and self._start_pinch(key, ev.pos, c):
            return True
        if c is not None:
            if ev.double:
                self.view.collapse(c)
            else:
                assert self.view.edits is not None
                self.drags[key] = Drag("class", ev.pos, (c, self.view.edits.center(c)), gesture)
            return True
        if ev.mod & pygame.KMOD_SHIFT:
            self.drags[key] = Drag("lasso", ev.pos, path=[ev.pos])
            return True
        i = self.hit_point(ev.pos, ev.touch)
        if i is not None:
            if i in self.selection:
                self.drags[key] = Drag("selection", ev.pos, self.selection.copy(), gesture)
            else:
                self.selection = np.zeros(0, np.int64)
                self.drags[key] = Drag("point", ev.pos, i, gesture)
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
            self.view.log_edit(first.edit, center_before=(first.target[1] if first.kind == "class"
                                                      else None))
        if cls is None:
            pinch = Pinch("zoom", fingers)
        else:
            assert self.view.edits is not None
            pinch = Pinch("scale", fingers, cls, first.gesture,
                          center_before=self.view.edits.center(cls),
                          spread_before=self.view.spread_of(cls))
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
            assert self.view.edits is not None and pinch.cls is not None
            edit = self.view.edits.scale_class(pinch.cls, factor, pinch.gesture)
            pinch.edit = edit or pinch.edit

    def _pinch_up(self, key: tuple[bool, int], pinch: Pinch) -> None:
        for k in pinch.fingers:
            if k != key and k in self.drags:
                # the finger left on the glass pans (after a zoom) or rests (after a scale)
                last = self.drags.pop(k).last
                if pinch.mode == "zoom":
                    self.drags[k] = Drag("pan", last)
        if pinch.edit is not None:
            self.view.log_edit(pinch.edit, center_before=pinch.center_before,
                           spread_before=pinch.spread_before)

    def hover_at(self, pos: tuple[float, float]) -> None:
        """The mouse rests at ``pos`` with no button down: the card of the dot under it."""
        view = self.view
        inside = self.rect.collidepoint(pos) and not view.show_val and not self.drags
        self.hover = self.hit_point(pos) if inside else None

    def update(self, dt: float) -> None:
        """A finger held still on a dot for LONG_PRESS_S shows that dot's card."""
        for drag in self.drags.values():
            if (drag.kind == "point" and not drag.moved
                    and time.monotonic() - drag.t0 >= LONG_PRESS_S):
                self.hover = int(drag.target)

    def _move(self, ev: PointerMove) -> bool:
        drag = self.drags.get((ev.touch, ev.pid))
        if drag is None:
            return False
        if ev.pos != drag.last:
            drag.moved = True
            if drag.kind == "point":
                self.hover = None  # a dragged dot is being moved, not inspected
        if drag.kind in ("zoom", "scale"):
            self._pinch_move((ev.touch, ev.pid), ev.pos, drag.target)
        elif drag.kind == "pan":
            self.camera.pan(ev.pos[0] - drag.last[0], ev.pos[1] - drag.last[1])
        elif drag.kind == "lasso":
            drag.path.append(ev.pos)
        else:
            assert self.view.edits is not None
            delta = self.camera.screen_to_world(ev.pos) - self.camera.screen_to_world(drag.last)
            if drag.kind == "class":
                edit = self.view.edits.move_class(drag.target[0], delta, drag.gesture)
            elif drag.kind == "point":
                edit = self.view.edits.move_point(drag.target, delta, drag.gesture)
            else:
                edit = self.view.edits.move_points(drag.target, delta, drag.gesture)
            drag.edit = edit or drag.edit
        drag.last = ev.pos
        return True

    def _up(self, ev: PointerUp) -> bool:
        drag = self.drags.pop((ev.touch, ev.pid), None)
        if drag is None:
            return False
        if ev.touch and drag.kind == "point":
            self.hover = None  # a long press's card goes with the finger
        if drag.kind in ("zoom", "scale"):
            self._pinch_up((ev.touch, ev.pid), drag.target)
        elif drag.kind == "lasso":
            drag.path.append(ev.pos)
            if len(drag.path) >= 3:
                inside = points_in_polygon(self.point_screen(), np.asarray(drag.path))
                self.selection = np.flatnonzero(inside)
                self.app.log.write("select", points=self.selection, count=len(self.selection))
        elif drag.edit is not None:
            before = drag.target[1] if drag.kind == "class" else None
            self.view.log_edit(drag.edit, center_before=before)
        return True


def draw_arrow(surface: pygame.Surface, colour: tuple[int, int, int],
               start: tuple[float, float], end: tuple[float, float], width: int) -> None:
    """A line from ``start`` to ``end`` with a filled head at ``end``."""
    v = np.subtract(end, start, dtype=np.float64)
    length = float(np.hypot(*v))
    if length < 2:
        return
    u = v / length
    head = min(px(12), length * 0.5)
    base = np.asarray(end) - u * head
    side = np.array([-u[1], u[0]]) * head * 0.45
    pygame.draw.line(surface, colour, tuple(start), tuple(base), width)
    pygame.draw.polygon(surface, colour, [tuple(end), tuple(base + side), tuple(base - side)])
