"""Training throughput on digits: headless vs with the app drawing at 60 FPS in the same process.

Three runs: the bare Trainer; the TrainerWorker thread as the app uses it (it also projects and
publishes the display sample every epoch) without a window; and the same worker under the
running app. The UI's own cost is the ratio of the last two. All runs train the same scene
for the same epochs after one warm-up epoch; samples/s counts training samples over the
epochs' own wall time (evaluation included).
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from tempfile import TemporaryDirectory

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

from hill_arcade import SCENES_DIR  # noqa: E402
from hill_arcade.config import load_scene  # noqa: E402
from hill_arcade.shared import TrainerState  # noqa: E402

EPOCHS = 30


def _scene():
    scene = load_scene(SCENES_DIR / "digits.yaml")
    schedule = dataclasses.replace(scene.schedule, epochs_per_round=EPOCHS)
    return dataclasses.replace(scene, schedule=schedule)


def _rate(history: list[dict], n_train: int) -> float:
    epochs = history[-EPOCHS:]
    return n_train * len(epochs) / sum(m["seconds"] for m in epochs)


def headless() -> float:
    from hill_arcade.data import load_dataset
    from hill_arcade.training.trainer import Trainer

    scene = _scene()
    trainer = Trainer(scene, load_dataset(scene.dataset, scene.runtime.seed))
    trainer.run_epochs(1 + EPOCHS)
    return _rate(trainer.history, len(trainer.data.train))


def worker_headless() -> float:
    """The same TrainerWorker the app uses (snapshots published every epoch), no window."""
    import time

    from hill_arcade.shared import Command, CommandKind, SharedBuffer
    from hill_arcade.training.worker import TrainerWorker

    buffer = SharedBuffer()
    worker = TrainerWorker(_scene(), buffer)
    worker.start()
    try:
        for epochs in (1, EPOCHS):
            while buffer.progress().state is not TrainerState.IDLE:
                time.sleep(0.01)
            start = buffer.latest().epoch
            buffer.send(Command(CommandKind.RUN_ROUND, epochs))
            while not (buffer.latest().epoch >= start + epochs
                       and buffer.progress().state is TrainerState.IDLE):
                time.sleep(0.01)
        return _rate(list(worker.trainer.history), len(worker.trainer.data.train))
    finally:
        worker.stop()


def with_ui() -> tuple[float, int]:
    import pygame

    from hill_arcade.app import App
    from hill_arcade.testing import Pilot

    with TemporaryDirectory() as tmp:
        app = App(_scene(), log_dir=Path(tmp))  # not headless: the loop is capped at ui.fps
        pilot = Pilot(app)
        try:
            pilot.wait_until(lambda: app.play is not None, 120)
            for epochs in (1, EPOCHS):  # a warm-up round, then the measured one
                app.play.epochs_per_round = epochs
                start = app.buffer.latest().epoch
                pilot.press(pygame.K_RETURN)
                goal = start + epochs
                while not (app.buffer.latest().epoch >= goal
                           and app.buffer.progress().state == TrainerState.IDLE):
                    app.step()
            frames = app.frame
            worker = app.worker
            return _rate(list(worker.trainer.history), len(worker.trainer.data.train)), frames
        finally:
            app.close()


def run() -> list[str]:
    """Report lines: samples/s headless, with the UI, and their ratio."""
    bare = headless()
    base = worker_headless()
    ui, frames = with_ui()
    return [f"digits training throughput: Trainer alone {bare:8.0f} samples/s | worker thread "
            f"headless {base:8.0f} samples/s | worker + UI at 60 FPS {ui:8.0f} samples/s "
            f"({frames} frames) | UI/headless-worker {ui / base:.3f} | UI/Trainer {ui / bare:.3f}"]


if __name__ == "__main__":
    print("\n".join(run()))
