"""Many classes (marker shapes), loading errors, help overlay drawing, the frame benchmark."""

import numpy as np
import pygame

from hill_arcade.render.palette import PALETTE, class_colour, class_shape
from hill_arcade.shared import TrainerState
from hill_arcade.views.loading import LoadingView


def test_palette_and_shapes_for_20_classes():
    assert len(set(PALETTE)) == 20
    assert class_shape(3) == "circle" and class_shape(13) != "circle"


def test_fourteen_classes_draw_with_legend_and_crosses(make_app):
    app, pilot = make_app(num_classes=14, per_class=8)
    play = pilot.play
    assert play.num_classes == 14 and len(play.class_names) == 14
    pilot.step(2)
    for c in (0, 12, 13):
        assert pilot.pixel(*pilot.cross_screen(c)) == class_colour(c)


def test_loading_error_is_shown(make_app):
    class Broken:
        checkpoint = None

        def __init__(self, cfg, buffer, checkpoint=None):
            self.buffer = buffer

        def start(self):
            self.buffer.set_progress(state=TrainerState.ERROR, error="no data here")

        def stop(self, timeout=5.0):
            pass

        def is_alive(self):
            return False

    app, pilot = make_app(worker_factory=Broken, wait=False)
    pilot.step(3)
    assert isinstance(app.top, LoadingView)
    w, h = app.screen.get_size()
    row = [pilot.pixel(x, h // 2) for x in range(0, w, 2)]
    assert (200, 30, 30) in row or any(r > 150 and g < 90 for r, g, _ in row)


def test_help_overlay_darkens_and_closes_on_click(make_app):
    app, pilot = make_app()
    before = pilot.pixel(5, 790)
    pilot.press(pygame.K_h)
    after = pilot.pixel(5, 790)
    assert sum(after) < sum(before)
    pilot.click(640, 400)
    assert app.top is app.play
    assert not app.play.edits.edited


def test_frame_bench_smoke():
    from bench.frames import run

    lines = run(sizes=(300,), train=False, mpl_points=300)
    assert len(lines) == 3 and "p50" in lines[1] and "matplotlib" in lines[2]
    assert np.isfinite(float(lines[1].split("p50")[1].split("ms")[0]))


def test_checkpoint_is_passed_to_the_worker_factory(make_app, tmp_path):
    from hill_arcade.testing import FakeWorker

    seen = {}

    def factory(cfg, buffer, checkpoint=None):
        seen.update(checkpoint=checkpoint)
        return FakeWorker(cfg, buffer)

    from hill_arcade.app import App
    from hill_arcade.config import SceneConfig

    app = App(SceneConfig(), log_dir=tmp_path / "ck", headless=True, worker_factory=factory,
              checkpoint=tmp_path / "model.pt")
    try:
        assert seen == {"checkpoint": tmp_path / "model.pt"}
    finally:
        app.close()


def test_camera_refits_when_a_new_projection_leaves_the_view(make_app):
    """Epoch 1 replaces the untrained projection: the points must stay on screen."""
    import numpy as np
    import pygame

    app, pilot = make_app()
    worker = app.worker
    worker.points = worker.points * 40.0  # the next projection is 40x larger
    pilot.press(pygame.K_RETURN)
    play = pilot.play
    pilot.wait_until(lambda: play.snapshot.epoch == 1, 10)
    pilot.step(30)
    x, y, w, h = play.camera.rect
    scr = pilot.world_to_screen(play.edits.positions)
    inside = (scr[:, 0] >= x) & (scr[:, 0] <= x + w) & (scr[:, 1] >= y) & (scr[:, 1] <= y + h)
    assert inside.all()
    assert np.ptp(scr[:, 0]) > 0.5 * w
