"""Training throughput on digits: the same trainer with the app drawing at 60 FPS vs headless.

Two measurements:

* **Alternating phases (the headline).** One app, one long round on the real TrainerWorker.
  The main thread alternates PHASE_S seconds of running the app loop (events, update, draw
  at ui.fps) with PHASE_S seconds of doing nothing (the worker trains headless, as in
  ``hill-arcade train``). Each UI phase is compared with the headless phase just before it,
  so machine noise and the model's own speed changes hit both alike; the report gives the
  median per-cycle ratio. Samples/s = batches finished x batch size over the phase.
* **Separate runs.** The bare Trainer, then PAIRS alternating pairs of (worker thread without
  a window, worker under the app), each training EPOCHS epochs after a warm-up epoch;
  samples/s counts training samples over the epochs' own wall time (evaluation included).
"""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

from hill_arcade import SCENES_DIR  # noqa: E402
from hill_arcade.config import load_scene  # noqa: E402
from hill_arcade.shared import Progress, TrainerState  # noqa: E402

EPOCHS = 30
PAIRS = 3
PHASE_S = 2.0
CYCLES = 10


def _scene(epochs: int = EPOCHS):
    scene = load_scene(SCENES_DIR / "digits.yaml")
    schedule = dataclasses.replace(scene.schedule, epochs_per_round=epochs)
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
                app.session.set(epochs_per_round=epochs)
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


def _batches(progress: Progress) -> int:
    return progress.epoch * progress.batches_per_epoch + progress.batch


def alternating(phase_s: float = PHASE_S, cycles: int = CYCLES
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(headless samples/s, UI samples/s, UI frame ms) per cycle of one long round."""
    import pygame

    from hill_arcade.app import App
    from hill_arcade.testing import Pilot

    scene = _scene(epochs=100_000)
    batch_size = scene.optimizer.batch_size
    with TemporaryDirectory() as tmp:
        app = App(scene, log_dir=Path(tmp))
        pilot = Pilot(app)
        try:
            pilot.wait_until(lambda: app.play is not None, 120)
            pilot.press(pygame.K_RETURN)
            pilot.wait_until(lambda: app.buffer.progress().state == TrainerState.TRAINING, 60)
            pilot.step(60)  # past the first epoch (projection learning) and warm caches
            app.frame_times.clear()
            rates: dict[str, list[float]] = {"off": [], "ui": []}
            for _ in range(cycles):
                for mode in ("off", "ui"):
                    b0, t0 = _batches(app.buffer.progress()), time.perf_counter()
                    while time.perf_counter() - t0 < phase_s:
                        if mode == "ui":
                            app.step()
                        else:
                            time.sleep(0.01)
                    done = _batches(app.buffer.progress()) - b0
                    rates[mode].append(done * batch_size / (time.perf_counter() - t0))
            frames = np.asarray(app.frame_times) * 1000
        finally:
            app.close()
    return np.asarray(rates["off"]), np.asarray(rates["ui"]), frames


def run(pairs: int = PAIRS) -> list[str]:
    """Report lines: samples/s headless vs with the UI, and their ratios."""
    from bench.stats import p50_p99

    off, ui, frames = alternating()
    ratios = ui / off
    f50, f99 = p50_p99(list(frames))
    lines = [f"digits training throughput, alternating {PHASE_S:.0f} s phases x {CYCLES} in one "
             f"round: headless {np.median(off):8.0f} samples/s | with UI at 60 FPS "
             f"{np.median(ui):8.0f} samples/s | UI/headless median {np.median(ratios):.3f} "
             f"(min {ratios.min():.3f}, max {ratios.max():.3f}) | UI frame work p50 {f50:.2f} "
             f"ms p99 {f99:.2f} ms"]
    bare = headless()
    bases, uis, busy = [], [], []
    for _ in range(pairs):
        bases.append(worker_headless())
        rate, _, busy_ms = with_ui()
        uis.append(rate)
        busy.append(busy_ms)
    each = " ".join(f"{u / b:.3f}" for u, b in zip(uis, bases, strict=True))
    base, with_app = float(np.median(bases)), float(np.median(uis))
    lines.append(f"  separate runs ({EPOCHS} epochs): Trainer alone {bare:8.0f} samples/s | "
                 f"worker headless {base:8.0f} | worker + UI {with_app:8.0f} | UI/headless "
                 f"median {with_app / base:.3f} (pairs: {each}) | UI work "
                 f"{float(np.median(busy)):.2f} ms/frame")
    return lines


if __name__ == "__main__":
    print("\n".join(run()))
