"""Time per training step: cross-entropy only vs the HILL global loss, same run, interleaved."""

from __future__ import annotations

import time

import torch

from bench.stats import p50_p99
from hill_arcade.config import ModelConfig
from hill_arcade.models import build_model
from hill_arcade.training.loss import global_loss

CASES = [("digits_cnn", (1, 8, 8), 64, 200), ("cifar10_cnn", (3, 32, 32), 128, 12)]


def _step(model, optimizer, x, y, targets) -> None:
    logits, _, points = model(x)
    centers, spreads = targets if targets is not None else (None, None)
    loss, _ = global_loss(logits, y, points, model.projection.scale, centers, spreads,
                          0.5 if targets is not None else 0.0, 0.1)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()


def measure(name: str, shape: tuple[int, ...], batch: int, steps: int) -> list[str]:
    torch.manual_seed(0)
    model = build_model(ModelConfig(name=name), 10, shape)
    model.projection.freeze()
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    x = torch.randn(batch, *shape)
    y = torch.arange(batch) % 10
    targets = (torch.randn(10, 2), torch.rand(10) + 0.5)
    times: dict[str, list[float]] = {"ce": [], "hill": []}
    for _ in range(3):  # warm-up
        _step(model, optimizer, x, y, None)
        _step(model, optimizer, x, y, targets)
    for _ in range(steps):  # interleaved so machine noise hits both alike
        for kind, t in (("ce", None), ("hill", targets)):
            start = time.perf_counter()
            _step(model, optimizer, x, y, t)
            times[kind].append((time.perf_counter() - start) * 1000)
    ce50, ce99 = p50_p99(times["ce"])
    h50, h99 = p50_p99(times["hill"])
    return [f"train step {name:12s} batch {batch:4d} threads {torch.get_num_threads()}: "
            f"CE only p50 {ce50:7.2f} ms p99 {ce99:7.2f} ms | global loss p50 {h50:7.2f} ms "
            f"p99 {h99:7.2f} ms | ratio p50 {h50 / ce50:.3f}"]


def run() -> list[str]:
    """Report lines for every model case."""
    lines = []
    for case in CASES:
        lines += measure(*case)
    return lines
