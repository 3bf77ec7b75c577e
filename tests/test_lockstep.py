"""The lockstep twins: the shadow baseline and the α-only control train beside the model."""

import dataclasses

import pytest
import torch

from hill_arcade.config import InsightConfig, scene_from_dict
from hill_arcade.data import load_dataset
from hill_arcade.edits import class_stats
from hill_arcade.errors import ConfigError
from hill_arcade.training import lockstep
from hill_arcade.training.checkpoint import restore, save_checkpoint
from hill_arcade.training.trainer import Trainer


def make_scene(digits_scene, alpha=0.5, baseline="on", controls=(), adaptive="off"):
    return dataclasses.replace(
        digits_scene, hill=dataclasses.replace(digits_scene.hill, alpha=alpha,
                                               adaptive=adaptive),
        insight=InsightConfig(baseline=baseline, controls=list(controls)))


@pytest.fixture(scope="module")
def digits():
    from hill_arcade.config import DatasetConfig, DigitsParams

    return load_dataset(DatasetConfig("digits", None, DigitsParams()), 0)


def pretrained(scene, digits, epochs=2):
    trainer = Trainer(scene, digits, device="cpu")
    trainer.run_epochs(epochs)
    return trainer


def layout_targets(trainer, spread=1.0, shift=0.0):
    shown = trainer.display()
    centers, spreads = class_stats(shown.points, shown.labels, trainer.data.num_classes)
    return centers + shift, spreads * spread


def test_alpha_zero_model_and_baseline_are_identical_batch_for_batch(digits_scene, digits):
    """With α = 0 the human term weighs nothing: same batches + same dropout draws (the
    digits CNN has dropout) must give bit-identical weights and curves."""
    trainer = pretrained(make_scene(digits_scene, alpha=0.0, controls=["alpha_only"]), digits)
    trainer.set_targets(*layout_targets(trainer))
    history = trainer.run_epochs(3)
    for m in history:
        assert m["baseline_val_acc"] == m["val_acc"]
        assert m["baseline_ce"] == m["ce"]
        assert m["baseline_per_class_acc"] == m["per_class_acc"]
        assert m["alpha_only_val_acc"] == m["val_acc"]
        assert m["delta_val_pp"] == 0.0
        assert m["alpha_effective"] == 0.0
    twin = trainer.lockstep.twin("baseline")
    for a, b in zip(trainer.model.parameters(), twin.model.parameters(), strict=True):
        assert torch.equal(a, b)
    test = trainer.evaluate_test()
    assert test["test_acc"] == test["baseline_test_acc"] == test["alpha_only_test_acc"]
    assert test["delta_test_pp"] == 0.0


def test_baseline_is_the_run_without_edits(digits_scene, digits, tmp_path):
    """The twin is exactly what an uninterrupted plain-CE continuation from the same state
    does, while the edited model goes its own way."""
    scene = make_scene(digits_scene, alpha=0.8)
    trainer = pretrained(scene, digits)
    save_checkpoint(trainer.state(), tmp_path / "start.pt")
    trainer.set_targets(*layout_targets(trainer, spread=0.2, shift=3.0))
    edited = trainer.run_epochs(2)

    plain = Trainer(scene, digits, device="cpu")
    restore(plain, tmp_path / "start.pt")
    alone = plain.run_epochs(2)
    assert [m["baseline_val_acc"] for m in edited] == [m["val_acc"] for m in alone]
    assert [m["baseline_ce"] for m in edited] == [m["ce"] for m in alone]
    assert [m["ce"] for m in edited] != [m["ce"] for m in alone]
    assert "baseline_val_acc" not in alone[0]  # no targets, no twins


def test_twins_survive_a_checkpoint_round_trip(digits_scene, digits, tmp_path):
    scene = make_scene(digits_scene, controls=["alpha_only"])
    first = pretrained(scene, digits, 1)
    first.set_targets(*layout_targets(first, shift=1.0))
    first.run_epochs(1)
    save_checkpoint(first.state(), tmp_path / "mid.pt")
    straight = first.run_epochs(1)[0]

    resumed = Trainer(scene, digits, device="cpu")
    restore(resumed, tmp_path / "mid.pt")
    assert [t.name for t in resumed.lockstep.twins] == ["baseline", "alpha_only"]
    again = resumed.run_epochs(1)[0]
    for key in ("val_acc", "baseline_val_acc", "alpha_only_val_acc", "baseline_ce"):
        assert again[key] == straight[key]


