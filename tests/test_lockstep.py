"""The lockstep twins: the shadow baseline and the α-only control train beside the model."""

import copy
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


def test_grad_agree_step_is_the_gated_sum_of_the_two_gradients(digits_scene, digits):
    """Each grad_agree step moves the weights exactly like (1 − α)·CE + α·w·L_human with w
    the step's recorded agreement (0 or 1): the gradients are combined, not approximated."""
    from hill_arcade.training.loss import loss_terms

    scene = make_scene(digits_scene, alpha=0.6, baseline="off", adaptive="grad_agree")
    scene = dataclasses.replace(scene, hill=dataclasses.replace(scene.hill, loss="paper"))
    trainer = pretrained(scene, digits, 1)
    trainer.set_targets(*layout_targets(trainer, spread=0.5, shift=0.3))
    twin = Trainer(scene, digits, device="cpu")
    twin.load_state(copy.deepcopy(trainer.state()))  # Adam's state must not be shared
    trainer.model.train()
    twin.model.train()
    weights = []
    for start in range(0, 64 * 16, 64):
        x, y = trainer._train.x[start:start + 64], trainer._train.y[start:start + 64]
        torch.manual_seed(start)
        trainer._train_step(x, y, learning_projection=False)
        weight = trainer.adaptive.epoch_gate()
        weights.append(weight)
        torch.manual_seed(start)
        logits, _, points = twin.model(x)
        ce, human, scale = loss_terms(logits, y, points, twin.model.projection.scale,
                                      twin.targets.centers, twin.targets.spreads,
                                      twin.loss_options)
        twin.optimizer.zero_grad()
        ((1 - 0.6) * ce + 0.6 * weight * human + twin.lam * scale).backward()
        twin.optimizer.step()
        for a, b in zip(trainer.model.parameters(), twin.model.parameters(), strict=True):
            torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-6)
    assert set(weights) == {0.0, 1.0}  # both branches were taken


def test_grad_agree_reports_the_alpha_in_force_and_saves_the_gate(digits_scene, digits,
                                                                  tmp_path):
    scene = make_scene(digits_scene, alpha=0.8, adaptive="grad_agree")
    trainer = pretrained(scene, digits)
    trainer.set_targets(*layout_targets(trainer, spread=0.05, shift=5.0))  # a harmful edit
    history = trainer.run_epochs(2)
    for m in history:
        assert 0.0 <= m["alpha_effective"] < 0.8  # the edit disagrees with CE on some batches
        assert m["alpha_effective"] == pytest.approx(0.8 * m["adaptive_gate"])
        assert "baseline_val_acc" in m  # the twins still train plain CE beside it
    shadow = pretrained(make_scene(digits_scene, alpha=0.9, adaptive="shadow_gate"), digits)
    shadow.set_targets(*layout_targets(shadow, spread=0.05, shift=5.0))
    shadow.run_epochs(1)
    gate = shadow.adaptive.gate
    assert gate == 0.5
    path = save_checkpoint(shadow.state(), tmp_path / "gate.pt")
    again = Trainer(shadow.scene, digits, device="cpu")
    restore(again, path)
    assert again.adaptive.gate == gate and again.alpha_effective == pytest.approx(0.45)


def test_gradient_agreement_is_a_cosine_over_shared_parameters():
    from hill_arcade.training.adaptive import gradient_agreement

    a = [torch.tensor([1.0, 0.0]), torch.tensor([2.0]), None]
    assert gradient_agreement(a, a) == pytest.approx(1.0)
    assert gradient_agreement(a, [-t if t is not None else None for t in a]) == pytest.approx(-1)
    assert gradient_agreement(a, [torch.tensor([0.0, 1.0]), None, torch.ones(3)]) == 0.0
    assert gradient_agreement(a, [None, None, torch.ones(3)]) is None
    assert gradient_agreement(a, [torch.zeros(2), torch.zeros(1), None]) is None
