"""Scene files: the bundled scenes load; bad ones name file, key path and expectation."""

from __future__ import annotations

from pathlib import Path

import pytest

from hill_arcade import SCENES_DIR
from hill_arcade.config import Pamap2Params, load_scene
from hill_arcade.errors import ConfigError


@pytest.mark.parametrize("name", ["digits", "cifar10", "pamap2"])
def test_bundled_scenes_load_with_paper_settings(name):
    scene = load_scene(SCENES_DIR / f"{name}.yaml")
    assert scene.hill.alpha == 0.5 and scene.hill.lam == 0.1
    assert scene.schedule.pretrain_epochs == 25
    assert scene.schedule.interaction_points == [25, 30, 35, 40]


def test_pamap2_params_are_typed():
    scene = load_scene(SCENES_DIR / "pamap2.yaml")
    assert isinstance(scene.dataset.params, Pamap2Params)
    assert scene.dataset.params.val_subjects == [107]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scene.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("text, message", [
    ("optimizer:\n  lr: -1\n", r"scene.yaml: optimizer.lr: expected a value in 1e-08..10.0"),
    ("optimizer:\n  lr: fast\n", r"optimizer.lr: expected a number, got 'fast'"),
    ("hill:\n  alpha: 1.5\n", r"hill.alpha: expected a value in 0.0..1.0"),
    ("hill:\n  beta: 1\n", r"hill.beta: unknown key \(expected one of: alpha, lam"),
    ("colour: red\n", r"colour: unknown key"),
    ("dataset:\n  name: mnist\n", r"dataset.name: expected one of digits, cifar10, pamap2"),
    ("dataset:\n  name: pamap2\n  params:\n    window: '100'\n",
     r"dataset.params.window: expected an integer, got '100'"),
    ("schedule:\n  interaction_points: [30, 25]\n", r"strictly increasing"),
    ("display:\n  per_class: some\n", r"display.per_class: expected int or 'all'"),
    ("runtime:\n  device: tpu\n", r"runtime.device: expected one of 'auto', 'cpu'"),
    ("- a list\n", r"<top>: expected a mapping"),
    ("optimizer: [\n", r"YAML syntax error at line"),
])
def test_config_errors_name_file_key_and_expectation(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        load_scene(write(tmp_path, text))


def test_missing_scene_file(tmp_path):
    with pytest.raises(ConfigError, match="nope.yaml: scene file not found"):
        load_scene(tmp_path / "nope.yaml")


def test_scientific_notation_and_all(tmp_path):
    scene = load_scene(write(tmp_path, "optimizer:\n  lr: 1e-4\ndisplay:\n  per_class: all\n"))
    assert scene.optimizer.lr == 1e-4 and scene.display.per_class == "all"
