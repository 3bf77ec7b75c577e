"""Test drivers: :class:`Pilot` injects real SDL events and steps the app's loop;
:class:`FakeWorker` is a model-free stand-in trainer that speaks the SharedBuffer protocol."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pygame

from hill_arcade.edits import class_stats
from hill_arcade.shared import Command, CommandKind, SharedBuffer, Snapshot, TrainerState

Point = tuple[float, float]


class Pilot:
    """Drives an :class:`~hill_arcade.app.App` by posting events and stepping frames."""

    def __init__(self, app: Any) -> None:
        self.app = app
        # called after every frame the pilot steps (e.g. to check an invariant frame by frame)
        self.after_frame: list[Callable[[], None]] = []

    def __enter__(self) -> Pilot:
        return self

    def __exit__(self, *exc: object) -> None:
        """Close the app (stops its training session and the log)."""
        if self.app.running or self.app.session.worker.is_alive():
            self.app.close()

    # widgets ---------------------------------------------------------------------------
    def widget(self, name: str) -> Any:
        """The widget of the top view whose label (or ``name``) starts with ``name``."""
        for scene in reversed(self.app.stack):
            for w in getattr(scene, "widgets", ()):
                label = getattr(w, "name", "") or getattr(w, "label", "")
                label = label() if callable(label) else label
                if str(label).lower().startswith(name.lower()):
                    return w
        raise LookupError(f"no widget named {name!r} on screen")

    def click_widget(self, name: str, part: str = "") -> None:
        """Click a widget by name; ``part`` = "plus" / "minus" for a stepper's buttons."""
        w = self.widget(name)
        rect = getattr(w, part) if part else w.rect
        self.click(*rect.center)

    # low level -------------------------------------------------------------------------
    @staticmethod
    def post(type_: int, **attrs: Any) -> None:
        pygame.event.post(pygame.event.Event(type_, attrs))

    def step(self, n: int = 1) -> None:
        """Run ``n`` frames of the real loop."""
        for _ in range(n):
            self.app.step()
            for check in self.after_frame:
                check()

    def wait_until(self, predicate: Callable[[], Any], timeout_s: float = 30.0) -> Any:
        """Step frames until ``predicate()`` is truthy; raises TimeoutError after ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"condition not met within {timeout_s} s")
            self.step()
            time.sleep(0.002)

    # mouse -----------------------------------------------------------------------------
    def move(self, x: float, y: float, mod: int = 0, buttons: tuple = (0, 0, 0),
             rel: Point = (0, 0)) -> None:
        self.post(pygame.MOUSEMOTION, pos=(int(x), int(y)), rel=(int(rel[0]), int(rel[1])),
                  buttons=buttons, touch=False, mod=mod)

    def click(self, x: float, y: float, button: int = 1, mod: int = 0) -> None:
        """Press and release at (x, y), then step one frame."""
        self.move(x, y, mod)
        self.post(pygame.MOUSEBUTTONDOWN, pos=(int(x), int(y)), button=button, touch=False,
                  mod=mod)
        self.post(pygame.MOUSEBUTTONUP, pos=(int(x), int(y)), button=button, touch=False,
                  mod=mod)
        self.step()

    def double_click(self, x: float, y: float) -> None:
        self.click(x, y)
        self.click(x, y)

    def drag(self, start: Point, end: Point, steps: int = 5, button: int = 1,
             mod: int = 0) -> None:
        """Press at ``start``, move in ``steps`` frames to ``end``, release."""
        self.move(*start, mod=mod)
        self.post(pygame.MOUSEBUTTONDOWN, pos=_ipos(start), button=button, touch=False, mod=mod)
        self.step()
        prev = start
        for k in range(1, steps + 1):
            p = _lerp(start, end, k / steps)
            self.move(*p, mod=mod, rel=(p[0] - prev[0], p[1] - prev[1]))
            prev = p
            self.step()
        self.post(pygame.MOUSEBUTTONUP, pos=_ipos(end), button=button, touch=False, mod=mod)
        self.step()

    def path_drag(self, points: Sequence[Point], button: int = 1, mod: int = 0) -> None:
        """Drag through a polyline (e.g. a lasso)."""
        self.move(*points[0], mod=mod)
        self.post(pygame.MOUSEBUTTONDOWN, pos=_ipos(points[0]), button=button, touch=False,
                  mod=mod)
        for p in points[1:]:
            self.move(*p, mod=mod)
            self.step()
        self.post(pygame.MOUSEBUTTONUP, pos=_ipos(points[-1]), button=button, touch=False,
                  mod=mod)
        self.step()

    def wheel(self, x: float, y: float, dy: float) -> None:
        """Scroll ``dy`` notches with the pointer at (x, y)."""
        self.move(x, y)
        self.post(pygame.MOUSEWHEEL, x=0, y=int(dy), precise_x=0.0, precise_y=float(dy),
                  flipped=False, which=0, touch=False)
        self.step()

    # touch -----------------------------------------------------------------------------
    def _finger(self, type_: int, finger_id: int, pos: Point, rel: Point = (0, 0)) -> None:
        w, h = self.app.screen.get_size()
        self.post(type_, touch_id=1, finger_id=finger_id, x=pos[0] / w, y=pos[1] / h,
                  dx=rel[0] / w, dy=rel[1] / h, pressure=1.0)

    def touch_drag(self, finger_id: int, start: Point, end: Point, steps: int = 5) -> None:
        """One finger drag (window pixel coordinates; normalised on the way in)."""
        self.multi_touch_drag([(finger_id, start, end)], steps)

    def multi_touch_drag(self, drags: Sequence[tuple[int, Point, Point]], steps: int = 5) -> None:
        """Several fingers dragging at once, interleaved frame by frame."""
        for fid, start, _ in drags:
            self._finger(pygame.FINGERDOWN, fid, start)
        self.step()
        for k in range(1, steps + 1):
            for fid, start, end in drags:
                a, b = _lerp(start, end, (k - 1) / steps), _lerp(start, end, k / steps)
                self._finger(pygame.FINGERMOTION, fid, b, (b[0] - a[0], b[1] - a[1]))
            self.step()
        for fid, _, end in drags:
            self._finger(pygame.FINGERUP, fid, end)
        self.step()

    def pinch(self, center: Point, start_dist: float, end_dist: float,
              finger_ids: tuple[int, int] = (1, 2), steps: int = 5) -> None:
        """Two fingers, horizontally either side of ``center``, spreading from ``start_dist``
        to ``end_dist`` pixels apart (pinch out when end > start)."""
        cx, cy = center
        a, b = start_dist / 2.0, end_dist / 2.0
        self.multi_touch_drag([(finger_ids[0], (cx - a, cy), (cx - b, cy)),
                               (finger_ids[1], (cx + a, cy), (cx + b, cy))], steps)

    # keys ------------------------------------------------------------------------------
    def press(self, key: int, mod: int = 0, unicode: str = "") -> None:
        """Key down + up, then one frame."""
        if not unicode and 32 <= key < 127 and not mod & pygame.KMOD_CTRL:
            unicode = chr(key)
        self.post(pygame.KEYDOWN, key=key, mod=mod, unicode=unicode, scancode=0)
        self.post(pygame.KEYUP, key=key, mod=mod, unicode=unicode, scancode=0)
        self.step()

    # inspection ------------------------------------------------------------------------
    @property
    def play(self) -> Any:
        if self.app.play is None:
            raise RuntimeError("no snapshot yet: use wait_until(lambda: pilot.app.play)")
        return self.app.play

    def pixel(self, x: float, y: float) -> tuple[int, int, int]:
        c = self.app.screen.get_at((int(x), int(y)))
        return (c.r, c.g, c.b)

    def screenshot(self, path: Path) -> Path:
        pygame.image.save(self.app.screen, str(path))
        return Path(path)

    def world_to_screen(self, world: Any) -> np.ndarray:
        return self.play.camera.world_to_screen(world)

    def screen_to_world(self, screen: Any) -> np.ndarray:
        return self.play.camera.screen_to_world(screen)

    def cross_screen(self, c: int) -> tuple[int, int]:
        """Where class ``c``'s center cross is drawn."""
        x, y = self.play.cross_positions()[c]
        return int(x), int(y)

    def point_screen(self, i: int) -> tuple[int, int]:
        x, y = np.round(self.play.point_screen()[i])
        return int(x), int(y)


