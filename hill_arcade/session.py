"""One training session: a trainer worker, its SharedBuffer, its log and typed settings.

UI-free and torch-free, so views can hold one. Several sessions may live in one process (a
model and, later, its shadow baseline); each has its own buffer and worker. Everything the
trainer reports reaches the log through :meth:`TrainingSession.poll`, called once per frame on
the UI thread: no UI, kiosk or study code runs on a trainer thread.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Protocol

from hill_arcade.config import SceneConfig
from hill_arcade.shared import (
    Command,
    CommandKind,
    Progress,
    SharedBuffer,
    Snapshot,
    Targets,
)

LR_RANGE = (1e-6, 1.0)
# as a session's checkpoint: the scene's model pretrained to its first interaction point, from
# the user cache (trained there once, with progress on the loading screen, if missing)
PRETRAINED = Path("<pretrained>")
EPOCHS_RANGE = (1, 200)


class Worker(Protocol):
    """What a session drives: the real trainer thread, the test fake, the kiosk supervisor."""

    checkpoint: Path | None  # where the next start loads from (None: fresh)

    def start(self) -> None:
        """Start the thread (loading happens on it)."""

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the thread to end at its next batch boundary and wait up to ``timeout``."""

    def is_alive(self) -> bool:
        """True while the thread runs."""


# (scene, buffer, checkpoint) -> a Worker that is not started yet
WorkerFactory = Callable[[SceneConfig, SharedBuffer, "Path | None"], Worker]


