"""The play view: control panel | latent canvas | legend, composed from sections.

The view holds the document (the snapshot on screen, the person's edits, the tween between
projections) and the actions on it; each section owns its rectangle, state, drawing and input
(`views/panel.py`, `views/canvas.py`, `views/legend.py`). Input is routed by rectangle: a
pointer that went down in a section keeps talking to it until it lets go.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pygame

from hill_arcade.analysis.export import save_projection_npz
from hill_arcade.analysis.noise import judge
from hill_arcade.edits import Edit, EditState, class_means
from hill_arcade.input import InputEvent, Key, PointerDown, PointerMove, PointerUp, Wheel
from hill_arcade.ledger import Ledger, ledger_line
from hill_arcade.reach import Reach
from hill_arcade.render.palette import BACKGROUND
from hill_arcade.scene import Scene
from hill_arcade.session import Settings
from hill_arcade.shared import Command, CommandKind, Snapshot, TrainerState
from hill_arcade.targets import TargetSet
from hill_arcade.views.canvas import TWEEN_S, LatentCanvas
from hill_arcade.views.confusion import ConfusionSection
from hill_arcade.views.legend import GAIN, LOSS, MUTED, Legend
from hill_arcade.views.panel import ControlPanel
from hill_arcade.views.section import Section


class PlayView(Scene):
    """Edits the display sample's 2D points; sends them as HILL targets with each round."""

    retained = True  # redraws only the regions whose content changed (see App._draw)
    panel_class: type[ControlPanel] = ControlPanel

    def __init__(self, app, snapshot: Snapshot) -> None:  # noqa: ANN001
        super().__init__(app)
        self.snapshot: Snapshot | None = None
        self.edits: EditState | None = None
        self.num_classes = 0
        self.class_names: tuple[str, ...] = ()
        self.wrong = np.zeros(0, bool)
        self.tween_from: np.ndarray | None = None
        self.tween_t = 1.0
        self.round_starts: list[int] = []
        self._gesture = 0
        self._awaiting: tuple[TrainerState, float] | None = None
        self._centers_key: tuple | None = None
        self._centers_cache = np.zeros((0, 2), np.float32)
        self.targets = TargetSet(0)  # the person's targets from earlier projections
        self._effective: tuple[tuple, TargetSet] | None = None  # (key, committed + edits)
        self._pushed: tuple | None = None  # key of the targets last sent to the trainer
        self.reach: Reach | None = None  # of the projection on screen
        self.show_val = False  # `v`: the validation sample instead of the training one
        self.val: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # latest val sample
        self.show_before = False  # `d`: the projection before the last round, faded
        self.before: tuple[np.ndarray, np.ndarray, int] | None = None  # points, labels, epoch
        self.round_from: int | None = None  # epoch the last round started at
        self._class_delta: tuple[tuple | None, np.ndarray | None] = (None, None)
        self.focus: int | None = None  # legend click: this class stands out, others fade
        self.hidden: frozenset[int] = frozenset()  # legend shift-click: not drawn
        self.show_confusion = False  # `c`: the validation confusion matrix over the canvas
        self.highlight: tuple[int, int] | None = None  # confusion cell shown in the scatter
        self._round_edits: list[dict[str, Any]] = []  # edits since the last round started
        self._round: tuple[int, int, list[dict[str, Any]]] | None = None  # number, from, edits
        self.rounds = 0
        self.ledger = Ledger(app.log_dir)
        self._exported: set[int] = set()  # epochs whose projection is saved
        self._captured: dict[tuple[bool, int], Section] = {}  # pointer -> section it pressed
        self.canvas = LatentCanvas(self)
        self.legend = Legend(self)
        self.panel = self.panel_class(self)
        self.confusion = ConfusionSection(self)
        # drawn in this order; input goes to the topmost section under the pointer
        self.sections: list[Section] = [self.canvas, self.panel, self.legend, self.confusion]
        self.layout(app.screen.get_size())
        self.set_snapshot(snapshot, fit=True)
        if snapshot.metrics.get("lr"):  # a checkpoint's own rate
            app.session.adopt_lr(float(snapshot.metrics["lr"]))

    # sections ---------------------------------------------------------------------------
    @property
    def camera(self) -> Any:
        return self.canvas.camera

    @property
    def layer(self) -> Any:
        return self.canvas.layer

    @property
    def selection(self) -> np.ndarray:
        return self.canvas.selection

    @property
    def view_rect(self) -> pygame.Rect:
        return self.canvas.rect

    @property
    def widgets(self) -> list:
        return self.panel.widgets

    def layout(self, size: tuple[int, int]) -> None:
        self.canvas.layout(size)

    def handle(self, event: InputEvent) -> bool:
        """Keys go to each section in turn; pointers to the section under them (and stay
        with it until released); the wheel to the section under the pointer."""
        if isinstance(event, Key):
            return any(s.handle(event) for s in self.sections)
        if isinstance(event, Wheel):
            section = self.section_at(event.pos)
            return section is not None and section.handle(event)
        key = (event.touch, event.pid)
        if isinstance(event, PointerDown):
            section = self.section_at(event.pos)
            if section is None:
                return False
            self._captured[key] = section
            return section.handle(event)
        section = self._captured.get(key)
        if isinstance(event, PointerUp):
            self._captured.pop(key, None)
        if section is None:
            if isinstance(event, PointerMove) and not event.touch:
                self.canvas.hover_at(event.pos)  # the mouse rests: inspect the dot under it
            return False
        return section.handle(event)

    def section_at(self, pos: tuple[float, float]) -> Section | None:
        for section in reversed(self.sections):
            if section.rect.collidepoint(pos):
                return section
        return None

    def draw(self, surface: pygame.Surface) -> None:
        assert self.edits is not None and self.snapshot is not None
        repaint = self.app.repaint_all
        if repaint:
            covered = sum(s.rect.w for s in (self.canvas, self.panel, self.legend))
            if covered != surface.get_width():  # the sections don't cover the window
                surface.fill(BACKGROUND)
        for section in self.sections:
            section.draw(surface, repaint)

    def scatter_extras(self) -> Any:
        """Key of what subclasses draw over the scatter (a change redraws the scatter)."""
        return None

    def draw_scatter_extras(self, surface: pygame.Surface) -> None:
        """Subclasses draw over the scatter here (clipped to the view)."""

    # settings live in the training session: sent to the trainer at its next batch (also in
    # the middle of a round), logged once per finished change (slider released, key, button)
    @property
    def settings(self) -> Settings:
        return self.app.session.settings

    @property
    def alpha(self) -> float:
        return self.settings.alpha

    def alpha_in_force(self) -> float | None:
        """The α the trainer used in the last epoch under `hill.adaptive` (shown beside the
        slider); None while adaptive α is off or before a human term has trained."""
        if self.app.scene_cfg.hill.adaptive == "off" or self.snapshot is None:
            return None
        metrics = self.snapshot.metrics
        return metrics.get("alpha_effective") if metrics.get("human_active") else None

    @property
    def lam(self) -> float:
        return self.settings.lam

    @property
    def lr(self) -> float:
        return self.settings.lr

    @property
    def epochs_per_round(self) -> int:
        return self.settings.epochs_per_round

    def set_epochs(self, n: int) -> None:
        self.app.session.set(epochs_per_round=n, log=False)

    def set_alpha(self, value: float) -> None:
        self.app.session.set(alpha=value, log=False)

    def set_lam(self, value: float) -> None:
        self.app.session.set(lam=value, log=False)

    def set_lr(self, value: float) -> None:
        self.app.session.set(lr=value, log=False)

    def commit_settings(self) -> None:
        """One `settings` event per finished change (slider released, key, button)."""
        self.app.session.commit_settings()

    # snapshots -------------------------------------------------------------------------
    def set_snapshot(self, snap: Snapshot, fit: bool = False) -> None:
        """Adopt a new projection: tween from the old display and re-base the dots on it. The
        person's targets stay: edits still on screen become targets first (none is lost)."""
        old = self.display_positions() if self.edits is not None else None
        if self.edits is not None and self.target_mode == "edited":
            self.targets = self.effective_targets()
        previous_epoch = self.snapshot.epoch if self.snapshot is not None else None
        self.snapshot = snap
        self.edits = EditState(snap.points, snap.labels)
        self._reset_marks: list[int] = []  # undo depths right after each reset (edit_count)
        self._centers_key = None
        labels = self.edits.labels
        n_names = len(snap.class_names)
        self.num_classes = max(n_names, int(labels.max()) + 1 if len(labels) else 0)
        self.class_names = tuple(snap.class_names) + tuple(
            f"class {c}" for c in range(n_names, self.num_classes))
        self.wrong = np.asarray(snap.predictions).reshape(-1) != labels
        if snap.val is not None:
            self.val = snap.val
        if self.targets.num_classes != self.num_classes:
            self.targets = TargetSet(self.num_classes)
        self._update_reach(log=previous_epoch is not None and snap.epoch != previous_epoch
                           and not snap.live)
        self.canvas.forget_edit_drags()
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
        return self.positions_at(self.tween_t)

    def positions_at(self, t: float) -> np.ndarray:
        """The points at tween time ``t`` (0 = the old projection, 1 = the edited positions)."""
        assert self.edits is not None
        if self.tween_from is None or t >= 1.0:
            return self.edits.positions
        e = 1 - (1 - t) ** 3  # ease-out cubic
        return self.tween_from + (self.edits.positions - self.tween_from) * e

    def update(self, dt: float) -> None:
        self.layout(self.app.screen.get_size())
        snap = self.app.session.latest()
        if (snap is not None and self.snapshot is not None
                and snap.version != self.snapshot.version and not self.editing):
            self.set_snapshot(snap, fit=self._layout_left_view(snap.points))
        if self.tween_t < 1.0:
            self.tween_t = min(1.0, self.tween_t + dt / TWEEN_S)
        if self._awaiting is not None:
            state0, t0 = self._awaiting
            if self.app.session.progress().state != state0 or time.monotonic() - t0 > 5.0:
                self._awaiting = None
        for section in self.sections:
            section.update(dt)

    @property
    def editing(self) -> bool:
        """True while a finger or the mouse is moving points (a new projection waits for the
        gesture to end, so nothing is pulled from under the pointer)."""
        return self.canvas.editing

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
        return self.canvas.cross_positions()

    def point_screen(self) -> np.ndarray:
        return self.canvas.point_screen()

    def hit_cross(self, pos: tuple[float, float], touch: bool = False) -> int | None:
        return self.canvas.hit_cross(pos, touch)

    def hit_point(self, pos: tuple[float, float], touch: bool = False) -> int | None:
        return self.canvas.hit_point(pos, touch)

    # actions ---------------------------------------------------------------------------
    def spread_of(self, c: int) -> float:
        """Mean distance of class ``c``'s edited points to their center."""
        assert self.edits is not None
        idx = self.edits.class_indices(c)
        p = self.edits.positions[idx]
        return float(np.linalg.norm(p - p.mean(axis=0), axis=1).mean()) if len(idx) else 0.0

    def log_edit(self, edit: Edit, center_before: np.ndarray | None = None,
                  spread_before: float | None = None) -> None:
        fields: dict[str, Any] = {"op": edit.op}
        if edit.cls is not None:
            fields["class"] = edit.cls
            fields["before"] = (edit.before.mean(axis=0) if center_before is None
                                else center_before)
            fields["after"] = edit.after.mean(axis=0)
            if edit.op == "scale_class":
                fields["spread_before"] = spread_before
                fields["spread_after"] = self.spread_of(edit.cls)
        elif edit.point is not None:
            fields["point"] = edit.point
            fields["before"], fields["after"] = edit.before[0], edit.after[0]
        else:
            fields["points"] = edit.indices
            fields["before"] = edit.before.mean(axis=0)
            fields["after"] = edit.after.mean(axis=0)
        self.app.log.write("edit", **fields)
        self._round_edits.append({"op": edit.op, "class": edit.cls})
        self._push_targets()

    def collapse(self, c: int) -> None:
        assert self.edits is not None
        before, spread0 = self.edits.center(c), self.spread_of(c)
        edit = self.edits.collapse_class(c)
        if edit is not None:
            self.log_edit(edit, center_before=before, spread_before=spread0)

    def new_gesture(self) -> int:
        """A fresh gesture id: edits made under one id merge into one undo step."""
        self._gesture += 1
        return self._gesture

    def move_class(self, c: int, delta: np.ndarray, gesture: int | None = None) -> None:
        """Translate class ``c`` by ``delta`` (latent units), as a drag of its cross does."""
        assert self.edits is not None
        self.edits.move_class(c, np.asarray(delta, np.float32), gesture)

    def clear_edits(self) -> None:
        """Drop every edit and target: back to the latest projection (kiosk auto-reset)."""
        self.targets = TargetSet(self.num_classes)
        if self.snapshot is not None:
            self.edits = None
            self.set_snapshot(self.snapshot)
        self._push_targets()

    @property
    def edit_count(self) -> int:
        """Edits in effect on screen since the last reset (the panel's "edits: N")."""
        assert self.edits is not None
        if not self.edits.edited:
            return 0
        marks = [m for m in self._reset_marks if m <= self.edits.undo_depth]
        self._reset_marks = marks  # a reset that was undone no longer counts
        return self.edits.undo_depth - (marks[-1] if marks else 0)

    def undo(self) -> None:
        assert self.edits is not None
        edit = self.edits.undo()
        if edit is not None:
            self._reset_marks = [m for m in self._reset_marks
                                 if m <= self.edits.undo_depth]
            self.app.log.write("undo", op=edit.op, **self._ids(edit))
            self._push_targets()

    def redo(self) -> None:
        assert self.edits is not None
        edit = self.edits.redo()
        if edit is not None:
            if edit.op == "reset":
                self._reset_marks = [*self._reset_marks, self.edits.undo_depth]
            self.app.log.write("redo", op=edit.op, **self._ids(edit))
            self._push_targets()

    def reset(self) -> None:
        assert self.edits is not None
        if self.edits.edited and self.edits.reset() is not None:
            self._reset_marks = [*self._reset_marks, self.edits.undo_depth]
            self.app.log.write("reset")
            self._push_targets()

    def clear_target(self, c: int | None = None) -> bool:
        """Drop class ``c``'s target (None: every target), its edits on screen included."""
        assert self.edits is not None
        idx = np.arange(len(self.edits.labels)) if c is None else self.edits.class_indices(c)
        moved = (self.edits.positions[idx] != self.edits.base[idx]).any()
        if moved:  # the class's unsent edit goes too (undoable like a reset)
            self.edits.restore(idx)
        if not (self.targets.clear(c) or moved):
            return False
        self.app.log.write("clear_targets", **({} if c is None else {"class": int(c)}))
        self._push_targets()
        return True

    # targets --------------------------------------------------------------------------
    @property
    def target_mode(self) -> str:
        return self.app.scene_cfg.hill.targets

    @property
    def scale(self) -> float:
        """The projection's global scale for the snapshot on screen (1 before it is known)."""
        value = self.snapshot.metrics.get("scale") if self.snapshot is not None else None
        return float(value) if value else 1.0

    def edited_classes(self) -> np.ndarray:
        """Classes with points moved away from the projection on screen."""
        assert self.edits is not None
        moved = (self.edits.positions != self.edits.base).any(axis=1)
        return np.unique(self.edits.labels[moved])

    @property
    def targets_key(self) -> tuple:
        """Changes whenever the effective targets may have changed (for caches)."""
        assert self.edits is not None
        return (id(self.edits), self.edits.version, id(self.targets), self.targets.version)

    def effective_targets(self) -> TargetSet:
        """The targets a round would use now: earlier ones plus the edits on screen. With
        ``hill.targets: layout`` (the paper's), an edit gives every class a target from the
        edited layout, and there are none without an edit."""
        assert self.edits is not None
        key = self.targets_key
        if self._effective is None or self._effective[0] != key:
            moved = self.edited_classes()
            if self.target_mode == "layout":
                eff = TargetSet(self.num_classes)
                if len(moved):
                    moved = np.unique(self.edits.labels)
            else:
                eff = self.targets.copy()
            eff.set_from_points(moved, self.edits.positions, self.edits.base,
                                self.edits.labels, self.scale)
            self._effective = (key, eff)
        return self._effective[1]

    def _push_targets(self) -> None:
        """Send the effective targets to the trainer (used from its next batch, also in the
        middle of a round) and log them when they changed."""
        if self.edits is None:
            return
        eff = self.effective_targets()
        key = (eff.centers.tobytes(), eff.spreads.tobytes())
        if key == self._pushed:
            return
        self._pushed = key
        if self.target_mode == "edited":
            self.app.session.set_targets(eff.targets())
            self.app.log.write("targets", **eff.describe())

    def _update_reach(self, log: bool) -> None:
        """Reach of the committed targets in the projection on screen; logged per epoch."""
        assert self.snapshot is not None
        if not self.targets:
            self.reach = None
            return
        self.reach = self.targets.reach(self.snapshot.points, self.snapshot.labels, self.scale)
        if log:
            idx = np.flatnonzero(self.targets.active)
            r = self.reach
            self.app.log.write("reach", epoch=self.snapshot.epoch, classes=idx.tolist(),
                               center=r.center[idx], center_backbone=r.center_backbone[idx],
                               spread=r.spread[idx], spread_backbone=r.spread_backbone[idx],
                               scale=self.scale)

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
        targets = self.effective_targets().targets()
        session = self.app.session
        epochs = self.app.mode.round_epochs(self.epochs_per_round)
        # the state before sending: a round that fails at once must not look like "not yet"
        self._awaiting = (session.progress().state, time.monotonic())
        session.run_round(targets, epochs, from_epoch=self.snapshot.epoch)
        self.round_starts.append(int(self.snapshot.epoch) + 1)
        self.before = (self.snapshot.points.copy(), self.snapshot.labels.copy(),
                       int(self.snapshot.epoch))
        self.rounds += 1
        self._round = (self.rounds, int(self.snapshot.epoch), self._round_edits)
        self._round_edits = []
        self.round_from = int(self.snapshot.epoch)
        return True

    def on_event(self, event: dict[str, Any]) -> None:
        """A trainer event (UI thread): each epoch's projection is exported; a finished round
        gets its ledger line."""
        if event.get("type") == "epoch":
            self._export_projection()
        if event.get("type") != "round_end" or self._round is None:
            return
        snap = self.app.session.latest()
        if snap is None:
            return
        number, from_epoch, edits = self._round
        self._round = None
        targets = self.effective_targets()  # edits not yet re-based count too
        reach = targets.reach(snap.points, snap.labels, float(
            snap.metrics.get("scale") or 1.0)) if targets else None
        line = ledger_line(number, from_epoch, snap.history, edits,
                           None if reach is None else reach.center,
                           None if reach is None else reach.center_backbone)
        self.app.log.write("ledger", **line)
        self.ledger.append(line)

    def verdict(self) -> tuple[str, str, tuple[int, int, int]] | None:
        """Did the edits help? Validation accuracy against the lockstep baseline, then against
        what uninformed edits do from this start (the noise band), greyed out when alike:
        (line, explanation, colour); None before a baseline exists."""
        metrics = self.snapshot.metrics if self.snapshot is not None else {}
        delta = metrics.get("delta_val_pp")
        if delta is None:
            if self.app.scene_cfg.insight.baseline == "off" or not self.targets:
                return None
            return ("vs baseline: -", "a baseline runs once targets train", MUTED)
        band = self.app.session.last_events.get("noise_band")
        first = f"vs baseline: {delta:+.1f} pp val"
        if band is None or band.get("band_pp") is None:
            return first, "noise band not measured yet", GAIN if delta > 0 else LOSS
        verdict = judge(delta, band, metrics.get("epoch"))
        return first, verdict.text, {"like": MUTED, "better": GAIN, "worse": LOSS}[verdict.kind]

    def _export_projection(self) -> None:
        """``projections/epoch_NNN.npz`` in the log folder: the display sample's points,
        labels, predictions and the targets in force (numpy-readable, no pickles)."""
        snap = self.app.session.latest()
        if snap is None or snap.live or snap.epoch in self._exported or self.edits is None:
            return
        self._exported.add(snap.epoch)
        targets = self.effective_targets()
        save_projection_npz(self.app.log_dir / "projections" / f"epoch_{snap.epoch:03d}.npz",
                            snap.points, snap.labels, snap.predictions, targets.centers,
                            targets.spreads, epoch=snap.epoch)

    # what is shown ----------------------------------------------------------------------
    def toggle(self, what: str) -> None:
        """Flip a display option (``val``, ``before``) and log it."""
        if what == "val":
            self.show_val = not self.show_val and self.val is not None
            on = self.show_val
            self.highlight = None
            self.canvas.selection = np.zeros(0, np.int64)
        elif what == "confusion":
            self.show_confusion = not self.show_confusion and self.val is not None
            on = self.show_confusion
        else:
            self.show_before = not self.show_before and self.before is not None
            on = self.show_before
        self.app.log.write("view", option=what, on=on)

    def highlight_cell(self, true: int, pred: int) -> None:
        """Show the validation points of true class ``true`` predicted as ``pred``."""
        assert self.val is not None
        _, labels, predictions = self.val
        self.show_val = True
        self.highlight = (int(true), int(pred))
        self.canvas.selection = np.flatnonzero((labels == true) & (predictions == pred))
        self.app.log.write("view", option="confusion_cell", true=int(true), pred=int(pred),
                           count=len(self.canvas.selection))

    def set_focus(self, c: int | None) -> None:
        """Make class ``c`` stand out (others faded); the same class again (or None) ends it."""
        self.focus = None if c is None or c == self.focus else int(c)
        self.app.log.write("view", option="focus", cls=self.focus)

    def toggle_hidden(self, c: int) -> None:
        """Hide class ``c``'s points and cross, or show them again."""
        self.hidden = self.hidden ^ {int(c)}
        self.app.log.write("view", option="hidden", classes=sorted(self.hidden))

    def fit(self) -> None:
        """Zoom and pan so every point shown is in view."""
        points = self.val[0] if self.show_val and self.val is not None else self.edits.positions
        self.camera.fit(points)
        self.app.log.write("view", option="fit")

    def round_class_delta(self) -> np.ndarray | None:
        """Per-class change of validation accuracy over the last round (None before one);
        computed once per snapshot and round (the legend asks every frame)."""
        if self.round_from is None or self.snapshot is None:
            return None
        key = (self.snapshot.version, self.round_from)
        if self._class_delta[0] != key:
            self._class_delta = (key, self._compute_class_delta())
        return self._class_delta[1]

    def _compute_class_delta(self) -> np.ndarray | None:
        assert self.snapshot is not None and self.round_from is not None
        history = {int(m.get("epoch", -1)): m for m in self.snapshot.history}
        before, after = history.get(self.round_from), history.get(int(self.snapshot.epoch))
        if not before or not after or after is before:
            return None
        a, b = before.get("per_class_acc"), after.get("per_class_acc")
        if not a or not b or len(a) != len(b):
            return None
        return np.asarray(b, np.float64) - np.asarray(a, np.float64)

    def toggle_pause(self) -> None:
        state = self.app.buffer.progress().state
        if state == TrainerState.TRAINING:
            self.app.buffer.send(Command(CommandKind.PAUSE))
            self.app.log.write("pause")
        elif state == TrainerState.PAUSED:
            self.app.buffer.send(Command(CommandKind.RESUME))
            self.app.log.write("resume")
