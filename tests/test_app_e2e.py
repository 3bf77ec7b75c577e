"""End to end with the real TrainerWorker on the (shrunk) digits scene."""

import time

import numpy as np
import pygame

from hill_arcade.analysis.noise import judge
from hill_arcade.render.palette import class_colour
from hill_arcade.session_log import read_events
from hill_arcade.shared import Command, CommandKind, TrainerState
from hill_arcade.training.loss import targets_from_points
from hill_arcade.views.legend import GAIN, LOSS, MUTED


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
    target3 = c0[3] + delta
    np.testing.assert_allclose(targets.centers[3], target3, atol=1e-4)
    assert np.isnan(np.delete(targets.centers, 3, 0)).all()  # only the class moved

    pilot.wait_until(lambda: play.snapshot.version > snap.version
                     and app.buffer.progress().state == TrainerState.IDLE, 60)
    assert play.snapshot.metrics["human"] > 0
    assert not play.edits.edited  # the new projection is the new base ...
    pilot.step(30)  # (the tween ends)
    ghost = np.round(play.camera.world_to_screen(target3)).astype(int)
    assert pilot.pixel(*ghost) == class_colour(3)  # ... and the target is still drawn there

    # a second round with no new edit keeps the target in force
    pilot.press(pygame.K_RETURN)
    pilot.wait_until(lambda: len(_epochs(app)) >= 2
                     and app.buffer.progress().state == TrainerState.IDLE, 60)
    events = read_events(app.log_dir / "events.jsonl")
    types = [e["type"] for e in events]
    assert types.index("edit") < types.index("round_start") < types.index("epoch")
    starts = [e for e in events if e["type"] == "round_start"]
    np.testing.assert_allclose(starts[1]["targets"]["centers"][3], target3, atol=1e-4)
    assert all(e["human"] > 0 and "val_acc" in e for e in _epochs(app))
    reach = [e for e in events if e["type"] == "reach"]
    assert reach and reach[-1]["classes"] == [3]  # logged per epoch for the targeted class


def _epochs(app):
    return [e for e in read_events(app.log_dir / "events.jsonl") if e["type"] == "epoch"]


def test_edit_made_mid_round_reaches_the_trainer_and_survives_the_projection(make_app,
                                                                             digits_scene):
    from hill_arcade.app import default_worker_factory

    app, pilot = make_app(worker_factory=default_worker_factory, scene=digits_scene)
    play = pilot.play
    app.session.set(epochs_per_round=30)
    pilot.press(pygame.K_RETURN)
    pilot.wait_until(lambda: app.buffer.progress().state == TrainerState.TRAINING, 30)
    base, labels = play.edits.positions.copy(), play.edits.labels.copy()
    x, y = pilot.cross_screen(5)
    pilot.drag((x, y), (x - 50, y + 30))
    target5 = base[labels == 5].mean(0) + np.array([-50.0, 30.0]) / play.camera.scale
    trainer = app.worker.trainer
    pilot.wait_until(lambda: trainer.targets is not None
                     and np.isfinite(trainer.targets.centers[5].numpy()).all(), 10)
    np.testing.assert_allclose(trainer.targets.centers[5].numpy(), target5, atol=1e-4)
    version = play.snapshot.version
    pilot.wait_until(lambda: play.snapshot.version > version, 30)  # the next projection
    np.testing.assert_allclose(play.effective_targets().centers[5], target5, atol=1e-4)
    app.buffer.send(Command(CommandKind.STOP))


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


def test_after_an_edited_round_the_chart_has_a_baseline_line_and_the_panel_a_delta(
        make_app, digits_scene):
    from hill_arcade.session import default_worker_factory
    from hill_arcade.widgets.status import BASELINE_GREY

    app, pilot = make_app(worker_factory=default_worker_factory, scene=digits_scene)
    play = pilot.play
    # as the worker reports a stored band: uninformed edits cost 2 pp here, ± 1.5
    band = {"type": "noise_band", "band_pp": 3.0, "reference_pp": -2.0, "spread_pp": 1.5,
            "n": 20}
    app.buffer.push_event(band)
    x, y = pilot.cross_screen(2)
    pilot.drag((x, y), (x + 70, y + 20))
    app.session.set(epochs_per_round=3)
    pilot.press(pygame.K_RETURN)
    pilot.wait_until(lambda: play.snapshot.epoch == 3
                     and app.buffer.progress().state == TrainerState.IDLE, 60)
    time.sleep(0.3)  # the panel follows new snapshots at most 5 times a second
    pilot.step(2)
    metrics = play.snapshot.metrics
    assert "baseline_val_acc" in metrics and "delta_val_pp" in metrics
    first, second, colour = play.verdict()
    assert first == f"vs baseline: {metrics['delta_val_pp']:+.1f} pp val"
    verdict = judge(metrics["delta_val_pp"], band)
    assert second == verdict.text and "uninformed edits (-2.0 +- 1.5 pp)" in second
    assert colour == {"like": MUTED, "better": GAIN, "worse": LOSS}[verdict.kind]
    chart = play.panel.rect.copy()
    chart.update(0, 488, play.panel.rect.w, 120)  # design px at UI scale 1
    pixels = {pilot.pixel(px_, py_) for px_ in range(chart.x + 14, chart.right - 14)
              for py_ in range(chart.y, chart.bottom)}
    assert BASELINE_GREY in pixels  # the baseline's ghost line is drawn


def test_with_adaptive_alpha_the_panel_shows_the_alpha_in_force(make_app, digits_scene):
    """shadow_gate on: after a round the alpha slider carries an orange "in force" tick at
    the α the trainer used, and each epoch event logs it."""
    import dataclasses

    from hill_arcade.session import default_worker_factory
    from hill_arcade.widgets.base import IN_FORCE

    scene = dataclasses.replace(digits_scene, hill=dataclasses.replace(
        digits_scene.hill, adaptive="shadow_gate"))
    app, pilot = make_app(worker_factory=default_worker_factory, scene=scene)
    play = pilot.play
    slider = play.panel.alpha_slider

    def ticks():
        return {pilot.pixel(x, slider.track.y - 3) for x in range(slider.track.x,
                                                                  slider.track.right)}

    assert IN_FORCE not in ticks()  # nothing in force before a human term trained
    x, y = pilot.cross_screen(4)
    pilot.drag((x, y), (x + 120, y - 90))
    app.session.set(epochs_per_round=3)
    pilot.press(pygame.K_RETURN)
    pilot.wait_until(lambda: play.snapshot.epoch == 3
                     and app.buffer.progress().state == TrainerState.IDLE, 60)
    time.sleep(0.3)
    pilot.step(2)
    epochs = _epochs(app)
    in_force = play.alpha_in_force()
    assert in_force == epochs[-1]["alpha_effective"]
    assert [e["alpha_effective"] for e in epochs][0] == play.alpha  # the gate starts open
    assert IN_FORCE in ticks()
