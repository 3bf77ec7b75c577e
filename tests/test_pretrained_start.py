"""The app opens where the paper starts: a model pretrained to the first interaction point,
trained once into the user cache and reused, with a first-run hint."""

from __future__ import annotations

import dataclasses
import time

from hill_arcade.session_log import read_events
from hill_arcade.views.canvas import HINT_BG


def test_pretrained_start_is_cached_and_reused_with_a_hint(make_app, digits_scene,
                                                           monkeypatch, tmp_path):
    from hill_arcade.session import default_worker_factory

    monkeypatch.setenv("HILL_ARCADE_CACHE", str(tmp_path / "cache"))
    scene = dataclasses.replace(digits_scene, schedule=dataclasses.replace(
        digits_scene.schedule, pretrain_epochs=3, interaction_points=[3, 4]))
    seen: list[str] = []

    def launch():  # noqa: ANN202
        t0 = time.monotonic()
        app, pilot = make_app(worker_factory=default_worker_factory, scene=scene, wait=False,
                              app_kwargs={"pretrained": True})
        while app.play is None:
            seen.append(app.buffer.progress().message)
            pilot.step()
            time.sleep(0.005)
        pilot.step(2)
        return app, pilot, time.monotonic() - t0

    app, pilot, first_s = launch()
    assert app.play.snapshot.epoch == 3  # pretrained, not the epoch-0 blob
    assert any("Pretraining" in m for m in seen)
    box = app.play.canvas.hint_rect()
    assert pilot.pixel(box.x + 4, box.centery) == HINT_BG
    x, y = pilot.cross_screen(2)
    pilot.drag((x, y), (x + 30, y))
    assert pilot.pixel(box.x + 4, box.centery) != HINT_BG  # the hint goes with the first edit
    app.close()
    assert len(list((tmp_path / "cache").rglob("epoch_003.pt"))) == 1

    seen.clear()
    app, pilot, second_s = launch()
    assert app.play.snapshot.epoch == 3
    assert not any("Pretraining" in m for m in seen)  # the cache is reused
    assert second_s < first_s
    assert read_events(app.log_dir / "events.jsonl")[0]["type"] == "session_start"
