"""Pure pieces of the front end: edits, lasso geometry, camera, input translation, session log."""


import numpy as np
import pygame
import pytest

from hill_arcade.edits import EditState
from hill_arcade.input import InputTranslator, PointerDown, PointerMove, Wheel
from hill_arcade.render.camera import Camera
from hill_arcade.session_log import SessionLog, read_events
from hill_arcade.views.canvas import points_in_polygon


def _state():
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(3), 5)
    return EditState(rng.normal(size=(15, 2)).astype(np.float32), labels)


def test_edit_ops_and_unlimited_undo_redo():
    s = _state()
    base = s.positions.copy()
    s.move_point(0, (1.0, 0.0))
    s.move_class(1, (0.0, 2.0))
    s.scale_class(2, 2.0)
    s.collapse_class(0)
    s.move_points([1, 2], (-1.0, -1.0))
    snapshots = []
    while s.can_undo:
        snapshots.append(s.positions.copy())
        s.undo()
    np.testing.assert_array_equal(s.positions, base)
    assert not s.edited
    for expected in reversed(snapshots):
        s.redo()
        np.testing.assert_allclose(s.positions, expected)
    assert not s.can_redo


def test_scale_and_collapse_keep_center():
    s = _state()
    c0 = s.center(2)
    s.scale_class(2, 3.0)
    np.testing.assert_allclose(s.center(2), c0, atol=1e-5)
    s.collapse_class(2)
    np.testing.assert_allclose(s.positions[s.labels == 2], np.tile(c0, (5, 1)), atol=1e-5)


def test_reset_is_undoable_and_new_edit_clears_redo():
    s = _state()
    s.move_class(0, (1.0, 1.0))
    moved = s.positions.copy()
    s.reset()
    assert not s.edited
    s.undo()
    np.testing.assert_array_equal(s.positions, moved)
    s.undo()
    s.move_point(3, (0.5, 0.5))
    assert not s.can_redo


def test_gesture_merges_even_when_interleaved_with_other_pointer():
    s = _state()
    for _ in range(4):
        s.move_class(0, (0.1, 0.0), gesture=1)
        s.move_class(1, (0.0, 0.1), gesture=2)
    assert s.undo_depth == 2
    s.undo()
    s.undo()
    assert not s.edited


def test_points_in_polygon():
    square = np.array([[0, 0], [10, 0], [10, 10], [0, 10]], float)
    pts = np.array([[5, 5], [11, 5], [-1, -1], [9.9, 0.1]])
    assert points_in_polygon(pts, square).tolist() == [True, False, False, True]


def test_camera_zoom_keeps_anchor_and_pan_moves_with_pointer():
    cam = Camera((100, 0, 800, 600))
    cam.fit(np.array([[-1.0, -2.0], [3.0, 4.0]]))
    world = cam.screen_to_world((300, 200))
    cam.zoom_at((300, 200), 1.7)
    np.testing.assert_allclose(cam.world_to_screen(world), (300, 200))
    cam.pan(25, -10)
    np.testing.assert_allclose(cam.world_to_screen(world), (325, 190))


def test_input_drops_touch_emulated_mouse_and_scales_fingers():
    pygame.init()
    tr = InputTranslator()
    fake = pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(5, 5), button=1, touch=True)
    assert tr.translate(fake, (800, 600)) is None
    finger = pygame.event.Event(pygame.FINGERDOWN, touch_id=1, finger_id=7, x=0.5, y=0.25,
                                dx=0.0, dy=0.0, pressure=1.0)
    ev = tr.translate(finger, (800, 600))
    assert isinstance(ev, PointerDown) and ev.pid == 7 and ev.pos == (400.0, 150.0) and ev.touch
    move = pygame.event.Event(pygame.MOUSEMOTION, pos=(10, 20), rel=(1, 1), buttons=(0, 0, 0),
                              touch=False)
    assert isinstance(tr.translate(move, (800, 600)), PointerMove)
    wheel = pygame.event.Event(pygame.MOUSEWHEEL, x=0, y=1, precise_x=0.0, precise_y=1.0,
                               flipped=False, which=0, touch=False)
    w = tr.translate(wheel, (800, 600))
    assert isinstance(w, Wheel) and w.pos == (10.0, 20.0) and w.dy == 1.0


def test_input_double_click():
    tr = InputTranslator()
    down = pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(5, 5), button=1, touch=False)
    assert not tr.translate(down, (100, 100), now_ms=1000).double
    assert tr.translate(down, (100, 100), now_ms=1200).double
    assert not tr.translate(down, (100, 100), now_ms=2000).double


def test_session_log_numbers_events_and_drops_writes_after_close(tmp_path):
    """The app log is the crash-safe EventLog; a trainer event that arrives while the app
    shuts down must not raise in the trainer thread."""
    log = SessionLog(tmp_path)
    log.write("edit", value=float("nan"), arr=np.arange(3))
    log.event({"type": "epoch", "epoch": 1})
    log.close()
    log.write("late")
    log.event({"type": "epoch", "epoch": 2})
    events = read_events(tmp_path / "events.jsonl")
    assert [(e["seq"], e["type"]) for e in events] == [(1, "edit"), (2, "epoch")]
    assert events[0]["value"] is None and events[0]["arr"] == [0, 1, 2]
    assert isinstance(events[0]["t"], float)
    reopened = SessionLog(tmp_path)  # a second run into the same folder continues the numbers
    reopened.write("session_start")
    reopened.close()
    assert read_events(tmp_path / "events.jsonl")[-1]["seq"] == 3


@pytest.mark.parametrize("n", [0, 1])
def test_edit_state_empty_classes(n):
    s = EditState(np.zeros((n, 2)), np.zeros(n, int))
    assert s.move_class(5, (1, 1)) is None
    assert np.isnan(s.centers(6)[5]).all()
