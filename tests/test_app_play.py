"""The real app loop driven by injected SDL events, with the model-free FakeWorker."""

import time

import numpy as np
import pygame

from hill_arcade.render.palette import class_colour
from hill_arcade.render.points import RING_RADIUS
from hill_arcade.session_log import read_events
from hill_arcade.shared import TrainerState
from hill_arcade.training.loss import targets_from_points
from hill_arcade.views.help import HelpView
from hill_arcade.views.loading import LoadingView

CTRL = pygame.KMOD_LCTRL
SHIFT = pygame.KMOD_LSHIFT


def _events(app, type_=None):
    return [e for e in read_events(app.log_dir / "events.jsonl")
            if type_ is None or e["type"] == type_]


def test_loading_screen_until_first_snapshot(make_app):
    app, pilot = make_app(wait=False, load_s=0.3)
    pilot.step(2)
    assert isinstance(app.top, LoadingView) and app.play is None
    pilot.wait_until(lambda: app.play is not None, 10)
    assert app.top is app.play


def test_drag_one_point(make_app):
    app, pilot = make_app()
    play = pilot.play
    crosses = play.cross_positions()
    scr = play.point_screen()
    far = [i for i in range(len(scr)) if np.hypot(*(crosses - scr[i]).T).min() > 30]
    start = pilot.point_screen(far[0])  # away from the crosses (they take priority)
    target = play.hit_point(start)
    base = play.edits.positions.copy()
    pilot.drag(start, (start[0] + 30, start[1] - 20))
    moved = play.edits.positions
    expected = base.copy()
    expected[target] += np.array([30, -20]) / play.camera.scale
    np.testing.assert_allclose(moved, expected, atol=1e-4)
    edit = _events(app, "edit")[-1]
    assert edit["op"] == "move_point" and edit["point"] == target


def test_drag_class_cross_moves_exactly_that_class_and_its_target(make_app):
    app, pilot = make_app()
    play = pilot.play
    base = play.edits.positions.copy()
    labels = play.edits.labels
    offset = np.array([48.0, -32.0])
    x, y = pilot.cross_screen(3)
    pilot.drag((x, y), (x + offset[0], y + offset[1]), steps=6)
    delta = offset / play.camera.scale
    moved = play.edits.positions
    np.testing.assert_allclose(moved[labels == 3], base[labels == 3] + delta, atol=1e-4)
    np.testing.assert_array_equal(moved[labels != 3], base[labels != 3])

    targets = app.buffer.targets()  # sent when the drag ended, before any round
    assert targets is not None
    c0, s0 = targets_from_points(base, labels, 10)
    np.testing.assert_allclose(targets.centers[3], c0[3] + delta, atol=1e-4)
    np.testing.assert_allclose(targets.spreads[3], s0[3], atol=1e-5)
    assert np.isnan(np.delete(targets.centers, 3, 0)).all()  # only the class that moved
    pilot.press(pygame.K_RETURN)

    edit = _events(app, "edit")[-1]
    assert edit["op"] == "move_class" and edit["class"] == 3
    np.testing.assert_allclose(np.subtract(edit["after"], edit["before"]), delta, atol=1e-4)
    start = _events(app, "round_start")[-1]
    assert start["edited"] and start["alpha"] == 0.5 and start["epochs"] == 5
    np.testing.assert_allclose(start["targets"]["centers"][3], targets.centers[3], atol=1e-6)


def test_enter_without_edits_sends_no_targets_and_new_snapshot_clears_edits(make_app):
    app, pilot = make_app()
    play = pilot.play
    pilot.press(pygame.K_RETURN)
    assert app.buffer.targets() is None
    pilot.wait_until(lambda: app.buffer.progress().state == TrainerState.IDLE
                     and play.snapshot.epoch == 5, 20)
    x, y = pilot.cross_screen(2)
    pilot.drag((x, y), (x + 20, y))
    assert play.edits.edited
    app.session.set(epochs_per_round=1)
    pilot.press(pygame.K_RETURN)
    v = play.snapshot.version
    pilot.wait_until(lambda: play.snapshot.version > v, 10)
    assert not play.edits.edited and play.tween_t < 1.0
    pilot.step(30)
    assert play.tween_t == 1.0
    assert _events(app, "epoch")[-1]["human"] > 0


def test_undo_redo_reset_keys(make_app):
    app, pilot = make_app()
    play = pilot.play
    base = play.edits.positions.copy()
    x, y = pilot.cross_screen(1)
    pilot.drag((x, y), (x + 40, y + 10))
    moved = play.edits.positions.copy()
    pilot.press(pygame.K_z, CTRL)
    np.testing.assert_array_equal(play.edits.positions, base)
    pilot.press(pygame.K_y, CTRL)
    np.testing.assert_array_equal(play.edits.positions, moved)
    pilot.press(pygame.K_r)
    np.testing.assert_array_equal(play.edits.positions, base)
    pilot.press(pygame.K_z, CTRL)
    np.testing.assert_array_equal(play.edits.positions, moved)
    types = [e["type"] for e in _events(app)]
    assert types.count("edit") == 1 and "undo" in types and "redo" in types and "reset" in types


