"""Retained drawing: frames that redraw only what changed look exactly like full repaints,
and a frame where nothing changed presents nothing."""

import numpy as np
import pygame
import pytest

from hill_arcade.shared import TrainerState

EMPTY = (420, 120)  # an empty corner of the view


def _view_pixels(app) -> np.ndarray:
    rect = app.play.view_rect
    return pygame.surfarray.array3d(app.screen)[rect.left:rect.right, rect.top:rect.bottom]


@pytest.fixture
def checked(make_app):
    """An app whose stepped frames are compared with a full repaint of the same state. The
    repaint resets what the incremental path remembers, so only every third frame is
    compared: the two in between build on each other as in a live session."""
    app, pilot = make_app(per_class=40, epoch_s=0.03)
    frames = []
    stepped = [0]

    def compare() -> None:
        stepped[0] += 1
        if stepped[0] % 3:
            return
        incremental = _view_pixels(app)
        app.redraw()  # same state, everything repainted
        full = _view_pixels(app)
        wrong = np.argwhere((incremental != full).any(axis=2))
        assert len(wrong) == 0, (f"frame {app.frame}: {len(wrong)} stale pixels, "
                                 f"first at view offset {wrong[0].tolist()}")
        frames.append(app.frame)

    pilot.after_frame.append(compare)
    return app, pilot, frames


def test_incremental_frames_match_full_repaints_through_tweens_and_edits(checked):
    app, pilot, frames = checked
    play = pilot.play
    pilot.press(pygame.K_RETURN)  # a round: new projections tween in while we edit
    pilot.drag(pilot.cross_screen(3), (pilot.cross_screen(3)[0] + 90, 300), steps=6)
    home = pilot.point_screen(5)
    corner = (play.view_rect.right - 15, play.view_rect.top + 15)
    pilot.drag(home, corner, steps=4)  # the points' box grows...
    pilot.drag(corner, home, steps=4)  # ...and shrinks: the old sprites must still go
    x, y = EMPTY
    pilot.path_drag([(x, y), (x + 300, y), (x + 300, y + 400), (x, y + 400), (x, y)],
                    mod=pygame.KMOD_LSHIFT)  # lasso: an overlay on the points
    pilot.wheel(700, 400, 2)  # zoom
    pilot.press(pygame.K_z, mod=pygame.KMOD_LCTRL)
    pilot.wait_until(lambda: play.tween_t >= 1.0
                     and app.buffer.progress().state == TrainerState.IDLE, 10)
    pilot.step(5)
    assert len(frames) > 10


def test_idle_frames_present_nothing_and_an_edit_presents_the_view(make_app):
    app, pilot = make_app()
    pilot.wait_until(lambda: pilot.play.tween_t >= 1.0, 5)
    pilot.step(3)
    for _ in range(10):
        pilot.step()
        assert app.presented == []
    pilot.drag(pilot.cross_screen(2), (500, 500), steps=3)
    assert pilot.play.view_rect in app.presented
    pilot.step(2)
    assert app.presented == []


def test_help_overlay_repaints_whole_frames_and_closing_it_restores_the_view(make_app):
    app, pilot = make_app()
    pilot.step(3)
    before = _view_pixels(app)
    pilot.press(pygame.K_h)
    assert app.presented == [app.screen.get_rect()]
    assert (_view_pixels(app) != before).any()  # the overlay covers the scatter
    pilot.press(pygame.K_ESCAPE)
    pilot.step()
    np.testing.assert_array_equal(_view_pixels(app), before)


def test_a_cross_at_the_view_edge_never_paints_over_the_panel(make_app):
    app, pilot = make_app()
    play = pilot.play
    x, y = pilot.cross_screen(2)
    pilot.drag((x, y), (play.view_rect.left + 3, y), steps=4)  # half the cross is off-view
    x, y = EMPTY
    pilot.path_drag([(x, y), (x + 200, y), (x + 200, y + 150), (x, y + 150), (x, y)],
                    mod=pygame.KMOD_LSHIFT)  # a lasso: the cached layer plus crosses per frame
    pilot.step(2)
    incremental = pygame.surfarray.array3d(app.screen)
    app.redraw()
    np.testing.assert_array_equal(incremental, pygame.surfarray.array3d(app.screen))