def _lerp(a: Point, b: Point, t: float) -> Point:
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)


def _ipos(p: Point) -> tuple[int, int]:
    return int(round(p[0])), int(round(p[1]))


class FakeWorker:
    """Model-free trainer stand-in: clustered 2D points; each epoch pulls them to the targets.

    Implements the :class:`~hill_arcade.session.Worker` protocol like the real one: commands
    through the buffer (RUN_ROUND, PAUSE/RESUME, SAVE, LOAD, REFRESH, STOP), events pushed to
    the buffer for the UI thread, a checkpoint (its own small format) loaded at start.
    """

    def __init__(self, scene: Any, buffer: SharedBuffer, checkpoint: Path | None = None, *,
                 num_classes: int = 10, per_class: int = 20, epoch_s: float = 0.02,
                 batches: int = 4, wrong_fraction: float = 0.1, seed: int = 0,
                 load_s: float = 0.0) -> None:
        self.buffer = buffer
        self.checkpoint = checkpoint
        self.num_classes, self.per_class = num_classes, per_class
        self.epoch_s, self.batches, self.load_s = epoch_s, batches, load_s
        self.fail_next = False
        rng = np.random.default_rng(seed)
        angles = np.arange(num_classes) * 2 * np.pi / num_classes
        centers = np.stack([np.cos(angles), np.sin(angles)], 1) * 3.0
        self.labels = np.repeat(np.arange(num_classes), per_class).astype(np.int64)
        self.points = (centers[self.labels] + rng.normal(0, 0.3, (len(self.labels), 2))
                       ).astype(np.float32)
        self.predictions = self.labels.copy()
        wrong = rng.random(len(self.labels)) < wrong_fraction
        self.predictions[wrong] = (self.labels[wrong] + 1) % num_classes
        # each point's "sample": a 4x4 image whose grey level encodes the point index
        grey = (np.arange(len(self.labels)) % 256).astype(np.uint8)
        self.samples = [np.full((4, 4, 3), g, np.uint8) for g in grey.tolist()]
        self.epoch = 0
        self.version = 0
        self.history: list[dict[str, Any]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fake-trainer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self.buffer.send(Command(CommandKind.STOP))
        if self._thread.is_alive():
            self._thread.join(timeout)

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def send(self, command: Command) -> None:
        self.buffer.send(command)

    def _publish(self, metrics: dict[str, Any]) -> None:
        self.version += 1
        self.buffer.publish(Snapshot(
            self.version, self.epoch, self.epoch * self.batches, self.points.copy(),
            self.labels.copy(), self.predictions.copy(), metrics, tuple(self.history),
            class_names=tuple(f"c{c}" for c in range(self.num_classes)),
            val=(self.points[::2] + np.float32(0.05), self.labels[::2].copy(),
                 self.predictions[1::2][:len(self.labels[::2])].copy()),
            confidence=np.full(len(self.labels), 0.75, np.float32),
            baseline_predictions=self.labels.copy(), samples=self.samples))

    def _run(self) -> None:
        self.buffer.set_progress(state=TrainerState.LOADING, message="Loading fake data...")
        if self._stop.wait(self.load_s):  # a slow load can still be stopped at once
            return
        if self.checkpoint is not None:
            self._load(Path(self.checkpoint))
        self._publish(self.history[-1] if self.history else {"epoch": 0, "device": "fake"})
        self.buffer.set_progress(state=TrainerState.IDLE, message="ready", device="fake",
                                 epoch=self.epoch)
        while not self._stop.is_set():
            if not self.buffer.wait_for_command(0.05):
                continue
            for cmd in self.buffer.take_commands():
                if cmd.kind == CommandKind.STOP:
                    return
                if cmd.kind == CommandKind.RUN_ROUND:
                    self._round(int(cmd.arg or 1))
                elif cmd.kind == CommandKind.REFRESH:
                    self._publish(self.history[-1] if self.history else {"epoch": 0})
                elif cmd.kind == CommandKind.SAVE:
                    self._save(Path(cmd.arg))
                elif cmd.kind == CommandKind.LOAD:
                    self._load(Path(cmd.arg))
                    self._publish(self.history[-1] if self.history else {"epoch": 0})
                    self.buffer.set_progress(state=TrainerState.IDLE, epoch=self.epoch,
                                             error=None)

    def _save(self, path: Path) -> None:
        """Epoch, points and history, written atomically (the study waits for the file)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as f:
            np.savez(f, epoch=self.epoch, points=self.points,
                     history=np.array(json.dumps(self.history)))
        os.replace(tmp, path)

    def _load(self, path: Path) -> None:
        try:
            with np.load(path) as data:
                self.epoch = int(data["epoch"])
                self.points = data["points"].astype(np.float32)
                self.history = list(json.loads(str(data["history"])))
        except (OSError, ValueError, KeyError) as exc:  # e.g. a real torch checkpoint
            self.buffer.push_event({"type": "load_skipped", "path": str(path),
                                    "reason": type(exc).__name__})

    def _round(self, epochs: int) -> None:
        if self.fail_next:
            self.fail_next = False
            self.buffer.set_progress(state=TrainerState.ERROR, error="fake failure")
            self.buffer.push_event({"type": "error", "message": "fake failure"})
            return
        for _ in range(epochs):
            self.buffer.set_progress(state=TrainerState.TRAINING, epoch=self.epoch + 1,
                                     batch=0, batches_per_epoch=self.batches, error=None)
            for b in range(self.batches):
                while True:  # honour PAUSE / RESUME / STOP between batches
                    kinds = [c.kind for c in self.buffer.take_commands()]
                    if CommandKind.STOP in kinds or self._stop.is_set():
                        return
                    if CommandKind.PAUSE in kinds:
                        self.buffer.set_progress(state=TrainerState.PAUSED)
                    if CommandKind.RESUME in kinds:
                        self.buffer.set_progress(state=TrainerState.TRAINING)
                    if self.buffer.progress().state != TrainerState.PAUSED:
                        break
                    time.sleep(0.01)
                time.sleep(self.epoch_s / self.batches)
                self.buffer.set_progress(batch=b + 1)
            self._epoch()
        self.buffer.set_progress(state=TrainerState.IDLE)
        self.buffer.push_event({"type": "round_end", "epoch": self.epoch})

    def _epoch(self) -> None:
        self.epoch += 1
        targets = self.buffer.targets()
        alpha, _ = self.buffer.weights()
        human = 0.0
        if targets is not None:
            centers, spreads = class_stats(self.points, self.labels, self.num_classes)
            ok = np.isfinite(targets.centers).all(1)
            diff = centers[ok] - targets.centers[ok]
            human = float((diff ** 2).sum(1).mean() + np.abs(spreads[ok] - targets.spreads[ok])
                          .mean())
            shift = np.zeros_like(centers)
            shift[ok] = -diff * alpha
            self.points = self.points + shift[self.labels]
        acc = float((self.predictions == self.labels).mean())
        metrics = {"epoch": self.epoch, "val_acc": min(1.0, acc + 0.01 * self.epoch),
                   "macro_f1": acc, "ce": 1.0 / self.epoch, "human": human,
                   "human_active": targets is not None,
                   "per_class_acc": [acc] * self.num_classes, "device": "fake"}
        self.history.append(metrics)
        self._publish(metrics)
        self.buffer.push_event({"type": "epoch", **metrics})
