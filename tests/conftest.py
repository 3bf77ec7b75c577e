"""Headless SDL for every test (set before pygame is imported anywhere)."""

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import dataclasses  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402


@pytest.fixture
def make_app(tmp_path: Path):
    """Factory for a headless App (default: FakeWorker) plus its Pilot; closes them after."""
    from hill_arcade.app import App
    from hill_arcade.config import SceneConfig
    from hill_arcade.testing import FakeWorker, Pilot

    apps = []

    def make(worker_factory=None, scene=None, wait: bool = True, app_cls=None,
             app_kwargs: dict | None = None, **fake_kwargs):
        scene = scene or SceneConfig()
        if worker_factory is None:
            def worker_factory(cfg, buffer, checkpoint=None):
                return FakeWorker(cfg, buffer, checkpoint, **fake_kwargs)
        app = (app_cls or App)(scene, log_dir=tmp_path / "log", headless=True,
                               worker_factory=worker_factory, **(app_kwargs or {}))
        apps.append(app)
        pilot = Pilot(app)
        if wait:
            pilot.wait_until(lambda: app.play is not None, 120)
            pilot.step(2)
        return app, pilot

    yield make
    for app in apps:
        app.close()


@pytest.fixture(scope="session")
def digits_scene():
    """The digits scene shrunk for tests: 20 displayed points per class, 1 epoch per round."""
    from hill_arcade import SCENES_DIR
    from hill_arcade.config import (
        DisplayConfig,
        RuntimeConfig,
        SceneConfig,
        load_scene,
    )

    path = SCENES_DIR / "digits.yaml"
    scene = load_scene(path) if path.exists() else SceneConfig()
    return dataclasses.replace(
        scene,
        display=DisplayConfig(per_class=20),
        schedule=dataclasses.replace(scene.schedule, epochs_per_round=1),
        runtime=dataclasses.replace(RuntimeConfig(), device="cpu", threads=2, amp=False),
    )


@pytest.fixture(scope="session")
def study_scene(digits_scene):
    """The shrunk digits scene for study tests: pretrained 2 epochs, interaction points 2, 3."""
    return dataclasses.replace(
        digits_scene,
        schedule=dataclasses.replace(digits_scene.schedule, pretrain_epochs=2,
                                     interaction_points=[2, 3], epochs_per_round=1))
