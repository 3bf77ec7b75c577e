"""The play view: control panel | latent scatter (drag to edit) | legend."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pygame

from hill_arcade.edits import Edit, EditState, class_means, class_stats
from hill_arcade.render.camera import Camera
from hill_arcade.render.points import DOT_RADIUS, PointLayer
from hill_arcade.render.scale import px, scaled_rect
from hill_arcade.scene import Scene
from hill_arcade.session import LR_RANGE, Settings
from hill_arcade.shared import Command, CommandKind, Snapshot, Targets, TrainerState
from hill_arcade.views.play_draw import LEFT_W, LEGEND_W, TWEEN_S, PlayDrawing
from hill_arcade.views.play_input import LR_FACTOR, Drag, PlayInput
from hill_arcade.widgets.base import Button, Slider, Stepper, Widget

CROSS_HIT_PX = (16, 28)  # (mouse, finger)
POINT_HIT_PX = (9, 22)
EDIT_DRAGS = ("point", "class", "selection", "scale", "lasso")


class PlayView(PlayInput, PlayDrawing, Scene):
    """Edits the display sample's 2D points; sends them as HILL targets with each round."""

    def __init__(self, app, snapshot: Snapshot) -> None:  # noqa: ANN001
        super().__init__(app)
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
        self._scatter_overlaid = False  # a lasso, banner or extras went over that drawing
        self._live_drawn: tuple | None = None
        self._live_at = 0.0  # monotonic time the live status was last drawn
        self._build_panel()
        self.layout(app.screen.get_size())
        self.set_snapshot(snapshot, fit=True)
        if snapshot.metrics.get("lr"):  # a checkpoint's own rate
            app.session.adopt_lr(float(snapshot.metrics["lr"]))

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
                               lambda: self.app.mode.round_epochs(self.epochs_per_round),
                               self._set_epochs, 1, 200,
                               enabled=lambda: "epochs_per_round" not in self.settings.locked)
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

    # settings live in the training session: sent to the trainer at its next batch (also in
    # the middle of a round), logged once per finished change (slider released, key, button)
    @property
    def settings(self) -> Settings:
        return self.app.session.settings

    @property
    def alpha(self) -> float:
        return self.settings.alpha

    @property
    def lam(self) -> float:
        return self.settings.lam

    @property
    def lr(self) -> float:
        return self.settings.lr

    @property
    def epochs_per_round(self) -> int:
        return self.settings.epochs_per_round

    def _set_epochs(self, n: int) -> None:
        self.app.session.set(epochs_per_round=n, log=False)

    def set_alpha(self, value: float) -> None:
        self.app.session.set(alpha=value, log=False)

    def set_lam(self, value: float) -> None:
        self.app.session.set(lam=value, log=False)

    def set_lr(self, value: float) -> None:
        self.app.session.set(lr=value, log=False)

    def _log_settings(self) -> None:
        """One `settings` event per finished change (slider released, key, button)."""
        self.app.session.commit_settings()

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

    def new_gesture(self) -> int:
        """A fresh gesture id: edits made under one id merge into one undo step."""
        self._gesture += 1
        return self._gesture

    def move_class(self, c: int, delta: np.ndarray, gesture: int | None = None) -> None:
        """Translate class ``c`` by ``delta`` (latent units), as a drag of its cross does."""
        assert self.edits is not None
        self.edits.move_class(c, np.asarray(delta, np.float32), gesture)

    def clear_edits(self) -> None:
        """Drop every edit: back to the latest projection."""
        if self.snapshot is not None:
            self.set_snapshot(self.snapshot)

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
        """Send edits (if any) as targets with the settings and RUN_ROUND; False if busy."""
        if not self.can_train() or self.edits is None or self.snapshot is None:
            return False
        targets = None
        if self.edits.edited:
            targets = Targets(*class_stats(self.edits.positions, self.edits.labels,
                                           self.num_classes))
        session = self.app.session
        epochs = self.app.mode.round_epochs(self.epochs_per_round)
        # the state before sending: a round that fails at once must not look like "not yet"
        self._awaiting = (session.progress().state, time.monotonic())
        session.run_round(targets, epochs, from_epoch=self.snapshot.epoch)
        self.round_starts.append(int(self.snapshot.epoch) + 1)
        return True

    def toggle_pause(self) -> None:
        state = self.app.buffer.progress().state
        if state == TrainerState.TRAINING:
            self.app.buffer.send(Command(CommandKind.PAUSE))
            self.app.log.write("pause")
        elif state == TrainerState.PAUSED:
            self.app.buffer.send(Command(CommandKind.RESUME))
            self.app.log.write("resume")