def test_baseline_off_and_controls(digits_scene, digits):
    off = pretrained(make_scene(digits_scene, baseline="off"), digits, 1)
    off.set_targets(*layout_targets(off))
    m = off.run_epochs(1)[0]
    assert "baseline_val_acc" not in m and m["insight_baseline"] == "off"
    assert "baseline_test_acc" not in off.evaluate_test()

    control = pretrained(make_scene(digits_scene, baseline="off", controls=["alpha_only"]),
                         digits, 1)
    control.set_targets(*layout_targets(control))
    m = control.run_epochs(1)[0]
    assert "alpha_only_val_acc" in m and "baseline_val_acc" not in m


def test_auto_drops_twins_that_cost_too_much(digits_scene, digits, monkeypatch):
    monkeypatch.setattr(lockstep, "AUTO_MAX_RATIO", 1.0)
    monkeypatch.setattr(lockstep, "AUTO_MAX_EXTRA_S", 0.0)
    trainer = pretrained(make_scene(digits_scene, baseline="auto"), digits, 1)
    trainer.set_targets(*layout_targets(trainer))
    first, second = trainer.run_epochs(2)
    assert first["lockstep_cost"] > 1.0 and "baseline_val_acc" in first
    assert first["insight_baseline"].startswith("off: costs")
    assert "baseline_val_acc" not in second
    assert not trainer.lockstep.active


def test_auto_keeps_a_cheap_baseline(digits_scene, digits):
    trainer = pretrained(make_scene(digits_scene, baseline="auto"), digits, 1)
    trainer.set_targets(*layout_targets(trainer))
    m = trainer.run_epochs(1)[0]
    assert m["insight_baseline"] == "on" and "baseline_val_acc" in m


def test_shadow_gate_halves_alpha_while_val_ce_is_above_the_baseline(digits_scene, digits):
    trainer = pretrained(make_scene(digits_scene, alpha=0.9, adaptive="shadow_gate"), digits)
    trainer.set_targets(*layout_targets(trainer, spread=0.05, shift=5.0))  # a harmful edit
    history = trainer.run_epochs(3)
    above = [m["ce"] > m["baseline_ce"] for m in history]
    assert above[0]
    assert history[0]["alpha_effective"] == pytest.approx(0.9)
    assert history[1]["alpha_effective"] == pytest.approx(0.45)
    for before, after, was_above in zip(history, history[1:], above, strict=False):
        factor = 0.5 if was_above else 2.0
        expected = min(0.9, before["alpha_effective"] * factor)
        assert after["alpha_effective"] == pytest.approx(expected)


def test_insight_config_is_validated():
    scene = scene_from_dict({"insight": {"baseline": "on", "controls": ["alpha_only"]},
                             "hill": {"adaptive": "shadow_gate"}}, "s.yaml")
    assert scene.insight.controls == ["alpha_only"] and scene.hill.adaptive == "shadow_gate"
    with pytest.raises(ConfigError, match=r"s.yaml: insight.controls\[0\]"):
        scene_from_dict({"insight": {"controls": ["nope"]}}, "s.yaml")
    with pytest.raises(ConfigError, match="s.yaml: insight.baseline"):
        scene_from_dict({"insight": {"baseline": "sometimes"}}, "s.yaml")


def test_twin_display_shows_the_baselines_predictions(digits_scene, digits):
    trainer = pretrained(make_scene(digits_scene), digits, 1)
    assert trainer.lockstep.display(trainer) is None
    trainer.set_targets(*layout_targets(trainer))
    trainer.run_epochs(1)
    shown = trainer.lockstep.display(trainer)
    assert shown is not None and shown.points.shape == trainer.display().points.shape