def test_wheel_over_cross_scales_spread(make_app):
    app, pilot = make_app()
    play = pilot.play
    center = play.edits.center(2).copy()
    spread = play.spread_of(2)
    pilot.wheel(*pilot.cross_screen(2), 2)
    np.testing.assert_allclose(play.spread_of(2), spread * 1.1 ** 2, rtol=1e-4)
    np.testing.assert_allclose(play.edits.center(2), center, atol=1e-5)
    assert _events(app, "edit")[-1]["op"] == "scale_class"


def test_double_click_cross_collapses(make_app):
    app, pilot = make_app()
    play = pilot.play
    center = play.edits.center(5).copy()
    pilot.double_click(*pilot.cross_screen(5))
    pts = play.edits.positions[play.edits.labels == 5]
    np.testing.assert_allclose(pts, np.tile(center, (len(pts), 1)), atol=1e-5)
    assert _events(app, "edit")[-1]["op"] == "collapse_class"


def test_lasso_then_drag_selection(make_app):
    app, pilot = make_app()
    play = pilot.play
    cx, cy = pilot.cross_screen(0)
    r = 70
    corners = [(cx - r, cy - r), (cx + r, cy - r), (cx + r, cy + r), (cx - r, cy + r)]
    scr = play.point_screen()
    inside = np.flatnonzero((np.abs(scr[:, 0] - cx) < r) & (np.abs(scr[:, 1] - cy) < r))
    pilot.path_drag(corners, mod=SHIFT)
    np.testing.assert_array_equal(play.selection, inside)
    assert len(inside) > 5
    base = play.edits.positions.copy()
    crosses = play.cross_positions()
    i = next(int(j) for j in inside if np.hypot(*(crosses - scr[j]).T).min() > 25)
    start = pilot.point_screen(i)
    assert play.hit_point(start) in set(inside.tolist())
    pilot.drag(start, (start[0] - 25, start[1] + 35))
    delta = np.array([-25, 35]) / play.camera.scale
    expected = base.copy()
    expected[inside] += delta
    np.testing.assert_allclose(play.edits.positions, expected, atol=1e-4)
    assert _events(app, "edit")[-1]["op"] == "move_points"


def test_pan_and_zoom(make_app):
    app, pilot = make_app()
    cam = pilot.play.camera
    world = cam.screen_to_world((700, 400))
    pilot.drag((700, 400), (750, 430), button=3)
    np.testing.assert_allclose(cam.world_to_screen(world), (750, 430), atol=1e-6)
    scale = cam.scale
    anchor = (420, 120)  # empty corner of the view (no cross there)
    assert pilot.play.hit_cross(anchor) is None
    w = cam.screen_to_world(anchor)
    pilot.wheel(*anchor, 1)
    assert abs(cam.scale - scale * 1.15) < 1e-9
    np.testing.assert_allclose(cam.world_to_screen(w), anchor, atol=1e-6)
    assert not pilot.play.edits.edited


def test_two_fingers_drag_two_classes(make_app):
    app, pilot = make_app()
    play = pilot.play
    base = play.edits.positions.copy()
    labels = play.edits.labels
    a, b = pilot.cross_screen(1), pilot.cross_screen(6)
    pilot.multi_touch_drag([(0, a, (a[0] + 40, a[1])), (3, b, (b[0], b[1] - 50))])
    # finger coordinates are normalised then scaled back, so allow float32 rounding
    np.testing.assert_allclose(play.edits.positions[labels == 1],
                               base[labels == 1] + (40 / play.camera.scale, 0), atol=1e-3)
    np.testing.assert_allclose(play.edits.positions[labels == 6],
                               base[labels == 6] + (0, -50 / play.camera.scale), atol=1e-3)
    others = (labels != 1) & (labels != 6)
    np.testing.assert_array_equal(play.edits.positions[others], base[others])
    # touch-emulated mouse events are ignored
    pilot.post(pygame.MOUSEBUTTONDOWN, pos=a, button=1, touch=True)
    pilot.post(pygame.MOUSEMOTION, pos=(a[0] + 90, a[1]), rel=(90, 0), buttons=(1, 0, 0),
               touch=True)
    before = play.edits.positions.copy()
    pilot.step()
    np.testing.assert_array_equal(play.edits.positions, before)


