"""The training thread: a Trainer driven by SharedBuffer commands; never imports pygame."""

from __future__ import annotations

import copy
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from hill_arcade.config import SceneConfig
from hill_arcade.edits import class_stats
from hill_arcade.heap import release_free_heap
from hill_arcade.session import PRETRAINED
from hill_arcade.shared import (
    Command,
    CommandKind,
    SharedBuffer,
    Snapshot,
    Targets,
    TrainerState,
)
from hill_arcade.training.checkpoint import restore, save_checkpoint
from hill_arcade.training.trainer import Trainer, TrainerHooks, TrainingStopped

IDLE_POLL_S = 0.1


class TrainerWorker:
    """Loads data and model, then serves RUN_ROUND/PAUSE/RESUME/SAVE/LOAD/REFRESH/STOP.

    Errors (a NaN loss included) restore the weights from before the round, are reported
    through `Progress.error` and an ``error`` event, and leave the worker ready for a retry.
    Events (epoch metrics, round ends, errors) go through the buffer; the UI thread logs them.
    """

    def __init__(self, scene: SceneConfig, buffer: SharedBuffer, checkpoint: Path | None = None,
                 live_every: int | None = None,
                 trainer_factory: Callable[[SceneConfig], Trainer] | None = None) -> None:
        self.scene = scene
        self.buffer = buffer
        self.checkpoint = checkpoint
        self.live_every = scene.ui.live_every if live_every is None else live_every
        self.trainer_factory = trainer_factory or _default_trainer
        self.trainer: Trainer | None = None
        self._thread = threading.Thread(target=self._main, name="hill-trainer", daemon=True)
        self._stop = threading.Event()
        self._version = 0
        self._last_good: dict[str, Any] | None = None
        self._targets: Targets | None = None  # the buffer's targets the trainer uses
        self._samples: list | None = None  # the display sample rendered once (static)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the thread to end at the next batch boundary and wait for it."""
        self._stop.set()
        self.buffer.send(Command(CommandKind.STOP))
        if self.trainer is not None:
            self.trainer.stop()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def send(self, command: Command) -> None:
        """Queue a command for the thread (RUN_ROUND, PAUSE, SAVE, LOAD, ...)."""
        self.buffer.send(command)

    def _emit(self, event: dict[str, Any]) -> None:
        self.buffer.push_event(event)

    def abandon(self) -> None:
        """Give up on a hung thread (it cannot be killed): it is asked to stop and, should it
        ever wake up, writes only to a private buffer and reports to no one."""
        self._stop.set()
        if self.trainer is not None:
            self.trainer.stop()
        self.buffer = SharedBuffer()
        self._last_good = None  # a whole model + optimizer copy the stuck thread never needs
        self._samples = None

    # thread body ------------------------------------------------------------------------
    def _main(self) -> None:
        try:
            self._load()
        except TrainingStopped:  # closed while pretraining
            self.buffer.set_progress(state=TrainerState.STOPPED, message="stopped")
            return
        except Exception as exc:  # loading failed: show it, nothing to retry with
            self._fail(exc, fatal=True)
            return
        while not self._stop.is_set():
            self.buffer.wait_for_command(IDLE_POLL_S)
            for command in self.buffer.take_commands():
                if command.kind is CommandKind.STOP:
                    self._stop.set()
                    break
                self._handle(command)
        self.buffer.set_progress(state=TrainerState.STOPPED, message="stopped")

    def _load(self) -> None:
        self.buffer.set_progress(state=TrainerState.LOADING,
                                 message=f"Loading {self.scene.dataset.name} data and model…")
        self.trainer = self.trainer_factory(self.scene)
        start = self.checkpoint
        if self.checkpoint == PRETRAINED:
            start = self._pretrained_path()
            self.checkpoint = self._pretrained(start)
        self.trainer.hooks = TrainerHooks(between_batches=self._between_batches,
                                          on_step=self._on_step, on_epoch=self._on_epoch)
        if self.checkpoint is not None:
            self.buffer.set_progress(message=f"Restoring {self.checkpoint.name}…")
            restore(self.trainer, self.checkpoint)
        self.publish()
        scene = {k: v for k, v in self.scene.to_dict().items() if k != "source"}
        self._emit({"type": "loaded", "checkpoint": None if start is None else str(start),
                    "epoch": self.trainer.epoch, "step": self.trainer.step,
                    "device": str(self.trainer.device), "threads": self.trainer.threads,
                    "scene": scene, "scene_source": self.scene.source})
        if start is not None:
            self._report_noise_band(Path(start))
        self.buffer.set_progress(state=TrainerState.IDLE, epoch=self.trainer.epoch,
                                 device=str(self.trainer.device), message="ready")

    def _pretrained_path(self) -> Path | None:
        """Where the scene's pretrained model is cached (None: it has no pretraining)."""
        from hill_arcade.analysis.pretrain import pretrained_folder
        from hill_arcade.training.headless import checkpoint_name

        epochs = self.scene.schedule.pretrain_epochs
        if epochs <= 0:
            return None
        return pretrained_folder(self.scene, epochs) / checkpoint_name(epochs)

    def _report_noise_band(self, checkpoint: Path) -> None:
        """Tell the UI the stored noise band of the starting checkpoint, if one was made."""
        from hill_arcade.analysis.noise import load_band

        try:
            band = load_band(checkpoint)
        except Exception as exc:  # a broken band file must not stop the session
            self._emit({"type": "noise_band_unreadable", "path": str(checkpoint),
                        "reason": f"{type(exc).__name__}: {exc}"})
            return
        if band is not None:
            self._emit({"type": "noise_band", "band_pp": band.band_pp, "n": band.n,
                        "reference_pp": band.reference_pp, "spread_pp": band.spread_pp,
                        "by_epoch": band.by_epoch,
                        "band_test_pp": band.band_test_pp, "checkpoint": str(checkpoint)})

    def _pretrained(self, path: Path | None) -> Path | None:
        """The scene's model pretrained to its first interaction point: from the user cache,
        else trained here once (progress on the loading screen) and cached for next time."""
        from hill_arcade.training.headless import train_headless

        if path is None or path.is_file():
            return path
        folder = path.parent
        epochs = self.scene.schedule.pretrain_epochs
        trainer = self.trainer
        assert trainer is not None

        def progress(epoch: int, batch: int, batches: int) -> None:
            if self._stop.is_set():
                trainer.stop()
            self.buffer.set_progress(
                epoch=epoch, batch=batch, batches_per_epoch=batches,
                message=f"Pretraining {self.scene.name} to epoch {epochs} (once, then cached):"
                        f" epoch {epoch}/{epochs}")

        for stale in ("metrics.csv", "last.pt"):  # an interrupted earlier attempt
            (folder / stale).unlink(missing_ok=True)
        train_headless(self.scene, epochs, folder, trainer=trainer, on_step=progress)
        return None  # the trainer holds the pretrained model already

    def _handle(self, command: Command) -> None:
        trainer = self.trainer
        assert trainer is not None
        if command.kind is CommandKind.RUN_ROUND:
            self._run_round(int(command.arg or self.scene.schedule.epochs_per_round))
        elif command.kind is CommandKind.SAVE:
            try:
                save_checkpoint(trainer.state(), command.arg)
            except Exception as exc:  # e.g. a full disk: the UI shows it, the thread lives on
                self._fail(exc)
        elif command.kind is CommandKind.LOAD:
            try:
                restore(trainer, command.arg)
            except Exception as exc:
                self._fail(exc)
                return
            release_free_heap()  # a kiosk reloads for days: see hill_arcade/heap.py
            self.publish()
            self.buffer.set_progress(state=TrainerState.IDLE, epoch=trainer.epoch, error=None)
        elif command.kind is CommandKind.REFRESH:
            self.publish()

    def _run_round(self, epochs: int) -> None:
        trainer = self.trainer
        assert trainer is not None
        targets = self.buffer.targets()
        self._apply_targets(targets)
        trainer.alpha, trainer.lam = self.buffer.weights()
        lr = self.buffer.lr()
        if lr is not None:
            trainer.set_lr(lr)
        self._emit({"type": "round_begin", "step": trainer.step, "epoch": trainer.epoch,
                    "epochs": epochs, "alpha": trainer.alpha, "lam": trainer.lam,
                    "lr": trainer.lr, "targets": None if targets is None else {
                        "centers": targets.centers, "spreads": targets.spreads},
                    "layout": _layout(trainer)})
        self._last_good = copy.deepcopy(trainer.state())
        self.buffer.set_progress(state=TrainerState.TRAINING, round_epochs_left=epochs,
                                 error=None, message=f"training {epochs} epoch(s)")
        try:
            for left in range(epochs, 0, -1):
                self.buffer.set_progress(round_epochs_left=left)
                trainer.train_epoch()
                self.publish()
        except TrainingStopped:
            self.buffer.set_progress(state=TrainerState.IDLE, message="round stopped")
            return
        except Exception as exc:
            trainer.load_state(self._last_good)
            self.publish()
            self._fail(exc)
            return
        self.buffer.set_progress(state=TrainerState.IDLE, round_epochs_left=0,
                                 epoch=trainer.epoch, message="round finished")
        self._emit({"type": "round_end", "epoch": trainer.epoch})

    # hooks (training thread) ----------------------------------------------------------
    def _between_batches(self) -> None:
        trainer = self.trainer
        assert trainer is not None
        alpha, lam = self.buffer.weights()
        lr = self.buffer.lr()
        if (alpha, lam) != (trainer.alpha, trainer.lam) or (lr is not None and lr != trainer.lr):
            trainer.alpha, trainer.lam = alpha, lam
            if lr is not None:
                trainer.set_lr(lr)
            # the exact step a change took effect at (replay reproduces it there)
            self._emit({"type": "settings_applied", "step": trainer.step, "epoch": trainer.epoch,
                        "alpha": alpha, "lam": lam, "lr": trainer.lr})
        targets = self.buffer.targets()
        if targets is not self._targets:  # an edit made during the round: use it now
            self._apply_targets(targets)
            self._emit({"type": "targets_applied", "step": trainer.step, "epoch": trainer.epoch,
                        "targets": None if targets is None else {
                            "centers": targets.centers, "spreads": targets.spreads}})
        for command in self.buffer.take_commands():
            if command.kind is CommandKind.PAUSE:
                trainer.pause()
                self.buffer.set_progress(state=TrainerState.PAUSED, message="paused")
            elif command.kind is CommandKind.RESUME:
                trainer.resume()
                self.buffer.set_progress(state=TrainerState.TRAINING, message="training")
            elif command.kind is CommandKind.STOP:
                self._stop.set()
                trainer.stop()
            elif command.kind is CommandKind.REFRESH:
                self.publish(live=True)
            else:  # RUN_ROUND/SAVE/LOAD wait until the round ends
                self.buffer.send(command)

    def _on_step(self, epoch: int, batch: int, batches: int) -> None:
        self.buffer.set_progress(epoch=epoch, batch=batch, batches_per_epoch=batches)
        trainer = self.trainer
        if self.live_every and trainer is not None and trainer.step % self.live_every == 0:
            self.publish(live=True)
            trainer.model.train()

    def _on_epoch(self, metrics: dict[str, Any]) -> None:
        self._emit({"type": "epoch", **metrics})

    # helpers --------------------------------------------------------------------------
    def _apply_targets(self, targets: Targets | None) -> None:
        trainer = self.trainer
        assert trainer is not None
        self._targets = targets
        trainer.set_targets(None if targets is None else targets.centers,
                            None if targets is None else targets.spreads)

    def publish(self, live: bool = False) -> None:
        """Project the display sample and hand a new snapshot to the UI."""
        trainer = self.trainer
        assert trainer is not None
        shown = trainer.display()
        val = trainer.display("val") if not live else None  # live refreshes stay cheap
        baseline = trainer.lockstep.display(trainer) if not live else None
        if self._samples is None:
            self._samples = trainer.display_samples() or []
        self._version += 1
        metrics = dict(trainer.history[-1]) if trainer.history else {
            "epoch": trainer.epoch, "device": str(trainer.device)}
        self.buffer.publish(Snapshot(
            version=self._version, epoch=trainer.epoch, step=trainer.step,
            points=shown.points, labels=shown.labels, predictions=shown.predictions,
            metrics=metrics, history=tuple(dict(m) for m in trainer.history), live=live,
            class_names=tuple(trainer.data.class_names),
            val=None if val is None else (val.points, val.labels, val.predictions),
            confidence=shown.confidence,
            baseline_predictions=None if baseline is None else baseline.predictions,
            samples=self._samples or None))

    def _fail(self, exc: BaseException, fatal: bool = False) -> None:
        message = f"{type(exc).__name__}: {exc}".splitlines()[0]
        self.buffer.set_progress(state=TrainerState.ERROR, error=message,
                                 message="failed to load" if fatal else "round failed")
        self._emit({"type": "error", "message": message, "fatal": fatal,
                       "traceback": traceback.format_exc(limit=8)})


def _default_trainer(scene: SceneConfig) -> Trainer:
    from hill_arcade.data import load_dataset

    return Trainer(scene, load_dataset(scene.dataset, scene.runtime.seed))


def _layout(trainer: Trainer) -> dict[str, np.ndarray]:
    """The display sample's class centers and spreads as the round starts (what the person
    edited): a recorded participant's edits are carried to other runs relative to it."""
    shown = trainer.display()
    centers, spreads = class_stats(shown.points, shown.labels, trainer.data.num_classes)
    return {"centers": centers, "spreads": spreads}
