"""Training throughput on digits: headless vs with the app drawing at 60 FPS in the same process.

Three kinds of run: the bare Trainer; the TrainerWorker thread as the app uses it (it also
projects and publishes the display sample every epoch) without a window; and the same worker
under the running app. The UI's own cost is the ratio of the last two. The worker runs and
the UI runs alternate (PAIRS pairs) so that machine noise hits both alike; the report gives the
median of each and of the per-pair ratios. All runs train the same scene for the same epochs
after one warm-up epoch; samples/s counts training samples over the epochs' own wall time
(evaluation included).
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

from hill_arcade import SCENES_DIR  # noqa: E402
from hill_arcade.config import load_scene  # noqa: E402
from hill_arcade.shared import TrainerState  # noqa: E402

EPOCHS = 30
PAIRS = 3


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


def with_ui() -> tuple[float, int, float]:
    """(samples/s, frames drawn, mean ms of UI work per frame) while the round trains."""
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
                app.frame_times.clear()
                start = app.buffer.latest().epoch
                pilot.press(pygame.K_RETURN)
                goal = start + epochs
                while not (app.buffer.latest().epoch >= goal
                           and app.buffer.progress().state == TrainerState.IDLE):
                    app.step()
            frames = len(app.frame_times)
            busy_ms = 1000 * sum(app.frame_times) / max(1, frames)
            worker = app.worker
            rate = _rate(list(worker.trainer.history), len(worker.trainer.data.train))
            return rate, frames, busy_ms
        finally:
            app.close()


def run(pairs: int = PAIRS) -> list[str]:
    """Report lines: samples/s headless, with the UI, and their ratio (medians over pairs)."""
    bare = headless()
    bases, uis, ratios, frames, busy = [], [], [], [], []
    for _ in range(pairs):
        base = worker_headless()
        ui, n_frames, busy_ms = with_ui()
        bases.append(base)
        uis.append(ui)
        ratios.append(ui / base)
        frames.append(n_frames)
        busy.append(busy_ms)
    base, ui = float(np.median(bases)), float(np.median(uis))
    each = " ".join(f"{r:.3f}" for r in ratios)
    return [f"digits training throughput: Trainer alone {bare:8.0f} samples/s | worker thread "
            f"headless {base:8.0f} samples/s | worker + UI at 60 FPS {ui:8.0f} samples/s "
            f"(median of {pairs} alternating pairs)",
            f"  UI/headless-worker median {float(np.median(ratios)):.3f} (pairs: {each}) | "
            f"UI/Trainer {ui / bare:.3f} | UI work {float(np.median(busy)):.2f} ms/frame over "
            f"{int(np.median(frames))} frames"]


if __name__ == "__main__":
    print("\n".join(run()))