@dataclass(frozen=True)
class Settings:
    """What a person can change while training; ``locked`` names those they may not."""

    alpha: float = 0.5
    lam: float = 0.1
    lr: float = 1e-3
    epochs_per_round: int = 5
    locked: frozenset[str] = field(default=frozenset(), compare=False)

    @classmethod
    def from_scene(cls, scene: SceneConfig, **overrides: Any) -> Settings:
        """The scene's α, λ, learning rate and epochs per round (``overrides`` win)."""
        base = cls(alpha=scene.hill.alpha, lam=scene.hill.lam, lr=scene.optimizer.lr,
                   epochs_per_round=scene.schedule.epochs_per_round)
        return base.with_changes(**overrides) if overrides else base

    def values(self) -> dict[str, float]:
        """The settings as a plain dict (what gets logged)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "locked"}

    def with_changes(self, **changes: Any) -> Settings:
        """A copy with ``changes`` clamped to their ranges and rounded as the panel shows them."""
        unknown = set(changes) - set(self.values())
        if unknown:
            raise KeyError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        clean: dict[str, Any] = {}
        for name, value in changes.items():
            value = float(value)
            if not math.isfinite(value):
                continue
            if name == "alpha":
                clean[name] = round(min(1.0, max(0.0, value)), 4)
            elif name == "lam":
                clean[name] = round(min(10.0, max(0.0, value)), 4)
            elif name == "lr":
                clean[name] = float(f"{min(LR_RANGE[1], max(LR_RANGE[0], value)):.3g}")
            else:
                clean[name] = int(min(EPOCHS_RANGE[1], max(EPOCHS_RANGE[0], round(value))))
        return replace(self, **clean)


def default_worker_factory(scene: SceneConfig, buffer: SharedBuffer,
                           checkpoint: Path | None = None) -> Worker:
    """The real background trainer (imported lazily: torch is slow to import)."""
    from hill_arcade.training.worker import TrainerWorker

    return TrainerWorker(scene, buffer, checkpoint=checkpoint)


class EventSink(Protocol):
    """Where a session's events go (a SessionLog, or the study's tee)."""

    def write(self, type_: str, **fields: Any) -> None: ...


class TrainingSession:
    """Owns a worker, its buffer and settings; logs every change and every trainer event."""

    def __init__(self, scene: SceneConfig, log: EventSink,
                 worker_factory: WorkerFactory | None = None, *,
                 checkpoint: Path | None = None, name: str = "model",
                 settings: Settings | None = None) -> None:
        self.scene = scene
        self.log = log
        self.name = name
        self.settings = settings or Settings.from_scene(scene)
        self._logged = self.settings
        self.buffer = SharedBuffer(self.settings.alpha, self.settings.lam)
        self.buffer.set_lr(self.settings.lr)
        factory = worker_factory or default_worker_factory
        self.worker: Worker = factory(scene, self.buffer, checkpoint)
        self._listeners: list[Callable[[dict[str, Any]], None]] = []
        self.last_events: dict[str, dict[str, Any]] = {}  # the latest event of each type
        self._unlogged: list[dict[str, Any]] = []  # trainer events waiting for the log

    # lifecycle ------------------------------------------------------------------------
    def start(self) -> None:
        self.worker.start()

    def stop(self, timeout: float = 5.0) -> None:
        """End the worker thread, then log what it reported on the way out."""
        self.worker.stop(timeout)
        self.poll()

    # settings -------------------------------------------------------------------------
    def set(self, *, log: bool = True, **changes: Any) -> dict[str, Any]:
        """Change settings: sent to the trainer at once (its next batch) and, with ``log``,
        one ``settings`` event naming exactly what changed since the last one. Locked
        settings are left alone. Returns the changes that took effect."""
        allowed = {k: v for k, v in changes.items() if k not in self.settings.locked}
        new = self.settings.with_changes(**allowed)
        applied = {k: v for k, v in new.values().items() if v != self.settings.values()[k]}
        self.settings = new
        if "alpha" in applied or "lam" in applied:
            self.buffer.set_weights(new.alpha, new.lam)
        if "lr" in applied:
            self.buffer.set_lr(new.lr)
        if log:
            self.commit_settings()
        return applied

    def commit_settings(self) -> None:
        """Log one ``settings`` event if anything changed since the last one (a slider that
        was dragged is logged once, when it is let go)."""
        now, before = self.settings.values(), self._logged.values()
        changed = sorted(k for k in now if now[k] != before[k])
        if changed:
            self.log.write("settings", changed=changed, **now)
            self._logged = self.settings

    def lock(self, *names: str) -> None:
        """Settings a person may no longer change (a study replicates the paper's)."""
        self.settings = replace(self.settings, locked=self.settings.locked | frozenset(names))

    def adopt_lr(self, lr: float) -> None:
        """Take a checkpoint's own learning rate as the current one (not a person's change)."""
        self.settings = self._logged = self.settings.with_changes(lr=lr)
        self.buffer.set_lr(self.settings.lr)

    # trainer exchange -----------------------------------------------------------------
    def latest(self) -> Snapshot | None:
        return self.buffer.latest()

    def progress(self) -> Progress:
        return self.buffer.progress()

    def send(self, command: Command) -> None:
        self.buffer.send(command)

    def set_targets(self, targets: Targets | None) -> None:
        """Targets the trainer uses from its next batch on (None: no human term)."""
        self.buffer.set_targets(targets)

    def run_round(self, targets: Targets | None, epochs: int | None = None,
                  **fields: Any) -> int:
        """Send targets, settings and RUN_ROUND; logs ``round_start``. Returns the epochs."""
        n = int(epochs if epochs is not None else self.settings.epochs_per_round)
        s = self.settings
        self.buffer.set_targets(targets)
        self.buffer.set_weights(s.alpha, s.lam)
        self.buffer.set_lr(s.lr)
        self.buffer.send(Command(CommandKind.RUN_ROUND, n))
        self.log.write("round_start", epochs=n, alpha=s.alpha, lam=s.lam, lr=s.lr,
                       edited=targets is not None,
                       targets=None if targets is None else {"centers": targets.centers,
                                                             "spreads": targets.spreads},
                       **fields)
        return n

    def subscribe(self, listener: Callable[[dict[str, Any]], None]) -> None:
        """Call ``listener(event)`` on the UI thread for every event the trainer reports."""
        self._listeners.append(listener)

    def poll(self) -> list[dict[str, Any]]:
        """UI thread, once per frame: log the trainer's events and hand them to listeners.

        When the log cannot be written (a full disk) the events not yet written are kept, in
        order, and written first by the next poll; the error goes to the caller, which tells
        the person. Returns the events handled this time."""
        self._unlogged.extend(self.buffer.take_events())
        done: list[dict[str, Any]] = []
        while self._unlogged:
            event = self._unlogged[0]
            fields_ = dict(event)
            self.log.write(str(fields_.pop("type", "event")), **fields_)  # may raise
            self._unlogged.pop(0)
            self.last_events[str(event.get("type"))] = event
            done.append(event)
            for listener in self._listeners:
                listener(event)
        return done
