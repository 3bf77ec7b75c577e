"""Trainer, worker and checkpoint behaviour on the embedded digits data."""

from __future__ import annotations

import dataclasses
import threading
import time

import numpy as np
import pytest
import torch

from hill_arcade.config import DisplayConfig, SceneConfig
from hill_arcade.data import load_dataset
from hill_arcade.errors import CheckpointError
from hill_arcade.shared import Command, CommandKind, SharedBuffer, Targets, TrainerState
from hill_arcade.training.checkpoint import load_checkpoint, restore, save_checkpoint
from hill_arcade.training.loss import targets_from_points
from hill_arcade.training.trainer import Trainer, TrainerHooks, TrainingStopped
from hill_arcade.training.worker import TrainerWorker


@pytest.fixture(scope="module")
def digits():
    scene = SceneConfig(display=DisplayConfig(per_class=20))
    return scene, load_dataset(scene.dataset, scene.runtime.seed)


def make_trainer(digits, **hooks) -> Trainer:
    scene, data = digits
    return Trainer(scene, data, device="cpu", hooks=TrainerHooks(**hooks))


def test_epoch_reports_metrics_and_freezes_projection(digits):
    trainer = make_trainer(digits)
    assert not trainer.model.projection.frozen
    metrics = trainer.train_epoch()
    assert trainer.model.projection.frozen
    for key in ("val_acc", "macro_f1", "per_class_acc", "ce", "human"):
        assert key in metrics
    assert len(metrics["per_class_acc"]) == 10
    shown = trainer.display()
    assert shown.points.shape == (200, 2)
    assert np.bincount(shown.labels).tolist() == [20] * 10


def test_human_targets_pull_classes_and_leave_projection_weights(digits):
    trainer = make_trainer(digits)
    trainer.train_epoch()
    frozen = [p.clone() for p in trainer.model.projection.net.parameters()]
    shown = trainer.display()
    centers, spreads = targets_from_points(shown.points, shown.labels, 10)
    centers[3] += np.array([3.0, 0.0], np.float32)  # the user drags class 3 to the right
    trainer.set_targets(centers, spreads)
    before = shown.points[shown.labels == 3].mean(0)
    metrics = trainer.train_epoch()
    assert metrics["human"] > 0
    after = trainer.display()
    moved = after.points[after.labels == 3].mean(0) - before
    assert moved[0] > 0.5, f"class 3 should follow the drag to the right, moved {moved}"
    for old, new in zip(frozen, trainer.model.projection.net.parameters(), strict=True):
        assert torch.equal(old, new)


def test_pause_resume_stop_at_batch_boundaries(digits):
    steps: list[int] = []
    trainer = make_trainer(digits, on_step=lambda e, b, n: steps.append(b))
    trainer.pause()
    thread = threading.Thread(target=trainer.train_epoch)
    thread.start()
    time.sleep(0.3)
    assert steps == [], "a paused trainer must not take a step"
    trainer.resume()
    thread.join(10)
    assert not thread.is_alive() and trainer.epoch == 1
    trainer.stop()
    with pytest.raises(TrainingStopped):
        trainer.train_epoch()
    assert trainer.epoch == 1


def test_checkpoint_round_trip(digits, tmp_path):
    scene, data = digits
    trainer = make_trainer(digits)
    trainer.run_epochs(2)
    trainer.set_targets(np.ones((10, 2), np.float32), np.full(10, 0.5, np.float32))
    path = save_checkpoint(trainer.state(), tmp_path / "ck.pt")
    fresh = Trainer(scene, data, device="cpu")
    restore(fresh, path)
    assert fresh.epoch == 2 and fresh.model.projection.frozen
    assert np.allclose(fresh.display().points, trainer.display().points)
    assert torch.equal(fresh.targets.centers, trainer.targets.centers)
    assert len(fresh.history) == 2
    assert not list(tmp_path.glob(".*tmp")), "no temp file may be left behind"


