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
