"""The play view: control panel | latent scatter (drag to edit) | legend."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pygame

from hill_arcade.edits import Edit, EditState, class_means
from hill_arcade.input import InputEvent, Key, PointerDown, PointerMove, PointerUp, Wheel
from hill_arcade.render.camera import Camera
from hill_arcade.render.palette import BACKGROUND, INK, PANEL
from hill_arcade.render.points import DOT_RADIUS, PointLayer
from hill_arcade.render.scale import px, scaled_rect
from hill_arcade.scene import Scene
from hill_arcade.shared import Command, CommandKind, Snapshot, Targets, TrainerState
from hill_arcade.widgets.base import Button, Slider, Stepper, Widget, text
from hill_arcade.widgets.status import draw_banner, draw_chart, draw_metrics, draw_progress

LEFT_W = 260
LEGEND_W = 180
TWEEN_S = 0.3
PANEL_FPS = 5  # metrics and chart re-render at most this often
LIVE_FPS = 30  # the progress bar's batch counter redraws at most this often
TWEEN_FPS = 30  # a tween re-renders the scatter at most this often (frames in between reuse it)
CROSS_HIT_PX = (16, 28)  # (mouse, finger)
POINT_HIT_PX = (9, 22)
WHEEL_SCALE = 1.1
WHEEL_ZOOM = 1.15
ALPHA_STEP = 0.05
LR_FACTOR = 2.0  # the learning-rate stepper and [ ] halve / double it
LR_RANGE = (1e-6, 1.0)
EDIT_DRAGS = ("point", "class", "selection", "scale", "lasso")


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


class PlayView(Scene):
    """Edits the display sample's 2D points; sends them as HILL targets with each round."""

    def __init__(self, app, snapshot: Snapshot) -> None:  # noqa: ANN001
        super().__init__(app)
        cfg = app.scene_cfg
        self.camera = Camera()
        self.layer = PointLayer()
        self.snapshot: Snapshot | None = None
        self.edits: EditState | None = None
        self.num_classes = 0
        self.class_names: tuple[str, ...] = ()
        self.tween_from: np.ndarray | None = None
        self.tween_t = 1.0
        self.drags: dict[tuple[bool, int], Drag] = {}
        self.selection = np.zeros(0, np.int64)
        self.round_starts: list[int] = []
        self.epochs_per_round = cfg.schedule.epochs_per_round
        self.alpha = cfg.hill.alpha
        self.lam = cfg.hill.lam
        self.lr = cfg.optimizer.lr
        self._gesture = 0
        self._awaiting: tuple[TrainerState, float] | None = None
        self.widgets: list[Widget] = []
        self._centers_key: tuple | None = None
        self._centers_cache = np.zeros((0, 2), np.float32)
        self._panel: tuple[tuple, int, pygame.Surface] | None = None  # key, version, image
        self._panel_at = 0.0  # monotonic time the panel was last rendered
        self._legend: tuple[tuple, np.ndarray, pygame.Surface] | None = None
        self._scatter_inputs: tuple | None = None  # what the scatter was last drawn from
        self._scatter_drawn: tuple | None = None  # what the screen shows (retained drawing)
        self._live_drawn: tuple | None = None
        self._live_at = 0.0  # monotonic time the live status was last drawn
        self._build_panel()
        self.layout(app.screen.get_size())
        self.set_snapshot(snapshot, fit=True)
        self.lr = float(snapshot.metrics.get("lr") or self.lr)  # a checkpoint's own rate
        self._settings_logged = self._settings()

    # layout / panel --------------------------------------------------------------------
    @property
    def view_rect(self) -> pygame.Rect:
        return pygame.Rect(self.camera.rect)

    def layout(self, size: tuple[int, int]) -> None:
        w, h = size
        left, legend = px(LEFT_W), px(LEGEND_W)
        self.camera.set_rect((left, 0, max(50, w - left - legend), h))

    def _build_panel(self) -> None:
        x, w = 14, LEFT_W - 28
        self.train_button = Button(scaled_rect(x, 44, w, 56), "Train next round",
                                   self.train_round, "enter", self.can_train)
        self.pause_button = Button(scaled_rect(x, 108, w, 44), self._pause_label,
                                   self.toggle_pause, "space", self._can_pause)
        self.stepper = Stepper(scaled_rect(x, 162, w, 30), "epochs/round",
                               lambda: self.epochs_per_round, self._set_epochs, 1, 200)
        self.lr_stepper = Stepper(scaled_rect(x, 198, w, 30), "learning rate", lambda: self.lr,
                                  self.set_lr, LR_RANGE[0], LR_RANGE[1],
                                  step=lambda v, d: v * LR_FACTOR ** d, fmt=lambda v: f"{v:.1e}",
                                  value_w=78)
        self.alpha_slider = Slider(scaled_rect(x, 236, w, 40), "alpha", lambda: self.alpha,
                                   self.set_alpha, 0.0, 1.0)
        self.lam_slider = Slider(scaled_rect(x, 282, w, 40), "lambda", lambda: self.lam,
                                 self.set_lam, 0.0, 2.0)
        self.widgets = [self.train_button, self.pause_button, self.stepper, self.lr_stepper,
                        self.alpha_slider, self.lam_slider]

    def _set_epochs(self, n: int) -> None:
        self.epochs_per_round = int(n)

    # settings take effect at the trainer's next batch, also in the middle of a round
    def set_alpha(self, value: float) -> None:
        self.alpha = round(float(np.clip(value, 0.0, 1.0)), 4)
        self.app.buffer.set_weights(alpha=self.alpha)

    def set_lam(self, value: float) -> None:
        self.lam = round(float(np.clip(value, 0.0, 10.0)), 4)
        self.app.buffer.set_weights(lam=self.lam)

    def set_lr(self, value: float) -> None:
        self.lr = float(f"{np.clip(value, *LR_RANGE):.3g}")
        self.app.buffer.set_lr(self.lr)

    def _settings(self) -> dict[str, float]:
        return {"alpha": self.alpha, "lam": self.lam, "lr": self.lr,
                "epochs_per_round": self.epochs_per_round}

    def _log_settings(self) -> None:
        """One `settings` event per finished change (slider released, key, button)."""
        now = self._settings()
        if now != self._settings_logged:
            changed = {k: v for k, v in now.items() if self._settings_logged.get(k) != v}
            self.app.log.write("settings", changed=sorted(changed), **now)
            self._settings_logged = now

    def _can_pause(self) -> bool:
        return self.app.buffer.progress().state in (TrainerState.TRAINING, TrainerState.PAUSED)

    def _pause_label(self) -> str:
        return "Resume" if self.app.buffer.progress().state == TrainerState.PAUSED else "Pause"

    # snapshots -------------------------------------------------------------------------
    def set_snapshot(self, snap: Snapshot, fit: bool = False) -> None:
        """Adopt a new projection: tween from the old display, clear edits and selection."""
        old = self.display_positions() if self.edits is not None else None
        self.snapshot = snap
        self.edits = EditState(snap.points, snap.labels)
        self._centers_key = None
        labels = self.edits.labels
        n_names = len(snap.class_names)
        self.num_classes = max(n_names, int(labels.max()) + 1 if len(labels) else 0)
        self.class_names = tuple(snap.class_names) + tuple(
            f"class {c}" for c in range(n_names, self.num_classes))
        self.wrong = np.asarray(snap.predictions).reshape(-1) != labels
        self.selection = np.zeros(0, np.int64)
        for key in [k for k, d in self.drags.items() if d.kind not in ("pan", "widget", "zoom")]:
            del self.drags[key]
        if old is not None and old.shape == self.edits.positions.shape:
            self.tween_from, self.tween_t = old, 0.0
        else:
            self.tween_from, self.tween_t = None, 1.0
        if fit:
            self.camera.fit(self.edits.positions)

    def _layout_left_view(self, points: np.ndarray) -> bool:
        """True when a new projection is mostly off-screen or shrank to a speck, e.g. when the
        projection head finishes learning in epoch 1; the camera then refits."""
        if len(points) == 0:
            return False
        x, y, w, h = self.camera.rect
        scr = self.camera.world_to_screen(points)
        inside = ((scr[:, 0] >= x) & (scr[:, 0] <= x + w) & (scr[:, 1] >= y)
                  & (scr[:, 1] <= y + h))
        span = scr.max(0) - scr.min(0)
        return bool(inside.mean() < 0.8 or (span < 0.1 * np.array([w, h])).all())

    def display_positions(self) -> np.ndarray:
        """Where points are drawn now (mid-tween or the edited positions)."""
        assert self.edits is not None
        return self._positions_at(self.tween_t)

    def _positions_at(self, t: float) -> np.ndarray:
        assert self.edits is not None
        if self.tween_from is None or t >= 1.0:
            return self.edits.positions
        e = 1 - (1 - t) ** 3  # ease-out cubic
        return self.tween_from + (self.edits.positions - self.tween_from) * e

    def update(self, dt: float) -> None:
        self.layout(self.app.screen.get_size())
        snap = self.app.buffer.latest()
        if (snap is not None and self.snapshot is not None
                and snap.version != self.snapshot.version and not self.editing):
            self.set_snapshot(snap, fit=self._layout_left_view(snap.points))
        if self.tween_t < 1.0:
            self.tween_t = min(1.0, self.tween_t + dt / TWEEN_S)
        if self._awaiting is not None:
            state0, t0 = self._awaiting
            if self.app.buffer.progress().state != state0 or time.monotonic() - t0 > 5.0:
                self._awaiting = None

    @property
    def editing(self) -> bool:
        """True while a finger or the mouse is moving points (a new projection waits for the
        gesture to end, so nothing is pulled from under the pointer)."""
        return any(d.kind in EDIT_DRAGS for d in self.drags.values())

    # geometry helpers ------------------------------------------------------------------
    def class_centers(self) -> np.ndarray:
        """(C, 2) float32 class centers of the edited positions (cached per edit version)."""
        assert self.edits is not None
        key = (id(self.edits), self.edits.version, self.num_classes)
        if self._centers_key != key:
            self._centers_cache = class_means(self.edits.positions, self.edits.labels,
                                           self.num_classes).astype(np.float32)
            self._centers_key = key
        return self._centers_cache

    def cross_positions(self) -> np.ndarray:
        """(C, 2) integer screen positions of the class crosses (NaN classes -> -1e6)."""
        scr = self.camera.world_to_screen(self.class_centers())
        scr = np.where(np.isfinite(scr), scr, -1e6)
        return np.round(scr).astype(np.int64)

    def point_screen(self) -> np.ndarray:
        assert self.edits is not None
        return self.camera.world_to_screen(self.edits.positions)

    def hit_cross(self, pos: tuple[float, float], touch: bool = False) -> int | None:
        """Class whose cross is under ``pos`` (nearest within the touch radius)."""
        if self.num_classes == 0:
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

    # input -----------------------------------------------------------------------------
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

    # actions ---------------------------------------------------------------------------
    def _spread(self, c: int) -> float:
        assert self.edits is not None
        idx = self.edits.class_indices(c)
        p = self.edits.positions[idx]
        return float(np.linalg.norm(p - p.mean(axis=0), axis=1).mean()) if len(idx) else 0.0

    def _log_edit(self, edit: Edit, center_before: np.ndarray | None = None,
                  spread_before: float | None = None) -> None:
        fields: dict[str, Any] = {"op": edit.op}
        if edit.cls is not None:
            fields["class"] = edit.cls
            fields["before"] = (edit.before.mean(axis=0) if center_before is None
                                else center_before)
            fields["after"] = edit.after.mean(axis=0)
            if edit.op == "scale_class":
                fields["spread_before"] = spread_before
                fields["spread_after"] = self._spread(edit.cls)
        elif edit.point is not None:
            fields["point"] = edit.point
            fields["before"], fields["after"] = edit.before[0], edit.after[0]
        else:
            fields["points"] = edit.indices
            fields["before"] = edit.before.mean(axis=0)
            fields["after"] = edit.after.mean(axis=0)
        self.app.log.write("edit", **fields)

    def collapse(self, c: int) -> None:
        assert self.edits is not None
        before, spread0 = self.edits.center(c), self._spread(c)
        edit = self.edits.collapse_class(c)
        if edit is not None:
            self._log_edit(edit, center_before=before, spread_before=spread0)

    def undo(self) -> None:
        assert self.edits is not None
        edit = self.edits.undo()
        if edit is not None:
            self.app.log.write("undo", op=edit.op, **self._ids(edit))

    def redo(self) -> None:
        assert self.edits is not None
        edit = self.edits.redo()
        if edit is not None:
            self.app.log.write("redo", op=edit.op, **self._ids(edit))

    def reset(self) -> None:
        assert self.edits is not None
        if self.edits.edited and self.edits.reset() is not None:
            self.app.log.write("reset")

    @staticmethod
    def _ids(edit: Edit) -> dict[str, Any]:
        if edit.cls is not None:
            return {"class": edit.cls}
        if edit.point is not None:
            return {"point": edit.point}
        return {"points": edit.indices} if edit.op != "reset" else {}

    def can_train(self) -> bool:
        state = self.app.buffer.progress().state
        busy = (TrainerState.TRAINING, TrainerState.PAUSED, TrainerState.LOADING,
                TrainerState.STOPPED)
        return state not in busy and self._awaiting is None

    def train_round(self) -> bool:
        """Send edits (if any) as targets, the weights, and RUN_ROUND; False if busy."""
        if not self.can_train() or self.edits is None or self.snapshot is None:
            return False
        buf = self.app.buffer
        targets = None
        if self.edits.edited:
            # imported here so the window opens before torch has loaded (the worker loads it)
            from hill_arcade.training.loss import targets_from_points

            centers, spreads = targets_from_points(self.edits.positions, self.edits.labels,
                                                   self.num_classes)
            targets = Targets(centers, spreads)
        buf.set_targets(targets)
        buf.set_weights(self.alpha, self.lam)
        buf.set_lr(self.lr)
        buf.send(Command(CommandKind.RUN_ROUND, int(self.epochs_per_round)))
        self._awaiting = (buf.progress().state, time.monotonic())
        self.round_starts.append(int(self.snapshot.epoch) + 1)
        self.app.log.write(
            "round_start", epochs=self.epochs_per_round, alpha=self.alpha, lam=self.lam, lr=self.lr,
            from_epoch=self.snapshot.epoch, edited=targets is not None,
            targets=None if targets is None else {"centers": targets.centers,
                                                  "spreads": targets.spreads})
        return True

    def toggle_pause(self) -> None:
        state = self.app.buffer.progress().state
        if state == TrainerState.TRAINING:
            self.app.buffer.send(Command(CommandKind.PAUSE))
            self.app.log.write("pause")
        elif state == TrainerState.PAUSED:
            self.app.buffer.send(Command(CommandKind.RESUME))
            self.app.log.write("resume")

    # drawing ---------------------------------------------------------------------------
    retained = True  # redraws only the regions whose content changed (see App._draw)

    def draw(self, surface: pygame.Surface) -> None:
        assert self.edits is not None and self.snapshot is not None
        repaint = self.app.repaint_all
        vr = self.view_rect
        w, h = surface.get_size()
        if repaint and (vr.x, vr.y, vr.right, vr.h) != (px(LEFT_W), 0, w - px(LEGEND_W), h):
            surface.fill(BACKGROUND)  # the panels and the scatter don't cover the window
        progress = self.app.buffer.progress()
        self._draw_scatter(surface, progress, repaint)
        self._blit_cached_panels(surface, progress, repaint)

    def _draw_scatter(self, surface: pygame.Surface, progress, repaint: bool) -> None:  # noqa: ANN001
        """Points, crosses, lasso, banner and extras; skipped when none of it changed."""
        assert self.edits is not None and self.snapshot is not None
        vr = self.view_rect
        tweening = self.tween_t < 1.0
        # quantised tween time: the scatter is re-rendered at most TWEEN_FPS times a second,
        # starting one step in (step 0 would redraw the old layout)
        steps = round(TWEEN_S * TWEEN_FPS)
        t = min(1.0, (np.floor(self.tween_t * steps) + 1) / steps) if tweening else 1.0
        pos = self._positions_at(t)
        active = {d.target[0] for d in self.drags.values() if d.kind == "class"}
        active |= {d.target.cls for d in self.drags.values() if d.kind == "scale"}
        lassos = tuple(tuple(d.path) for d in self.drags.values()
                       if d.kind == "lasso" and len(d.path) > 1)
        banner = (f"Training error: {progress.error or progress.message} - press enter to retry"
                  if progress.state == TrainerState.ERROR else None)
        inputs = (self.snapshot.version, self.edits.version, t, self.camera.version, tuple(vr),
                  self.selection.tobytes(), frozenset(active), lassos, banner,
                  self._scatter_extras())
        if not repaint and inputs == self._scatter_inputs:
            return
        self._scatter_inputs = inputs
        # what would show, in whole pixels: late tween steps often move nothing visibly
        screen = np.round(self.camera.world_to_screen(pos))
        crosses = self.cross_positions() if t >= 1.0 else np.round(
            self.camera.world_to_screen(class_means(pos, self.edits.labels, self.num_classes))
        ).astype(np.int64)
        key = (screen.tobytes(), self.wrong.tobytes(), self.edits.labels.tobytes(),
               self.selection.tobytes())
        drawn = (key, crosses.tobytes(), *inputs[4:])
        if not repaint and drawn == self._scatter_drawn:
            return
        # the view holds only the last layer draw unless overlays were drawn on it since
        clean = not repaint and self._scatter_drawn is not None and not any(
            self._scatter_drawn[-3:])
        self._scatter_drawn = drawn
        self.layer.draw(surface, vr, screen, self.edits.labels, self.wrong, key,
                        self.selection, crosses, frozenset(active), clean)
        if lassos or banner is not None or inputs[-1] is not None:
            prev_clip = surface.get_clip()
            surface.set_clip(vr)
            for path in lassos:
                pygame.draw.lines(surface, INK, True, path, 1)
            if banner is not None:
                draw_banner(surface, pygame.Rect(vr.x, vr.y, vr.w, px(40)), banner)
            self._draw_scatter_extras(surface)
            surface.set_clip(prev_clip)
        self.app.damage(vr)

    def _scatter_extras(self) -> Any:
        """Key of what subclasses draw over the scatter (a change redraws the scatter)."""
        return None

    def _draw_scatter_extras(self, surface: pygame.Surface) -> None:
        """Subclasses draw over the scatter here (clipped to the view)."""

    def _panel_key(self, progress) -> tuple:  # noqa: ANN001
        """Everything the control panel shows: it is re-rendered only when this changes."""
        assert self.snapshot is not None and self.edits is not None
        widgets = tuple(
            (getattr(w, "pressed", None), getattr(w, "dragging", None),
             w.enabled() if callable(getattr(w, "enabled", None)) else None,
             w.label() if callable(getattr(w, "label", None)) else getattr(w, "label", None),
             w.get() if callable(getattr(w, "get", None)) else None)
            for w in self.widgets)
        # metrics and chart follow new snapshots at most PANEL_FPS times a second: on small
        # data an epoch takes tens of ms, and numbers changing faster cannot be read anyway
        version = self.snapshot.version
        if (self._panel is not None and version != self._panel[1]
                and time.monotonic() - self._panel_at < 1.0 / PANEL_FPS):
            version = self._panel[1]
        return (progress.state, progress.device, version, tuple(self.round_starts), widgets)

    def _live_key(self, progress) -> tuple:  # noqa: ANN001
        """What `_draw_live_status` shows, with the batch counter quantised in time: it ticks
        every few ms on small data, and the bar moving LIVE_FPS times a second looks the same
        while leaving the GIL to the trainer."""
        assert self.edits is not None
        batch = progress.batch
        if (self._live_drawn is not None and batch != self._live_drawn[2]
                and time.monotonic() - self._live_at < 1.0 / LIVE_FPS):
            batch = self._live_drawn[2]
        return (progress.state, progress.epoch, batch, progress.batches_per_epoch,
                self.edits.undo_depth, self.edits.edited, len(self.selection))

    def _blit_cached_panels(self, surface: pygame.Surface, progress, repaint: bool) -> None:  # noqa: ANN001
        """Control panel and legend from off-screen surfaces, re-rendered on change only;
        the live status is drawn over the panel whenever it changes."""
        w, h = surface.get_size()
        # the legend key holds the labels array itself (compared with ``is``): ids are reused
        key = (h, self._panel_key(progress))
        live = self._live_key(progress)
        if self._panel is None or self._panel[0] != key:
            panel = pygame.Surface((px(LEFT_W), h))
            panel.fill(BACKGROUND)
            self._draw_panel(panel, progress)
            self._panel = (key, self.snapshot.version, panel)
            self._panel_at = time.monotonic()
            repaint_panel = True
        else:
            repaint_panel = repaint
        if repaint_panel:
            self._live_at = time.monotonic()
            surface.blit(self._panel[2], (0, 0))
            self._draw_live_status(surface, progress)
            self.app.damage(pygame.Rect(0, 0, px(LEFT_W), h))
        elif live != self._live_drawn:  # restore the panel under the live status, redraw it
            self._live_at = time.monotonic()
            rects = self._live_rects()
            for rect in rects:
                surface.blit(self._panel[2], rect, rect)
            self._draw_live_status(surface, progress)
            for rect in rects:
                self.app.damage(rect)
        self._live_drawn = live
        assert self.edits is not None
        key = (h, self.class_names)
        labels = self.edits.labels
        if self._legend is None or self._legend[0] != key or self._legend[1] is not labels:
            legend = pygame.Surface((px(LEGEND_W), h))
            legend.fill(BACKGROUND)
            self._draw_legend(legend)
            self._legend = (key, labels, legend)
            repaint = True
        if repaint:
            surface.blit(self._legend[2], (w - px(LEGEND_W), 0))
            self.app.damage(pygame.Rect(w - px(LEGEND_W), 0, px(LEGEND_W), h))

    def _draw_panel_frame(self, surface: pygame.Surface) -> int:
        """Panel background, title and widgets (shared with the kiosk panel); returns height."""
        h = surface.get_height()
        pygame.draw.rect(surface, PANEL, (0, 0, px(LEFT_W), h))
        text(surface, "HILL arcade", (px(14), px(12)), 30)
        for w in self.widgets:
            w.draw(surface)
        return h

    def _draw_panel(self, surface: pygame.Surface, progress) -> None:  # noqa: ANN001
        h = self._draw_panel_frame(surface)
        assert self.snapshot is not None and self.edits is not None
        draw_metrics(surface, scaled_rect(14, 330, LEFT_W - 28, 124), self.snapshot.metrics,
                     progress.device)
        accs = [m.get("val_acc", 0.0) or 0.0 for m in self.snapshot.history]
        draw_chart(surface, scaled_rect(14, 488, LEFT_W - 28, 120), accs, self.round_starts)
        text(surface, "h: help   esc: quit", (px(14), h - px(24)), 18, (90, 90, 95))

    def _live_rects(self) -> list[pygame.Rect]:
        """Where `_draw_live_status` draws (over the cached panel)."""
        return [self._progress_rect().inflate(px(8), px(8)), scaled_rect(0, 614, LEFT_W, 48)]

    def _progress_rect(self) -> pygame.Rect:
        return scaled_rect(14, 462, LEFT_W - 28, 18)

    def _draw_live_status(self, surface: pygame.Surface, progress) -> None:  # noqa: ANN001
        """Progress bar, edit count and selection, drawn over the cached panel whenever they
        change (with every batch or edit; the rest of the panel changes rarely)."""
        assert self.edits is not None
        frac = progress.batch / progress.batches_per_epoch if progress.batches_per_epoch else 0.0
        label = f"{progress.state.value} - epoch {progress.epoch}"
        if progress.batches_per_epoch:
            label += f" - batch {progress.batch}/{progress.batches_per_epoch}"
        draw_progress(surface, self._progress_rect(), frac, label)
        n_undo = self.edits.undo_depth
        status = f"edits: {n_undo}" + ("  (modified)" if self.edits.edited else "")
        text(surface, status, (px(14), px(618)), 19)
        if len(self.selection):
            text(surface, f"selected: {len(self.selection)} points", (px(14), px(638)), 19)

    def _draw_legend(self, surface: pygame.Surface) -> None:
        w, h = surface.get_size()
        x0 = w - px(LEGEND_W)
        pygame.draw.rect(surface, PANEL, (x0, 0, px(LEGEND_W), h))
        text(surface, "classes", (x0 + px(12), px(12)), 24)
        assert self.edits is not None
        counts = np.bincount(self.edits.labels, minlength=self.num_classes)
        for c, name in enumerate(self.class_names):
            y = px(42 + c * 24)
            if y > h - px(24):
                break
            sprite = self.layer.sprite(c)
            surface.blit(sprite, (x0 + px(12), y + px(2)))
            text(surface, f"{name[:14]} ({counts[c]})", (x0 + px(30), y), 19)
