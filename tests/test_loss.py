"""The HILL loss: hand-computed values, masking rules, gradients, and the global combination."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from hill_arcade.config import ModelConfig
from hill_arcade.models import build_model
from hill_arcade.training.loss import global_loss, hill_loss, targets_from_points

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