def test_resumed_run_matches_uninterrupted_run(digits, tmp_path):
    scene, data = digits
    straight = Trainer(scene, data, device="cpu")
    straight.run_epochs(3)
    first = Trainer(scene, data, device="cpu")
    first.run_epochs(2)
    path = save_checkpoint(first.state(), tmp_path / "two.pt")
    resumed = Trainer(scene, data, device="cpu")
    restore(resumed, path)
    resumed.train_epoch()
    assert resumed.history[-1]["val_acc"] == straight.history[-1]["val_acc"]
    assert np.allclose(resumed.display().points, straight.display().points, atol=1e-5)


def test_bad_checkpoints_are_one_line_errors(tmp_path):
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="junk.pt: not a readable"):
        load_checkpoint(tmp_path / "junk.pt")
    with pytest.raises(CheckpointError, match="not found"):
        load_checkpoint(tmp_path / "missing.pt")
    torch.save({"model": {}}, tmp_path / "other.pt")
    with pytest.raises(CheckpointError, match="missing format"):
        load_checkpoint(tmp_path / "other.pt")


def wait_for(predicate, timeout=30.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_worker_round_with_targets_and_recovery_from_nan(digits):
    scene, data = digits
    buffer = SharedBuffer()
    events: list[dict] = []
    worker = TrainerWorker(scene, buffer,
                           trainer_factory=lambda s: Trainer(s, data, device="cpu"))
    worker.start()
    try:
        assert wait_for(lambda: buffer.progress().state is TrainerState.IDLE)
        first = buffer.latest()
        assert first.class_names[3] == "3" and first.points.shape == (200, 2)
        buffer.send(Command(CommandKind.RUN_ROUND, 1))
        assert wait_for(lambda: buffer.latest().epoch == 1
                        and buffer.progress().state is TrainerState.IDLE)
        snap = buffer.latest()
        centers, spreads = targets_from_points(snap.points, snap.labels, 10)
        centers[3] += 2.0
        buffer.set_targets(Targets(centers, spreads))
        buffer.send(Command(CommandKind.RUN_ROUND, 1))
        assert wait_for(lambda: buffer.latest().epoch == 2
                        and buffer.progress().state is TrainerState.IDLE)
        assert buffer.latest().metrics["human"] > 0
        good = buffer.latest().points.copy()
        # Overflowing targets make the loss non-finite: the round fails, weights are restored.
        buffer.set_targets(Targets(centers, np.full(10, 3e38, np.float32)))
        buffer.send(Command(CommandKind.RUN_ROUND, 1))
        assert wait_for(lambda: buffer.progress().state is TrainerState.ERROR)
        assert "NonFiniteLoss" in buffer.progress().error
        assert np.allclose(buffer.latest().points, good)
        events += buffer.take_events()  # what the UI thread drains once per frame
        assert any(e["type"] == "error" for e in events)
        buffer.set_targets(None)  # retry works
        buffer.send(Command(CommandKind.RUN_ROUND, 1))
        assert wait_for(lambda: buffer.latest().epoch == 3)
        events += buffer.take_events()
        assert [e["epoch"] for e in events if e["type"] == "epoch"] == [1, 2, 3]
    finally:
        worker.stop()
    assert not worker.is_alive()


def test_scene_threads_setting_is_applied(digits):
    scene, data = digits
    scene = dataclasses.replace(scene, runtime=dataclasses.replace(scene.runtime, threads=1))
    Trainer(scene, data, device="cpu")
    assert torch.get_num_threads() == 1


def test_training_thread_flushes_denormals(digits):
    """Converging weights turn denormal; without flush-to-zero CPU epochs get ~1.7x slower.
    The flag is per thread, so it must be set in the thread that builds the trainer."""
    scene, data = digits
    tiny = torch.tensor([1e-39], dtype=torch.float32)  # below float32's smallest normal
    seen: list[float] = []

    def build_and_probe() -> None:
        Trainer(scene, data, device="cpu")
        seen.append((tiny * 1.0).item())

    thread = threading.Thread(target=build_and_probe)
    thread.start()
    thread.join()
    assert seen == [0.0]
