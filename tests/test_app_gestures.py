"""Touch gestures: pinch to zoom, pinch on a cross to scale a class, two-cross drags."""

import numpy as np
import pygame

from hill_arcade.session_log import read_events

CTRL = pygame.KMOD_LCTRL
EMPTY = (420, 120)  # an empty corner of the view (no cross or point there)


def _edits(app):
    return [e for e in read_events(app.log_dir / "events.jsonl") if e["type"] == "edit"]


def test_pinch_out_on_empty_canvas_zooms_around_midpoint(make_app):
    app, pilot = make_app()
    play = pilot.play
    cam = play.camera
    assert play.hit_cross(EMPTY, touch=True) is None
    world = cam.screen_to_world(EMPTY)
    scale = cam.scale
    pilot.pinch(EMPTY, 40, 100)
    np.testing.assert_allclose(cam.scale, scale * 100 / 40, rtol=1e-6)
    np.testing.assert_allclose(cam.world_to_screen(world), EMPTY, atol=1e-3)
    assert not play.edits.edited and not play.editing

    pilot.pinch(EMPTY, 100, 40)  # and back
    np.testing.assert_allclose(cam.scale, scale, rtol=1e-6)
    np.testing.assert_allclose(cam.world_to_screen(world), EMPTY, atol=1e-3)


def test_pinch_moving_together_pans(make_app):
    app, pilot = make_app()
    cam = pilot.play.camera
    world = cam.screen_to_world(EMPTY)
    end = (EMPTY[0] + 30, EMPTY[1] + 20)
    pilot.multi_touch_drag([(1, (EMPTY[0] - 20, EMPTY[1]), (end[0] - 20, end[1])),
                            (2, (EMPTY[0] + 20, EMPTY[1]), (end[0] + 20, end[1]))])
    np.testing.assert_allclose(cam.world_to_screen(world), end, atol=1e-3)
    assert not pilot.play.edits.edited


def test_pinch_on_cross_scales_class_spread_and_undo_restores(make_app):
    app, pilot = make_app()
    play = pilot.play
    base = play.edits.positions.copy()
    labels = play.edits.labels
    center = play.edits.center(4).copy()
    spread = play.spread_of(4)
    scale = play.camera.scale
    pilot.pinch(pilot.cross_screen(4), 30, 54)  # both fingers within the touch radius
    np.testing.assert_allclose(play.spread_of(4), spread * 54 / 30, rtol=1e-3)
    np.testing.assert_allclose(play.edits.center(4), center, atol=1e-5)
    np.testing.assert_array_equal(play.edits.positions[labels != 4], base[labels != 4])
    assert play.camera.scale == scale
    edits = _edits(app)
    assert len(edits) == 1 and edits[0]["op"] == "scale_class" and edits[0]["class"] == 4
    assert edits[0]["spread_after"] > edits[0]["spread_before"]
    assert play.edits.undo_depth == 1

    pilot.pinch(pilot.cross_screen(4), 54, 27, finger_ids=(5, 6))  # compact
    np.testing.assert_allclose(play.spread_of(4), spread * 54 / 30 * 27 / 54, rtol=1e-3)
    pilot.press(pygame.K_z, CTRL)
    pilot.press(pygame.K_z, CTRL)
    np.testing.assert_allclose(play.edits.positions, base, atol=1e-6)


def test_two_fingers_on_two_crosses_still_drag_both(make_app):
    app, pilot = make_app()
    play = pilot.play
    base = play.edits.positions.copy()
    labels = play.edits.labels
    scale = play.camera.scale
    a, b = pilot.cross_screen(2), pilot.cross_screen(7)
    pilot.multi_touch_drag([(1, a, (a[0] - 30, a[1])), (2, b, (b[0], b[1] + 25))])
    np.testing.assert_allclose(play.edits.positions[labels == 2],
                               base[labels == 2] + (-30 / scale, 0), atol=1e-3)
    np.testing.assert_allclose(play.edits.positions[labels == 7],
                               base[labels == 7] + (0, 25 / scale), atol=1e-3)
    assert play.camera.scale == scale
    assert {e["op"] for e in _edits(app)} == {"move_class"}


def test_wide_pinch_centred_on_cross_scales_that_class(make_app):
    app, pilot = make_app()
    play = pilot.play
    spread = play.spread_of(8)
    scale = play.camera.scale
    pilot.pinch(pilot.cross_screen(8), 80, 120)  # neither finger on the cross itself
    np.testing.assert_allclose(play.spread_of(8), spread * 1.5, rtol=1e-3)
    assert play.camera.scale == scale
    assert [e["op"] for e in _edits(app)] == ["scale_class"]
