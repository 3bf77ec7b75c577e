"""What the lockstep twins (and grad_agree) cost: wall time of one interaction round.

``python -m hill_arcade.analysis.cost SCENE [--random N] [--rounds R]`` trains one warm-up
epoch, sets targets (the current layout), then times rounds (``schedule.epochs_per_round``
epochs, training + validation, as the app runs them) solo, with the baseline, and with the
baseline + α-only control, and solo with ``hill.adaptive: grad_agree`` (its second backward
pass), each from the same starting state. ``--random N`` replaces the
dataset with N random training inputs of the scene's shape (CIFAR-10 without the download).
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from typing import Any

import torch

from hill_arcade.config import InsightConfig, SceneConfig, load_scene, resolve_scene
from hill_arcade.data.base import DatasetSplits, Split

SHAPES = {"cifar10": ((3, 32, 32), 10), "digits": ((1, 8, 8), 10)}


def random_splits(shape: tuple[int, ...], classes: int, n_train: int, n_val: int,
                  seed: int = 0) -> DatasetSplits:
    """Random inputs and labels of a dataset's shape (for timing only)."""
    g = torch.Generator().manual_seed(seed)

    def split(n: int) -> Split:
        return Split(torch.randn(n, *shape, generator=g),
                     torch.randint(0, classes, (n,), generator=g))

    return DatasetSplits(split(n_train), split(n_val), split(n_val),
                         [str(c) for c in range(classes)], shape)


def time_rounds(scene: SceneConfig, data: DatasetSplits, rounds: int = 2) -> dict[str, Any]:
    """Seconds per round solo / +baseline / +baseline+alpha_only, and the ratios to solo."""
    from hill_arcade.edits import class_stats
    from hill_arcade.training.trainer import Trainer

    warm = Trainer(scene, data, device="cpu")
    warm.run_epochs(1)
    start = warm.state()
    shown = warm.display()
    targets = class_stats(shown.points, shown.labels, data.num_classes)
    out: dict[str, Any] = {"scene": scene.name, "train": len(data.train), "val": len(data.val),
                           "epochs_per_round": scene.schedule.epochs_per_round,
                           "threads": warm.threads}
    agree = dataclasses.replace(scene.hill, adaptive="grad_agree")
    variants = {"solo": (InsightConfig("off"), scene.hill),
                "baseline": (InsightConfig("on"), scene.hill),
                "baseline+alpha_only": (InsightConfig("on", ["alpha_only"]), scene.hill),
                "grad_agree": (InsightConfig("off"), agree)}
    for name, (insight, hill) in variants.items():
        trainer = Trainer(dataclasses.replace(scene, insight=insight, hill=hill), data,
                          device="cpu")
        trainer.load_state(start)
        trainer.set_targets(*targets)
        times = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            trainer.run_epochs(scene.schedule.epochs_per_round)
            times.append(time.perf_counter() - t0)
        out[f"{name}_s"] = min(times)
    for name in ("baseline", "baseline+alpha_only", "grad_agree"):
        out[f"{name}_x"] = out[f"{name}_s"] / out["solo_s"]
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m hill_arcade.analysis.cost")
    p.add_argument("scene")
    p.add_argument("--random", type=int, default=None, help="N random training inputs")
    p.add_argument("--rounds", type=int, default=2, help="timed rounds per variant (min)")
    p.add_argument("--threads", type=int, default=None)
    args = p.parse_args(argv)
    scene = load_scene(resolve_scene(args.scene))
    runtime = dataclasses.replace(scene.runtime, device="cpu", amp=False,
                                  threads=args.threads or scene.runtime.threads)
    scene = dataclasses.replace(scene, runtime=runtime)
    if args.random:
        shape, classes = SHAPES[scene.dataset.name]
        data = random_splits(shape, classes, args.random, max(64, args.random // 5))
    else:
        from hill_arcade.data import load_dataset

        data = load_dataset(scene.dataset, scene.runtime.seed)
    result = time_rounds(scene, data, args.rounds)
    for key, value in result.items():
        print(f"{key}: {value:.3f}" if isinstance(value, float) else f"{key}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
