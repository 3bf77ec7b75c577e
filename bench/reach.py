"""`python -m bench reach --json`: how far one round moves the model toward a person's edit.

Per seed, on the default digits scene: pretrain to the first interaction point (cached), then
5-epoch rounds from that same checkpoint, with the app's own code path for targets (`EditState`
edits of the displayed points -> `TargetSet.set_from_points` (`edits.class_stats`) for the
classes ``hill.targets`` selects -> `Trainer.set_targets`):

* no edit (the same-seed baseline for ``val_acc_delta_pp``),
* per class in turn: drag it outward by the median distance between class centers (center
  reach), and compact it to half its spread (spread reach, "compact reach").

Reach is `TargetSet.reach` (`hill_arcade.reach`) of the edited class; ``_backbone``: the change
of ``scale`` divided out. Figures are medians over seeds x classes.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from hill_arcade.config import SceneConfig, load_scene
from hill_arcade.edits import EditState, class_stats
from hill_arcade.errors import CheckpointError
from hill_arcade.targets import TargetSet
from hill_arcade.training.checkpoint import restore, save_checkpoint
from hill_arcade.training.loss import LOSSES
from hill_arcade.training.trainer import Trainer

CACHE = Path(tempfile.gettempdir()) / "hill-arcade-bench-reach"
DEFAULT_SEEDS = 5


def default_scene(loss: str | None = None, targets: str | None = None) -> SceneConfig:
    """The bundled digits scene, optionally with another ``hill.loss`` / ``hill.targets``."""
    from hill_arcade import SCENES_DIR

    scene = load_scene(SCENES_DIR / "digits.yaml")
    hill = scene.hill
    if loss is not None:
        hill = dataclasses.replace(hill, loss=loss)
    if targets is not None:
        hill = dataclasses.replace(hill, targets=targets)
    return dataclasses.replace(scene, hill=hill)


def pretrained(trainer: Trainer, scene: SceneConfig) -> Path:
    """Checkpoint after ``pretrain_epochs`` for this scene and seed, trained once, then reused."""
    plain = scene.to_dict()
    plain.pop("source", None)
    # the parameter layout too, so an architecture change never reuses a stale checkpoint
    layout = [(name, tuple(p.shape)) for name, p in trainer.model.state_dict().items()]
    key = hashlib.sha256(json.dumps([plain, layout, torch.__version__], sort_keys=True,
                                    default=str).encode()).hexdigest()[:16]
    path = CACHE / f"{key}.pt"
    if path.exists():
        try:
            restore(trainer, path)
            return path
        except CheckpointError:  # half-written or foreign: train it again
            pass
    trainer.run_epochs(scene.schedule.pretrain_epochs)
    save_checkpoint(trainer.state(), path)
    return path


def outward_drag(centers: np.ndarray, points: np.ndarray, c: int) -> np.ndarray:
    """Delta moving class ``c`` away from the layout's middle by the median center distance."""
    finite = centers[np.isfinite(centers).all(axis=1)].astype(np.float64)
    gaps = np.linalg.norm(finite[:, None] - finite[None], axis=-1)
    distance = float(np.median(gaps[np.triu_indices(len(finite), 1)]))
    direction = centers[c] - points.mean(axis=0)
    norm = float(np.linalg.norm(direction))
    direction = direction / norm if norm > 1e-9 else np.array([1.0, 0.0])
    return (direction * distance).astype(np.float32)


def round_targets(edits: EditState, mode: str, num_classes: int, scale: float) -> TargetSet:
    """The targets the play view would send for these edits (``hill.targets`` = ``mode``)."""
    moved = np.unique(edits.labels[(edits.positions != edits.base).any(axis=1)])
    if mode == "layout" and len(moved):  # the paper's: every class of the edited layout
        moved = np.unique(edits.labels)
    targets = TargetSet(num_classes)
    targets.set_from_points(moved, edits.positions, edits.base, edits.labels, scale)
    return targets


