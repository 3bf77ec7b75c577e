"""Counterfactual twins trained in lockstep with the model (the shadow baseline, issue 12).

When a human term first becomes active, the model, probe and optimizer are deep-copied into
twins that train from then on in the same thread, batch for batch, on the same (already
augmented) batches with the same dropout draws (the torch RNG is forked before the model's
step and rewound for each twin), but without the human term:

* ``baseline``: plain CE (α = 0), what the model would have done without the edits;
* ``alpha_only`` (a control): (1 − α)·CE, what lowering the CE weight alone does.

A twin's step runs the trainer's own ``_train_step`` with the twin's modules swapped in, so
the two can never drift apart by code: with α = 0 the model and the baseline are identical.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from hill_arcade.config import InsightConfig

if TYPE_CHECKING:
    from hill_arcade.data.base import Split
    from hill_arcade.training.trainer import DisplayData, Trainer

BASELINE = "baseline"
ALPHA_ONLY = "alpha_only"
AUTO_MAX_RATIO = 1.5  # `auto` keeps the twins while a round costs at most this × solo ...
AUTO_MAX_EXTRA_S = 3.0  # ... or while they add at most this many seconds to a round
TWIN_METRICS = ("val_acc", "macro_f1", "per_class_acc", "ce", "human")

RngState = tuple[torch.Tensor, torch.Tensor | None]


@dataclass
class Twin:
    """One counterfactual copy of the model with its own optimizer state."""

    name: str
    model: nn.Module
    probe: nn.Module
    optimizer: torch.optim.Optimizer
    scaler: torch.amp.GradScaler
    started_epoch: int
    keeps_alpha: bool  # alpha_only: CE weighted 1 − α; baseline: plain CE

    def state(self) -> dict[str, Any]:
        return {"name": self.name, "model": self.model.state_dict(),
                "probe": self.probe.state_dict(), "optimizer": self.optimizer.state_dict(),
                "started_epoch": self.started_epoch}


class Lockstep:
    """The twins of one trainer and their per-epoch metrics."""

    def __init__(self, insight: InsightConfig) -> None:
        self.mode = insight.baseline
        self.names = ([BASELINE] if insight.baseline != "off" else []) + [
            c for c in dict.fromkeys(insight.controls)]
        self.twins: list[Twin] = []
        self.status = "inactive" if self.names else "off"
        self._train_s = 0.0

    # lifecycle --------------------------------------------------------------------------
    @property
    def active(self) -> bool:
        return bool(self.twins)

    def twin(self, name: str) -> Twin | None:
        return next((t for t in self.twins if t.name == name), None)

    def activate(self, trainer: Trainer) -> None:
        """Create the twins from the trainer's current state (once per session)."""
        if self.status != "inactive":
            return
        for name in self.names:
            model, probe, optimizer, scaler = copy.deepcopy(
                (trainer.model, trainer.probe, trainer.optimizer, trainer.scaler))
            self.twins.append(Twin(name, model, probe, optimizer, scaler, trainer.epoch,
                                   keeps_alpha=name == ALPHA_ONLY))
        self.status = "on"

    def drop(self, reason: str) -> None:
        """Stop all twins (auto found them too slow, or one diverged)."""
        self.twins = []
        self.status = f"off: {reason}"

    # training ---------------------------------------------------------------------------
    def fork(self, device: torch.device) -> RngState | None:
        """The RNG state before the model's step (None when there are no twins)."""
        return _rng_get(device) if self.twins else None

    def step(self, trainer: Trainer, x: torch.Tensor, y: torch.Tensor,
             learning_projection: bool, rng: RngState | None) -> None:
        """Train every twin on the batch the model just saw, with the model's dropout draws."""
        if not self.twins or rng is None:
            return
        from hill_arcade.training.trainer import NonFiniteLoss

        started = time.perf_counter()
        after = _rng_get(trainer.device)
        for twin in list(self.twins):
            _rng_set(trainer.device, rng)
            alpha = trainer.alpha_effective if twin.keeps_alpha else 0.0
            with _installed(trainer, twin, train=True):
                try:
                    trainer._train_step(x, y, learning_projection, alpha=alpha)
                except NonFiniteLoss:
                    self.twins.remove(twin)
                    self.status = f"{twin.name} off: non-finite loss at step {trainer.step + 1}"
        _rng_set(trainer.device, after)
        self._train_s += time.perf_counter() - started

    def epoch_metrics(self, trainer: Trainer, metrics: dict[str, Any], started: float,
                      learning_projection: bool) -> dict[str, Any]:
        """The twins' validation metrics for the epoch that just ended, Δ vs the baseline and
        the cost (round time ÷ solo time); `auto` drops too costly twins here."""
        out: dict[str, Any] = {}
        if self.twins:
            t0 = time.perf_counter()
            for twin in self.twins:
                if learning_projection:
                    twin.model.projection.freeze()
                out.update(_prefixed(twin.name, self.evaluate(trainer, twin, None)))
            twin_s = self._train_s + time.perf_counter() - t0
            total = time.perf_counter() - started
            ratio = total / max(total - twin_s, 1e-9)
            out["lockstep_cost"] = round(ratio, 3)
            base = self.twin(BASELINE)
            if base is not None:
                out["delta_val_pp"] = 100.0 * (metrics["val_acc"] - out["baseline_val_acc"])
                out["delta_per_class_pp"] = [
                    100.0 * (a - b) for a, b in zip(metrics["per_class_acc"],
                                                    out["baseline_per_class_acc"], strict=True)]
            rounds = trainer.scene.schedule.epochs_per_round
            if (self.mode == "auto" and ratio > AUTO_MAX_RATIO
                    and (total - twin_s) * (ratio - 1.0) * rounds > AUTO_MAX_EXTRA_S):
                self.drop(f"costs {ratio:.2f}x solo per round (auto)")
        self._train_s = 0.0
        out["insight_baseline"] = self.status
        return out

    # evaluation -------------------------------------------------------------------------
    def evaluate_all(self, trainer: Trainer, split: Split, prefix: str) -> dict[str, Any]:
        """Model and twins on `split`: `{prefix}_acc`, `baseline_{prefix}_acc`, ..., and
        `delta_{prefix}_pp` (model − baseline, percentage points) when a baseline exists."""
        def keyed(name: str | None, m: dict[str, Any]) -> dict[str, Any]:
            head = f"{name}_" if name else ""
            return {f"{head}{prefix}_{k.removeprefix('val_')}": m[k] for k in TWIN_METRICS}

        out = keyed(None, trainer.evaluate(split))
        for twin in self.twins:
            out.update(keyed(twin.name, self.evaluate(trainer, twin, split)))
        if f"{BASELINE}_{prefix}_acc" in out:
            out[f"delta_{prefix}_pp"] = 100.0 * (out[f"{prefix}_acc"]
                                                 - out[f"{BASELINE}_{prefix}_acc"])
        return out

    def evaluate(self, trainer: Trainer, twin: Twin, split: Split | None) -> dict[str, Any]:
        """`trainer.evaluate` with the twin's model (human loss against the person's targets)."""
        with _installed(trainer, twin, train=False):
            return trainer.evaluate(split)

    def display(self, trainer: Trainer, name: str = BASELINE) -> DisplayData | None:
        """The display sample as the twin `name` projects and predicts it (None if absent)."""
        twin = self.twin(name)
        if twin is None:
            return None
        with _installed(trainer, twin, train=False):
            return trainer.display()

    # state ------------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        return {"twins": [t.state() for t in self.twins], "status": self.status}

    def load_state(self, trainer: Trainer, state: dict[str, Any] | None) -> None:
        """Restore twins saved by `state()`; None (an older checkpoint) clears them."""
        self.twins = []
        self._train_s = 0.0
        if state is None:
            self.status = "inactive" if self.names else "off"
            if trainer.targets is not None:
                self.activate(trainer)
            return
        for saved in state["twins"]:
            model, probe, optimizer, scaler = copy.deepcopy(
                (trainer.model, trainer.probe, trainer.optimizer, trainer.scaler))
            model.load_state_dict(saved["model"])
            probe.load_state_dict(saved["probe"])
            optimizer.load_state_dict(saved["optimizer"])
            self.twins.append(Twin(str(saved["name"]), model, probe, optimizer, scaler,
                                   int(saved["started_epoch"]),
                                   keeps_alpha=saved["name"] == ALPHA_ONLY))
        self.status = str(state["status"])