def test_shortcuts(make_app):
    app, pilot = make_app(epoch_s=0.6, batches=6)
    play = pilot.play
    pilot.press(pygame.K_PLUS)
    assert abs(play.alpha - 0.55) < 1e-9
    pilot.press(pygame.K_MINUS)
    pilot.press(pygame.K_MINUS)
    assert abs(play.alpha - 0.45) < 1e-9
    pilot.press(pygame.K_RETURN)
    assert app.buffer.weights()[0] == 0.45
    pilot.wait_until(lambda: app.buffer.progress().state == TrainerState.TRAINING, 5)
    pilot.press(pygame.K_SPACE)
    pilot.wait_until(lambda: app.buffer.progress().state == TrainerState.PAUSED, 5)
    pilot.press(pygame.K_SPACE)
    pilot.wait_until(lambda: app.buffer.progress().state == TrainerState.TRAINING, 5)
    pilot.press(pygame.K_h)
    assert isinstance(app.top, HelpView)
    pilot.press(pygame.K_h)
    assert app.top is play
    pilot.press(pygame.K_s)
    pngs = list(app.log_dir.glob("*.png"))
    assert len(pngs) == 1 and pygame.image.load(str(pngs[0])).get_size() == (1280, 800)
    assert _events(app, "screenshot")
    pilot.press(pygame.K_f)
    assert app.fullscreen
    pilot.press(pygame.K_f)
    assert not app.fullscreen
    pilot.press(pygame.K_ESCAPE)  # asks first
    assert app.running
    pilot.press(pygame.K_y)
    assert not app.running


def test_panel_buttons_and_slider_by_pointer(make_app):
    app, pilot = make_app()
    play = pilot.play
    pilot.click(*play.panel.stepper.plus.center)
    assert play.epochs_per_round == 6
    track = play.panel.lam_slider.track
    pilot.drag((track.x + 1, track.centery), (track.right, track.centery))
    assert abs(play.lam - 2.0) < 1e-6
    pilot.click(*play.panel.train_button.rect.center)
    pilot.wait_until(lambda: _events(app, "round_start"), 5)
    assert app.buffer.weights()[1] == 2.0


def test_pixels_cross_colour_and_dark_ring(make_app):
    app, pilot = make_app()
    pilot.step(2)
    play = pilot.play
    for c in range(10):
        assert pilot.pixel(*pilot.cross_screen(c)) == class_colour(c)
    crosses = play.cross_positions()
    scr = np.round(play.point_screen())
    wrong = np.flatnonzero(play.wrong)
    clear = [i for i in wrong
             if np.hypot(*(crosses - scr[i]).T).min() > 25]
    assert clear
    x, y = scr[clear[0]]
    ring = pilot.pixel(x + RING_RADIUS - 1, y)
    assert sum(ring) < 150, ring


def test_error_banner_and_retry(make_app):
    app, pilot = make_app()
    play = pilot.play
    app.worker.fail_next = True
    app.session.set(epochs_per_round=1)
    pilot.press(pygame.K_RETURN)
    pilot.wait_until(lambda: app.buffer.progress().state == TrainerState.ERROR, 5)
    pilot.step(2)
    vr = play.view_rect
    assert pilot.pixel(vr.x + 5, vr.y + 5) == (200, 30, 30)
    v = play.snapshot.version
    pilot.step(2)
    pilot.press(pygame.K_RETURN)
    pilot.wait_until(lambda: play.snapshot.version > v, 5)
    assert _events(app, "error")


def test_new_projection_waits_until_the_finger_lets_go(make_app):
    app, pilot = make_app(epoch_s=0.02)
    play = pilot.play
    app.session.set(epochs_per_round=50)
    pilot.press(pygame.K_RETURN)
    pilot.wait_until(lambda: app.buffer.progress().state == TrainerState.TRAINING, 10)
    x, y = pilot.cross_screen(6)
    held = play.snapshot.version
    pilot.move(x, y)
    pilot.post(pygame.MOUSEBUTTONDOWN, pos=(x, y), button=1, touch=False, mod=0)
    for k in range(1, 16):  # projections keep arriving while the class is held
        pilot.move(x + 3 * k, y, buttons=(1, 0, 0), rel=(3, 0))
        pilot.step()
        time.sleep(0.01)
    assert app.buffer.latest().version > held + 2
    assert play.snapshot.version == held
    np.testing.assert_allclose(pilot.cross_screen(6), (x + 45, y), atol=1.5)
    pilot.post(pygame.MOUSEBUTTONUP, pos=(x + 45, y), button=1, touch=False, mod=0)
    pilot.step(2)
    assert play.snapshot.version > held


def test_layout_targets_give_every_class_a_target_as_in_the_paper(make_app):
    """hill.targets: layout (the paper's): one edit gives every class a target from the
    edited layout, for the round it starts; nothing is sent before the round."""
    import dataclasses

    from hill_arcade.config import SceneConfig

    scene = SceneConfig()
    scene = dataclasses.replace(scene, hill=dataclasses.replace(scene.hill, targets="layout"))
    app, pilot = make_app(scene=scene)
    play = pilot.play
    base, labels = play.edits.positions.copy(), play.edits.labels
    x, y = pilot.cross_screen(3)
    pilot.drag((x, y), (x + 40, y))
    assert app.buffer.targets() is None
    pilot.press(pygame.K_RETURN)
    targets = app.buffer.targets()
    c0, s0 = targets_from_points(base, labels, 10)
    rows = np.arange(10) != 3
    np.testing.assert_allclose(targets.centers[rows], c0[rows], atol=1e-6)
    np.testing.assert_allclose(targets.spreads, s0, atol=1e-5)
