"""End to end with the real TrainerWorker on the (shrunk) digits scene."""

import numpy as np
import pygame

from hill_arcade.render.palette import class_colour
from hill_arcade.session_log import read_events
from hill_arcade.shared import TrainerState
from hill_arcade.training.loss import targets_from_points


def test_drag_cross_then_train_gives_human_loss(make_app, digits_scene):
    from hill_arcade.app import default_worker_factory

    app, pilot = make_app(worker_factory=default_worker_factory, scene=digits_scene)
    play = pilot.play
    snap = play.snapshot
    assert snap.class_names and len(snap.points) == 200
    assert pilot.pixel(*pilot.cross_screen(3)) == class_colour(3)
    base, labels = play.edits.positions.copy(), play.edits.labels.copy()
    offset = np.array([60.0, 40.0])
    x, y = pilot.cross_screen(3)
    pilot.drag((x, y), (x + offset[0], y + offset[1]))
    delta = offset / play.camera.scale
    np.testing.assert_allclose(play.edits.positions[labels == 3], base[labels == 3] + delta,
                               atol=1e-4)
    np.testing.assert_array_equal(play.edits.positions[labels != 3], base[labels != 3])

    pilot.press(pygame.K_RETURN)
    targets = app.buffer.targets()
    c0, _ = targets_from_points(base, labels, len(snap.class_names))
    np.testing.assert_allclose(targets.centers[3], c0[3] + delta, atol=1e-4)
    np.testing.assert_allclose(np.delete(targets.centers, 3, 0), np.delete(c0, 3, 0), atol=1e-6)

    pilot.wait_until(lambda: play.snapshot.version > snap.version
                     and app.buffer.progress().state == TrainerState.IDLE, 60)
    assert play.snapshot.metrics["human"] > 0
    assert not play.edits.edited  # the new projection is the new base
    events = read_events(app.log_dir / "events.jsonl")
    types = [e["type"] for e in events]
    assert types.index("edit") < types.index("round_start") < types.index("epoch")
    epoch = next(e for e in events if e["type"] == "epoch")
    assert epoch["human"] > 0 and "val_acc" in epoch


def test_learning_rate_and_alpha_reach_the_trainer_and_the_log(make_app, digits_scene):
    from hill_arcade.app import default_worker_factory

    app, pilot = make_app(worker_factory=default_worker_factory, scene=digits_scene)
    play = pilot.play
    lr0 = play.lr
    assert lr0 == digits_scene.optimizer.lr
    pilot.click(*play.panel.lr_stepper.plus.center)  # the panel's "+" doubles it
    pilot.press(pygame.K_RIGHTBRACKET)  # and "]" doubles it again
    assert play.lr == 4 * lr0 and app.buffer.lr() == 4 * lr0
    slider = play.panel.alpha_slider.track
    pilot.drag((slider.x + slider.w // 2, slider.centery), (slider.right, slider.centery))
    assert play.alpha == 1.0 and app.buffer.weights()[0] == 1.0  # sent before any round

    epoch = play.snapshot.epoch
    pilot.press(pygame.K_RETURN)
    pilot.wait_until(lambda: play.snapshot.epoch > epoch
                     and app.buffer.progress().state == TrainerState.IDLE, 60)
    assert app.worker.trainer.lr == 4 * lr0
    assert play.snapshot.metrics["lr"] == 4 * lr0 and play.snapshot.metrics["alpha"] == 1.0
    events = read_events(app.log_dir / "events.jsonl")
    settings = [e for e in events if e["type"] == "settings"]
    assert [s["changed"] for s in settings] == [["lr"], ["lr"], ["alpha"]]
    assert settings[-1]["lr"] == 4 * lr0 and settings[-1]["alpha"] == 1.0
    start = [e for e in events if e["type"] == "round_start"][-1]
    assert start["lr"] == 4 * lr0 and start["alpha"] == 1.0