def _prefixed(name: str, metrics: dict[str, Any]) -> dict[str, Any]:
    return {f"{name}_{k}": metrics[k] for k in TWIN_METRICS if k in metrics}


@contextmanager
def _installed(trainer: Trainer, twin: Twin, train: bool) -> Iterator[None]:
    """Swap the twin's modules (and, for training, no targets) into the trainer."""
    saved = (trainer.model, trainer.probe, trainer.optimizer, trainer.scaler, trainer.targets)
    trainer.model, trainer.probe = twin.model, twin.probe
    trainer.optimizer, trainer.scaler = twin.optimizer, twin.scaler
    if train:
        trainer.targets = None
        twin.model.train()
        twin.probe.train()
    try:
        yield
    finally:
        (trainer.model, trainer.probe, trainer.optimizer, trainer.scaler,
         trainer.targets) = saved


def _rng_get(device: torch.device) -> RngState:
    extra = None
    if device.type == "cuda":
        extra = torch.cuda.get_rng_state(device)
    elif device.type == "mps":
        extra = torch.mps.get_rng_state()
    return torch.get_rng_state(), extra


def _rng_set(device: torch.device, state: RngState) -> None:
    torch.set_rng_state(state[0])
    if state[1] is not None:
        if device.type == "cuda":
            torch.cuda.set_rng_state(state[1], device)
        elif device.type == "mps":
            torch.mps.set_rng_state(state[1])
