"""The HILL loss: hand-computed values, masking rules, gradients, and the global combination."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from hill_arcade.config import ModelConfig, SceneConfig, scene_from_dict
from hill_arcade.data import load_dataset
from hill_arcade.errors import ConfigError
from hill_arcade.models import build_model
from hill_arcade.training.loss import (
    LOSSES,
    PAPER,
    LossOptions,
    global_loss,
    hill_loss,
    targets_from_points,
)
from hill_arcade.training.trainer import Trainer

NAN = float("nan")


def toy_batch() -> tuple[torch.Tensor, torch.Tensor]:
    """Class 0: (0,0),(2,0); class 1: (4,0),(4,4); class 2: a single point (1,3)."""
    points = torch.tensor([[0.0, 0.0], [2.0, 0.0], [4.0, 0.0], [4.0, 4.0], [1.0, 3.0]])
    labels = torch.tensor([0, 0, 1, 1, 2])
    return points, labels


def toy_targets() -> tuple[torch.Tensor, torch.Tensor]:
    # class 3 has a target but never appears in the toy batch
    centers = torch.tensor([[1.0, 1.0], [4.0, 2.0], [0.0, 3.0], [9.0, 9.0]])
    spreads = torch.tensor([1.0, 3.0, 0.5, 2.0])
    return centers, spreads


def test_hill_loss_matches_hand_computation() -> None:
    points, labels = toy_batch()
    centers, spreads = toy_targets()
    # batch means: m0 = (1,0), m1 = (4,2), m2 = (1,3)
    # batch spreads (mean distance to the mean): class 0: (1+1)/2 = 1, class 1: (2+2)/2 = 2,
    # class 2: 0 (a single point)
    center = (0**2 + 1**2) + (0**2 + 0**2) + (1**2 + 0**2)  # = 2
    spread = abs(1 - 1.0) + abs(2 - 3.0) + abs(0 - 0.5)  # = 1.5
    d01 = math.sqrt(3**2 + 2**2)  # sqrt(13) ~ 3.606 < 1 + 3 -> overlap 0.394
    d02 = math.sqrt(0**2 + 3**2)  # 3 >= 1 + 0.5 -> no penalty
    d12 = math.sqrt(3**2 + 1**2)  # sqrt(10) ~ 3.162 < 3 + 0.5 -> overlap 0.338
    pair = max(0.0, 1 + 3.0 - d01) + max(0.0, 1 + 0.5 - d02) + max(0.0, 3.0 + 0.5 - d12)
    separation = 2 * pair  # ordered pairs: (a, b) and (b, a)
    k = 3 + 3 + 3 * 2  # 3 center terms, 3 spread terms, 6 ordered pairs; class 3 is absent
    expected = (center + spread + separation) / k  # = 4.96434 / 12 ~ 0.41370

    loss = hill_loss(points, labels, centers, spreads)

    assert loss.dtype == torch.float32 and loss.shape == ()
    assert loss.item() == pytest.approx(expected, rel=1e-6)
    assert loss.item() == pytest.approx(0.413695, abs=1e-6)


def test_zero_when_batch_matches_separated_targets() -> None:
    gen = torch.Generator().manual_seed(0)
    labels = torch.arange(4).repeat_interleave(8)
    offsets = torch.tensor([[0.0, 0.0], [20.0, 0.0], [0.0, 20.0], [20.0, 20.0]])
    points = offsets[labels] + torch.randn(32, 2, generator=gen)
    centers, spreads = targets_from_points(points, labels, 4)

    assert hill_loss(points, labels, centers, spreads).item() == pytest.approx(0.0, abs=1e-5)


def test_translation_invariance() -> None:
    points, labels = toy_batch()
    centers, spreads = toy_targets()
    shift = torch.tensor([5.0, -3.0])

    moved = hill_loss(points + shift, labels, centers + shift, spreads)

    torch.testing.assert_close(moved, hill_loss(points, labels, centers, spreads))


def test_nan_target_row_equals_dropping_that_class() -> None:
    points, labels = toy_batch()
    centers, spreads = toy_targets()
    nan_centers = centers.clone()
    nan_centers[2] = NAN
    nan_spreads = spreads.clone()
    nan_spreads[1] = NAN
    keep = labels == 0

    for c, s, kept in ((nan_centers, spreads, labels != 2), (centers, nan_spreads, labels != 1)):
        with_nan = hill_loss(points, labels, c, s)
        dropped = hill_loss(points[kept], labels[kept], centers, spreads)
        assert torch.isfinite(with_nan)
        torch.testing.assert_close(with_nan, dropped)

    # class 0 alone: center (1-1)^2 + (0-1)^2 = 1, spread |1 - 1| = 0, no pairs -> 1 / 2
    only0 = hill_loss(points[keep], labels[keep], centers, spreads)
    assert only0.item() == pytest.approx(0.5)


def test_absent_classes_add_no_term() -> None:
    points, labels = toy_batch()
    centers, spreads = toy_targets()
    far = centers.clone()
    far[3] = torch.tensor([-100.0, 50.0])  # class 3 is absent: its target is irrelevant

    torch.testing.assert_close(
        hill_loss(points, labels, far, spreads), hill_loss(points, labels, centers, spreads)
    )
    torch.testing.assert_close(
        hill_loss(points, labels, centers[:3], spreads[:3]),
        hill_loss(points, labels, centers, spreads),
    )


def test_no_terms_gives_connected_zero() -> None:
    points, labels = toy_batch()
    points.requires_grad_(True)
    all_nan = torch.full((4, 2), NAN), torch.full((4,), NAN)

    loss = hill_loss(points, labels, *all_nan)
    loss.backward()

    assert loss.item() == 0.0 and loss.dtype == torch.float32
    assert torch.equal(points.grad, torch.zeros_like(points))

    empty = torch.zeros(0, 2, requires_grad=True)
    loss = hill_loss(empty, torch.zeros(0, dtype=torch.long), *toy_targets())
    loss.backward()
    assert loss.item() == 0.0


@pytest.mark.parametrize(
    "points",
    [
        torch.tensor([[1.0, 2.0], [3.0, 1.0], [3.0, 1.0], [3.0, 1.0]]),  # 1 point / identical pts
        torch.ones(4, 2),  # every class mean coincides: pairwise distances are 0 as well
    ],
)
def test_gradients_finite_at_zero_distances(points: torch.Tensor) -> None:
    labels = torch.tensor([0, 1, 1, 1])
    points = points.clone().requires_grad_(True)
    centers = torch.tensor([[0.0, 0.0], [5.0, 5.0]])
    spreads = torch.tensor([1.0, 2.0])

    loss = hill_loss(points, labels, centers, spreads)
    loss.backward()

    assert torch.isfinite(loss)
    assert torch.isfinite(points.grad).all()
    assert points.grad.abs().sum() > 0  # the center terms still pull


def test_float32_under_autocast() -> None:
    points, labels = toy_batch()
    centers, spreads = toy_targets()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss = hill_loss(points.to(torch.bfloat16), labels, centers, spreads)
    assert loss.dtype == torch.float32
    # the toy coordinates are exact in bfloat16, so the result matches the float32 value
    torch.testing.assert_close(loss, hill_loss(points, labels, centers, spreads))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_fp16_autocast() -> None:
    points, labels = toy_batch()
    centers, spreads = toy_targets()
    pts = (points * 1000).cuda().half().requires_grad_(True)  # squares overflow fp16 (> 65504)
    with torch.autocast("cuda", dtype=torch.float16):
        loss = hill_loss(pts, labels.cuda(), centers.cuda() * 1000, spreads.cuda() * 1000)
    loss.backward()
    assert loss.dtype == torch.float32 and torch.isfinite(loss)
    assert torch.isfinite(pts.grad).all()


def test_targets_from_points_numpy_and_tensor() -> None:
    points, labels = toy_batch()

    centers, spreads = targets_from_points(points.numpy(), labels.numpy(), 4)

    assert isinstance(centers, np.ndarray) and isinstance(spreads, np.ndarray)
    assert centers.dtype == np.float32 and spreads.dtype == np.float32
    assert centers.shape == (4, 2) and spreads.shape == (4,)
    np.testing.assert_allclose(centers[:3], [[1, 0], [4, 2], [1, 3]])
    np.testing.assert_allclose(spreads[:3], [1, 2, 0])
    assert np.isnan(centers[3]).all() and np.isnan(spreads[3])

    t_centers, t_spreads = targets_from_points(points.double().requires_grad_(True), labels, 4)
    assert isinstance(t_centers, torch.Tensor) and t_centers.dtype == torch.float32
    assert not t_centers.requires_grad
    torch.testing.assert_close(t_centers, torch.from_numpy(centers), equal_nan=True)
    torch.testing.assert_close(t_spreads, torch.from_numpy(spreads), equal_nan=True)


def test_global_loss_combination() -> None:
    points, labels = toy_batch()
    centers, spreads = toy_targets()
    logits = torch.randn(5, 4, generator=torch.Generator().manual_seed(1), requires_grad=True)
    scale = torch.tensor(1.5, requires_grad=True)

    total, parts = global_loss(logits, labels, points, scale, centers, spreads, alpha=0.3, lam=0.2)

    ce = F.cross_entropy(logits, labels)
    human = hill_loss(points, labels, centers, spreads)
    expected = 0.7 * ce + 0.3 * human + 0.2 * 0.5
    torch.testing.assert_close(total, expected)
    assert set(parts) == {"ce", "human", "scale", "total"}
    assert all(not v.requires_grad for v in parts.values())
    torch.testing.assert_close(parts["ce"], ce.detach())
    torch.testing.assert_close(parts["human"], human)
    assert parts["scale"].item() == pytest.approx(0.5)
    torch.testing.assert_close(parts["total"], total.detach())
    total.backward()
    assert scale.grad.item() == pytest.approx(0.2)  # d/ds 0.2 * |1 - s| at s = 1.5

    total, parts = global_loss(logits, labels, points, scale, None, None)
    assert parts["human"].item() == 0.0
    torch.testing.assert_close(total, 0.5 * ce + 0.1 * 0.5)


def test_human_gradient_reaches_backbone_through_frozen_projection() -> None:
    torch.manual_seed(0)
    model = build_model(ModelConfig(name="digits_cnn"), 10, (1, 8, 8))
    model.projection.freeze()
    x = torch.randn(64, 1, 8, 8)
    labels = torch.arange(10).repeat(7)[:64]
    with torch.no_grad():
        _, _, pts = model(x)
    centers, spreads = targets_from_points(pts, labels, 10)
    centers = centers + torch.randn(10, 2)  # the "person" moved every cluster
    frozen_before = [p.detach().clone() for p in model.projection.net.parameters()]
    conv = model.classifier.features[0].weight
    conv_before = conv.detach().clone()
    scale_before = model.projection.scale.detach().clone()
    # frozen weights never enter the optimizer (Adam's weight decay would otherwise move them
    # whenever they carry a stale or zero grad)
    opt = torch.optim.Adam(
        [p for p in model.parameters() if p.requires_grad], lr=1e-2, weight_decay=1e-4
    )

    _, _, pts = model(x)
    loss = hill_loss(pts, labels, centers, spreads)
    opt.zero_grad()
    loss.backward()

    assert conv.grad is not None and conv.grad.abs().sum() > 0
    assert model.projection.scale.grad is not None and model.projection.scale.grad != 0
    assert all(p.grad is None for p in model.projection.net.parameters())
    opt.step()
    frozen_after = list(model.projection.net.parameters())
    assert all(torch.equal(a, b) for a, b in zip(frozen_before, frozen_after, strict=True))
    assert not torch.equal(conv, conv_before)
    assert not torch.equal(model.projection.scale, scale_before)


def reference_hill_loss(points, labels, centers, spreads) -> torch.Tensor:
    """Slow, loop-based transcription of the definition (the oracle for the vectorised one)."""
    classes = [
        c
        for c in range(centers.shape[0])
        if (labels == c).any() and torch.isfinite(centers[c]).all() and torch.isfinite(spreads[c])
    ]
    terms = []
    means = {}
    for c in classes:
        pts = points[labels == c]
        means[c] = pts.mean(dim=0)
        terms.append(((means[c] - centers[c]) ** 2).sum())
        dists = [torch.sqrt(((p - means[c]) ** 2).sum()) for p in pts]
        terms.append((torch.stack(dists).mean() - spreads[c]).abs())
    for a in classes:
        for b in classes:
            if a != b:
                gap = torch.sqrt(((means[a] - means[b]) ** 2).sum())
                terms.append(torch.relu(spreads[a] + spreads[b] - gap))
    return torch.stack(terms).sum() / len(terms)


def test_vectorised_matches_loop_reference() -> None:
    gen = torch.Generator().manual_seed(42)
    num_classes = 10
    labels = torch.randint(0, 8, (150,), generator=gen)  # classes 8 and 9 absent
    points = (torch.randn(150, 2, generator=gen) + labels[:, None] * 0.3).requires_grad_(True)
    centers = torch.randn(num_classes, 2, generator=gen) * 2
    spreads = torch.rand(num_classes, generator=gen) * 1.5
    centers[3] = NAN
    spreads[5] = NAN

    loss = hill_loss(points, labels, centers, spreads)
    (grad,) = torch.autograd.grad(loss, points)
    ref = reference_hill_loss(points, labels, centers, spreads)
    (ref_grad,) = torch.autograd.grad(ref, points)

    torch.testing.assert_close(loss, ref)
    torch.testing.assert_close(grad, ref_grad)


# named variants -------------------------------------------------------------------------------

BALANCED = LOSSES["balanced"]


def test_paper_is_the_default_and_changes_nothing() -> None:
    assert PAPER == LossOptions() and LOSSES["paper"] is PAPER
    assert SceneConfig().hill.loss == "paper"
    points, labels = toy_batch()
    centers, spreads = toy_targets()
    torch.testing.assert_close(hill_loss(points, labels, centers, spreads, PAPER),
                               hill_loss(points, labels, centers, spreads))


def test_per_kind_divides_each_kind_by_its_possible_terms() -> None:
    points, labels = toy_batch()
    centers, spreads = toy_targets()
    # the hand sums of test_hill_loss_matches_hand_computation; the targets have C = 4 rows,
    # so 4 possible center/spread terms and 12 ordered pairs (class 3 is absent)
    center, spread = 2.0, 1.5
    pair = 2 * ((1 + 3.0 - math.sqrt(13)) + (3.0 + 0.5 - math.sqrt(10)))
    expected = center / 4 + spread / 4 + pair / 12

    loss = hill_loss(points, labels, centers, spreads, LossOptions(per_kind=True))

    assert loss.item() == pytest.approx(expected, rel=1e-6)


def test_squared_weighted_spread_kind() -> None:
    points, labels = toy_batch()
    centers, spreads = toy_targets()
    # spread errors 0, 1, 0.5 -> squared 0 + 1 + 0.25, mean 1.25 / 3, times the weight 3
    pair = 2 * ((1 + 3.0 - math.sqrt(13)) + (3.0 + 0.5 - math.sqrt(10)))
    expected = 2.0 / 4 + 3.0 * 1.25 / 4 + pair / 12

    loss = hill_loss(points, labels, centers, spreads,
                     LossOptions(per_kind=True, squared_spread=True, spread_weight=3.0))

    assert loss.item() == pytest.approx(expected, rel=1e-6)


def test_one_dragged_class_pulls_harder_per_kind_than_in_the_paper() -> None:
    gen = torch.Generator().manual_seed(0)
    labels = torch.arange(10).repeat(7)[:64]
    points = torch.randn(64, 2, generator=gen) * 0.3 + labels[:, None] * 1.0
    centers, spreads = targets_from_points(points, labels, 10)
    centers[4] += torch.tensor([2.0, 0.0])  # the person drags class 4
    grads = {}
    for name in ("paper", "balanced"):
        pts = points.clone().requires_grad_(True)
        hill_loss(pts, labels, centers, spreads, LOSSES[name]).backward()
        grads[name] = pts.grad[labels == 4].sum(0)
    assert grads["paper"][0] < 0 and grads["balanced"][0] < 0  # descent moves class 4 right
    assert grads["balanced"][0] < 5 * grads["paper"][0]  # 1/10 per center term, not 1/110


def test_per_kind_pull_does_not_depend_on_other_targets() -> None:
    gen = torch.Generator().manual_seed(4)
    labels = torch.arange(10).repeat(7)[:64]
    points = torch.randn(64, 2, generator=gen) * 0.3 + labels[:, None] * 1.0
    centers, spreads = targets_from_points(points, labels, 10)
    centers[4] += torch.tensor([2.0, 0.0])
    only4_c, only4_s = torch.full_like(centers, NAN), torch.full_like(spreads, NAN)
    only4_c[4], only4_s[4] = centers[4], spreads[4]
    pulls = {}
    for name, options in (("paper", PAPER), ("balanced", BALANCED)):
        for which, (c, s) in (("all", (centers, spreads)), ("one", (only4_c, only4_s))):
            pts = points.clone().requires_grad_(True)
            hill_loss(pts, labels, c, s, options).backward()
            pulls[name, which] = pts.grad[labels == 4].sum(0)[0].item()
    # the paper's K: 110 terms with every class targeted, 2 with one -> 55x the pull
    assert pulls["paper", "one"] / pulls["paper", "all"] > 20
    assert pulls["balanced", "one"] == pytest.approx(pulls["balanced", "all"], rel=0.05)


def test_relative_separation_is_zero_for_the_unedited_layout() -> None:
    gen = torch.Generator().manual_seed(1)
    labels = torch.arange(3).repeat_interleave(40)
    # overlapping classes: spread_a + spread_b is more than their distance
    points = torch.randn(120, 2, generator=gen) + labels[:, None] * 0.5
    centers, spreads = targets_from_points(points, labels, 3)
    relative = LossOptions(relative_separation=True)

    assert hill_loss(points, labels, centers, spreads).item() > 0.1  # paper: pushes apart
    assert hill_loss(points, labels, centers, spreads, relative).item() == pytest.approx(
        0.0, abs=1e-5)
    # a person pulls the classes far apart: the targets' gaps exceed spread_a + spread_b, so
    # the relative term asks for the full spread_a + spread_b, exactly like the paper's
    apart = centers * 20.0
    torch.testing.assert_close(hill_loss(points, labels, apart, spreads, relative),
                               hill_loss(points, labels, apart, spreads))


def test_unbiased_stats_from_six_points_match_the_class() -> None:
    """Over many 6-point batches the corrected spread and center terms have no bias."""
    gen = torch.Generator().manual_seed(2)
    population = torch.randn(200_000, 2, generator=gen)
    true_spread = (population - population.mean(0)).norm(dim=1).mean()
    batches = population[:120_000].reshape(20_000, 6, 2)
    naive = (batches - batches.mean(1, keepdim=True)).norm(dim=2).mean()
    assert naive / true_spread == pytest.approx(math.sqrt(5 / 6), abs=0.01)  # the bias

    labels = torch.zeros(6, dtype=torch.long)
    center = population.mean(0, keepdim=True)  # the target is where the class already is
    spread = true_spread.reshape(1)
    unbiased = LossOptions(unbiased_stats=True, per_kind=True)
    spread_only, center_only = [], []
    for batch in batches[:2000]:
        means = batch.mean(0)
        dist = (batch - means).norm(dim=1).mean() * math.sqrt(6 / 5)
        spread_only.append(dist - true_spread)
        sample_var = ((batch - means) ** 2).sum() / 5
        center_u = ((means - center[0]) ** 2).sum() - sample_var / 6
        center_only.append(center_u)
        loss = hill_loss(batch, labels, center, spread, unbiased)
        assert loss.item() == pytest.approx(float(center_u + (dist - true_spread).abs()),
                                            rel=1e-4, abs=1e-6)
    assert abs(float(torch.stack(spread_only).mean())) < 0.01 * float(true_spread)
    # the paper's center term averages var/n = 2/6 here: a pull to shrink every class
    assert abs(float(torch.stack(center_only).mean())) < 0.02


def test_unbiased_center_term_pulls_each_point_by_the_others_only() -> None:
    points = torch.tensor([[0.0, 0.0], [2.0, 0.0], [4.0, 3.0]], requires_grad=True)
    labels = torch.zeros(3, dtype=torch.long)
    target, spread = torch.tensor([[1.0, 1.0]]), torch.tensor([10.0])
    mean = points.mean(0)
    md = (points - mean).norm(dim=1).mean() * math.sqrt(3 / 2)
    expected = _center_u(points, target) + (md - spread[0]).abs()

    loss = hill_loss(points, labels, target, spread,
                     LossOptions(unbiased_stats=True, per_kind=True))

    torch.testing.assert_close(loss, expected)
    torch.testing.assert_close(torch.autograd.grad(loss, points)[0],
                               torch.autograd.grad(expected, points)[0])
    # the center part's gradient at x_i is 2 / (n (n-1)) * sum_{j != i} (x_j - t): no pull of a
    # point toward its own class mean (the paper's term has one: it shrinks every class)
    (center_grad,) = torch.autograd.grad(_center_u(points, target), points)
    others = (points.detach() - target).sum(0, keepdim=True) - (points.detach() - target)
    torch.testing.assert_close(center_grad, 2.0 / 6.0 * others)


def _center_u(points: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    n = points.shape[0]
    mean = points.mean(0)
    return ((mean - target[0]) ** 2).sum() - ((points - mean) ** 2).sum() / (n * (n - 1))


def test_unbiased_stats_skips_single_point_classes() -> None:
    points, labels = toy_batch()  # class 2 is a single point: no spread to estimate
    centers, spreads = toy_targets()
    only2 = labels == 2
    loss = hill_loss(points[only2], labels[only2], centers, spreads,
                     LossOptions(unbiased_stats=True))
    assert loss.item() == pytest.approx(1.0)  # the center term (1-0)^2 alone, no spread term


def test_balanced_trainer_holds_scale_paper_trainer_learns_it() -> None:
    scales = {}
    for name in ("paper", "balanced"):
        scene = scene_from_dict({"hill": {"loss": name}, "display": {"per_class": 10}})
        trainer = Trainer(scene, load_dataset(scene.dataset, 0), device="cpu")
        trainer.train_epoch()
        shown = trainer.display()
        centers, spreads = targets_from_points(shown.points, shown.labels, 10)
        trainer.set_targets(centers * 2.0, spreads * 2.0)  # "spread everything out"
        trainer.train_epoch()
        scales[name] = float(trainer.model.projection.scale.detach())
        assert trainer.history[-1]["scale"] == pytest.approx(scales[name])
    assert scales["balanced"] == 1.0
    assert scales["paper"] > 1.0


def test_unknown_loss_name_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="hill.loss"):
        scene_from_dict({"hill": {"loss": "magic"}}, "scene.yaml")