def _round(trainer: Trainer, path: Path, epochs: int, edit: str | None, c: int
           ) -> dict[str, Any]:
    restore(trainer, path)
    shown = trainer.display()
    num_classes = trainer.data.num_classes
    start_c, _ = class_stats(shown.points, shown.labels, num_classes)
    edits = EditState(shown.points, shown.labels)
    if edit == "drag":
        edits.move_class(c, outward_drag(start_c, shown.points, c))
    elif edit == "compact":
        edits.scale_class(c, 0.5)
    targets = round_targets(edits, trainer.scene.hill.targets, num_classes,
                            float(trainer.model.projection.scale.detach()))
    sent = targets.targets()
    trainer.set_targets(None if sent is None else sent.centers,
                        None if sent is None else sent.spreads)
    history = trainer.run_epochs(epochs)
    after = trainer.display()
    scale_now = float(trainer.model.projection.scale.detach())
    r = targets.reach(after.points, after.labels, scale_now)
    return {"val_acc": float(history[-1]["val_acc"]), "scale": scale_now,
            "center": float(r.center[c]), "center_backbone": float(r.center_backbone[c]),
            "spread": float(r.spread[c]), "spread_backbone": float(r.spread_backbone[c])}


def measure(loss: str | None = None, seeds: int = DEFAULT_SEEDS, classes: int | None = None,
            targets: str | None = None, scene: SceneConfig | None = None) -> dict[str, Any]:
    """The reach figures over ``seeds`` seeds, editing each of ``classes`` classes in turn.

    ``loss=None`` / ``targets=None`` keep the scene's ``hill.loss`` / ``hill.targets``;
    ``classes=None`` edits every class (one edit per round, each from the same checkpoint).
    """
    from hill_arcade.data import load_dataset

    started = time.perf_counter()
    base = scene or default_scene(loss, targets)
    rows: dict[str, list[float]] = {k: [] for k in (
        "center", "center_backbone", "compact", "compact_backbone", "delta_pp", "scale")}
    for seed in range(seeds):
        scene_s = dataclasses.replace(base, runtime=dataclasses.replace(base.runtime, seed=seed))
        trainer = Trainer(scene_s, load_dataset(scene_s.dataset, seed))
        path = pretrained(trainer, scene_s)
        epochs = scene_s.schedule.epochs_per_round
        plain = _round(trainer, path, epochs, None, 0)
        num_classes = trainer.data.num_classes
        for c in range(min(classes or num_classes, num_classes)):
            drag = _round(trainer, path, epochs, "drag", c)
            compact = _round(trainer, path, epochs, "compact", c)
            rows["center"].append(drag["center"])
            rows["center_backbone"].append(drag["center_backbone"])
            rows["compact"].append(compact["spread"])
            rows["compact_backbone"].append(compact["spread_backbone"])
            rows["scale"] += [drag["scale"], compact["scale"]]
            rows["delta_pp"] += [100 * (drag["val_acc"] - plain["val_acc"]),
                                 100 * (compact["val_acc"] - plain["val_acc"])]
    return {
        "center_reach_p50": round(float(np.median(rows["center"])), 3),
        "center_reach_backbone_p50": round(float(np.median(rows["center_backbone"])), 3),
        "compact_reach_p50": round(float(np.median(rows["compact"])), 3),
        "compact_reach_backbone_p50": round(float(np.median(rows["compact_backbone"])), 3),
        "val_acc_delta_pp": round(float(np.mean(rows["delta_pp"])), 2),
        "scale_after_p50": round(float(np.median(rows["scale"])), 3),
        "seeds": seeds,
        "loss": base.hill.loss,
        "targets": base.hill.targets,
        "seconds": round(time.perf_counter() - started, 1),
    }


def run() -> list[str]:
    """`make bench`: the scene's own loss, then the paper's for the record."""
    return [json.dumps(measure(loss)) for loss in (None, "paper")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench reach", description=__doc__.split(
        "\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    parser.add_argument("--loss", choices=sorted(LOSSES), default=None,
                        help="hill.loss to measure (default: the digits scene's own)")
    parser.add_argument("--seeds", type=int, default=DEFAULT_SEEDS)
    parser.add_argument("--targets", choices=("edited", "layout"), default=None,
                        help="hill.targets: which classes an edit gives targets (default: "
                             "the scene's)")
    parser.add_argument("--classes", type=int, default=None,
                        help="edit only the first N classes (default: every class)")
    args = parser.parse_args(argv)
    if args.seeds < 1 or (args.classes is not None and args.classes < 1):
        parser.error("--seeds and --classes: expected at least 1")
    result = measure(args.loss, args.seeds, args.classes, args.targets)
    if args.json:
        print(json.dumps(result), flush=True)
    else:
        for key, value in result.items():
            print(f"{key:28s} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
