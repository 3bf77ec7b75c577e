"""The HILL training loop: epochs of mini-batches with pause/resume/stop at batch boundaries.

Reads top to bottom: `train_epoch` -> `_train_step` (CE + HILL loss) -> `evaluate` ->
`display`. The projection head learns during the first epoch from a linear probe on the
detached latent (so it never distorts the backbone) and is frozen from then on.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from hill_arcade.config import SceneConfig
from hill_arcade.data.base import DatasetSplits, Split
from hill_arcade.device import configure_threads, pick_device
from hill_arcade.models import build_model
from hill_arcade.training.adaptive import AdaptiveAlpha, gradient_agreement
from hill_arcade.training.display import balanced_indices
from hill_arcade.training.lockstep import Lockstep
from hill_arcade.training.loss import LOSSES, global_loss, hill_loss, loss_terms
from hill_arcade.training.metrics import summarise

EVAL_BATCH = 1024
LAYOUT_WEIGHT = 0.1  # keeps the projected layout's mean radius near 1 while it learns


class TrainingStopped(Exception):
    """Raised at a batch boundary after `stop()`; the model is left as of the last full step."""


class NonFiniteLoss(RuntimeError):
    """The loss became NaN or infinite; the step was not applied."""


@dataclass
class DisplayData:
    """2D points, labels and predictions of the display sample (numpy, owned by the caller)."""

    points: np.ndarray
    labels: np.ndarray
    predictions: np.ndarray
    confidence: np.ndarray | None = None  # softmax probability of each prediction


@dataclass
class TrainerHooks:
    """Optional callbacks; all run on the training thread."""

    between_batches: Callable[[], None] | None = None  # poll commands, adjust α/λ
    on_step: Callable[[int, int, int], None] | None = None  # (epoch, batch, batches_per_epoch)
    on_epoch: Callable[[dict[str, Any]], None] | None = None


@dataclass
class Targets2D:
    centers: torch.Tensor
    spreads: torch.Tensor


@dataclass
class _Control:
    running: threading.Event = field(default_factory=threading.Event)
    stopping: bool = False


class Trainer:
    """Owns model, optimizer and data; trains epochs, evaluates and projects the display sample."""

    def __init__(self, scene: SceneConfig, data: DatasetSplits, device: str | None = None,
                 hooks: TrainerHooks | None = None) -> None:
        self.scene = scene
        self.data = data
        self.hooks = hooks or TrainerHooks()
        self.threads = configure_threads(scene.runtime.threads)
        torch.manual_seed(scene.runtime.seed)
        self.device = pick_device(device or scene.runtime.device)
        self.model = build_model(scene.model, data.num_classes, data.input_shape).to(self.device)
        self.loss_options = LOSSES[scene.hill.loss]
        # a held `scale` gets no gradient, so Adam leaves it where it is (1 unless loaded)
        self.model.projection.scale.requires_grad_(not self.loss_options.hold_scale)
        self.probe = nn.Linear(2, data.num_classes).to(self.device)
        self.optimizer = _make_optimizer(scene, list(self.model.parameters())
                                         + list(self.probe.parameters()))
        self.use_amp = scene.runtime.amp and self.device.type == "cuda"
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.use_amp)
        self.alpha = scene.hill.alpha
        self.lam = scene.hill.lam
        self.targets: Targets2D | None = None
        # shadow baseline + controls, created when a human term first becomes active
        self.lockstep = Lockstep(scene.insight)
        self.adaptive = AdaptiveAlpha(scene.hill.adaptive)
        self.epoch = 0
        self.step = 0
        self.history: list[dict[str, Any]] = []
        self._generator = torch.Generator().manual_seed(scene.runtime.seed)
        self._control = _Control()
        self._control.running.set()
        self.display_index = balanced_indices(data.train.y, scene.display.per_class,
                                              scene.runtime.seed)
        self.val_display_index = balanced_indices(data.val.y, scene.display.per_class,
                                                  scene.runtime.seed)
        self._train = _to_device(data.train, self.device)
        self._val = _to_device(data.val, self.device)

    # control (any thread) ------------------------------------------------------------
    def pause(self) -> None:
        self._control.running.clear()

    def resume(self) -> None:
        self._control.running.set()

    def stop(self) -> None:
        self._control.stopping = True
        self._control.running.set()

    @property
    def paused(self) -> bool:
        return not self._control.running.is_set()

    def set_targets(self, centers: Any | None, spreads: Any | None = None) -> None:
        """Targets for the human term (per-class rows, NaN = none); None clears them."""
        if centers is None:
            self.targets = None
            return
        self.targets = Targets2D(
            torch.as_tensor(np.asarray(centers, np.float32), device=self.device),
            torch.as_tensor(np.asarray(spreads, np.float32), device=self.device),
        )
        self.lockstep.activate(self)

    @property
    def alpha_effective(self) -> float:
        """The α weighting CE (1 − α) and, but for grad_agree's per-step weight, the human
        term: the person's α times the shadow gate (1 unless hill.adaptive is shadow_gate)."""
        return self.alpha * self.adaptive.gate

    # training -------------------------------------------------------------------------
    def run_epochs(self, n: int) -> list[dict[str, Any]]:
        """Train `n` epochs (an interaction round); returns their metrics."""
        return [self.train_epoch() for _ in range(n)]

    def train_epoch(self) -> dict[str, Any]:
        """One pass over the training split, then evaluation; returns the epoch's metrics."""
        started = time.perf_counter()
        self.model.train()
        self.probe.train()
        n = len(self._train)
        bs = self.scene.optimizer.batch_size
        order = torch.randperm(n, generator=self._generator).to(self.device)
        batches = max(1, math.ceil(n / bs))
        learning_projection = not self.model.projection.frozen
        loss_sum = torch.zeros((), device=self.device)
        for b in range(batches):
            self._at_batch_boundary()
            idx = order[b * bs:(b + 1) * bs]
            x, y = self._train.x[idx], self._train.y[idx]
            if self.data.augment is not None:
                x = self.data.augment(x)
            rng = self.lockstep.fork(self.device)  # twins replay the model's dropout draws
            loss_sum += self._train_step(x, y, learning_projection)
            self.lockstep.step(self, x, y, learning_projection, rng)
            self.step += 1
            if self.hooks.on_step:
                self.hooks.on_step(self.epoch + 1, b + 1, batches)
        self.epoch += 1
        if learning_projection:
            self.model.projection.freeze()
        metrics = self.evaluate()
        gate = self.adaptive.epoch_gate()
        alpha_in_force = self.alpha * gate if self.targets is not None else 0.0
        metrics.update(self.lockstep.epoch_metrics(self, metrics, started, learning_projection))
        if self.targets is not None:
            self.adaptive.after_epoch(metrics["ce"], metrics.get("baseline_ce"))
        metrics.update(epoch=self.epoch, alpha_effective=alpha_in_force, adaptive_gate=gate,
                       train_loss=float(loss_sum) / batches,
                       seconds=round(time.perf_counter() - started, 3), alpha=self.alpha,
                       lam=self.lam, lr=self.lr,
                       scale=float(self.model.projection.scale.detach()),
                       human_active=self.targets is not None, device=str(self.device))
        self.history.append(metrics)
        if self.hooks.on_epoch:
            self.hooks.on_epoch(metrics)
        return metrics

    def _train_step(self, x: torch.Tensor, y: torch.Tensor, learning_projection: bool,
                    alpha: float | None = None) -> torch.Tensor:
        """One optimizer step; `alpha` overrides the α in force (lockstep twins)."""
        if alpha is None and self.targets is not None and self.adaptive.per_step:
            return self._agreeing_step(x, y, learning_projection)
        centers, spreads = (self.targets.centers, self.targets.spreads) if self.targets else (
            None, None)
        # Without targets there is no human term; CE keeps its full weight (see README).
        if alpha is None:
            alpha = self.alpha_effective if self.targets is not None else 0.0
        with torch.autocast(self.device.type, dtype=torch.float16, enabled=self.use_amp):
            logits, latent, points = self.model(x)
            loss, _ = global_loss(logits, y, points, self.model.projection.scale, centers,
                                  spreads, alpha, self.lam, self.loss_options)
            if learning_projection:
                loss = loss + self._projection_objective(latent.detach(), y)
        self._check_finite(loss)
        self.optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        self.scaler.step(self.optimizer)
        self.scaler.update()
        return loss.detach()

    def _agreeing_step(self, x: torch.Tensor, y: torch.Tensor,
                       learning_projection: bool) -> torch.Tensor:
        """grad_agree's step: (1 − α)·∇CE + α·w·∇L_human + ∇(λ|1 − scale|), w = 1 when the
        two gradients agree (cosine > 0 over the parameters both reach), else 0."""
        assert self.targets is not None
        alpha = self.alpha
        with torch.autocast(self.device.type, dtype=torch.float16, enabled=self.use_amp):
            logits, latent, points = self.model(x)
            ce, human, scale_term = loss_terms(logits, y, points, self.model.projection.scale,
                                               self.targets.centers, self.targets.spreads,
                                               self.loss_options)
            rest = self.lam * scale_term
            if learning_projection:
                rest = rest + self._projection_objective(latent.detach(), y)
        params = [p for group in self.optimizer.param_groups for p in group["params"]
                  if p.requires_grad]
        grad_ce = torch.autograd.grad(self.scaler.scale(ce), params, retain_graph=True,
                                      allow_unused=True)
        grad_human = (torch.autograd.grad(self.scaler.scale(human), params, retain_graph=True,
                                          allow_unused=True)
                      if human.requires_grad else [None] * len(params))
        cosine = gradient_agreement(grad_ce, grad_human)
        weight = 1.0 if cosine is not None and cosine > 0.0 else 0.0
        loss = (1.0 - alpha) * ce + alpha * weight * human + rest
        self._check_finite(loss)
        self.optimizer.zero_grad(set_to_none=True)
        if rest.requires_grad:
            self.scaler.scale(rest).backward()
        for p, g_ce, g_human in zip(params, grad_ce, grad_human, strict=True):
            for part in ((1.0 - alpha) * g_ce if g_ce is not None else None,
                         alpha * g_human if g_human is not None and weight > 0 else None):
                if part is not None:
                    p.grad = part if p.grad is None else p.grad + part
        self.scaler.step(self.optimizer)
        self.scaler.update()
        if cosine is not None:
            self.adaptive.record_step(weight)
        return loss.detach()

    def _check_finite(self, loss: torch.Tensor) -> None:
        """NonFiniteLoss before a NaN/inf loss reaches the weights."""
        if not torch.isfinite(loss):
            raise NonFiniteLoss(f"loss became {float(loss.detach())} at epoch {self.epoch + 1}, "
                                f"step {self.step + 1}")

    def _projection_objective(self, latent: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Linear-probe CE on the 2D points (classes separable in 2D) plus a radius anchor."""
        points = self.model.projection.net(latent.float())
        centred = points - points.mean(0, keepdim=True)
        radius = centred.norm(dim=1).mean()
        return F.cross_entropy(self.probe(points), y) + LAYOUT_WEIGHT * (radius - 1.0) ** 2

    def _at_batch_boundary(self) -> None:
        if self.hooks.between_batches:
            self.hooks.between_batches()
        while not self._control.running.wait(0.05):
            if self.hooks.between_batches:
                self.hooks.between_batches()
        if self._control.stopping:
            self._control.stopping = False
            raise TrainingStopped()

    # evaluation -----------------------------------------------------------------------
    @torch.no_grad()
    def evaluate(self, split: Split | None = None) -> dict[str, Any]:
        """Accuracy, macro-F1, per-class accuracy, mean CE and human loss on a split (val)."""
        split = self._val if split is None else _to_device(split, self.device)
        self.model.eval()
        logits, points = self._forward_all(split.x)
        ce = F.cross_entropy(logits, split.y)
        human = (hill_loss(points, split.y, self.targets.centers, self.targets.spreads,
                           self.loss_options) if self.targets is not None else torch.zeros(()))
        metrics = summarise(logits.argmax(1), split.y, self.data.num_classes)
        metrics.update(ce=float(ce), human=float(human))
        return metrics

    def evaluate_test(self) -> dict[str, Any]:
        """The locked test split, for the model and its lockstep twins: call once, at the end
        of a session (never during one). Keys: `test_acc`, `test_macro_f1`,
        `test_per_class_acc`, `test_ce`, `test_human`, the same with `baseline_` /
        `alpha_only_` in front for each twin, and `delta_test_pp` (model − baseline)."""
        return self.lockstep.evaluate_all(self, self.data.test, "test")

    @torch.no_grad()
    def display(self, split: str = "train") -> DisplayData:
        """Projections, labels and predictions of the fixed display sample of the training
        split, or (``split="val"``) of a class-balanced sample of the validation split."""
        self.model.eval()
        data = self._train if split == "train" else self._val
        index = self.display_index if split == "train" else self.val_display_index
        idx = torch.as_tensor(index, device=self.device)
        logits, points = self._forward_all(data.x[idx])
        confidence, predictions = torch.softmax(logits.float(), dim=1).max(dim=1)
        return DisplayData(points.float().cpu().numpy().astype(np.float32),
                           data.y[idx].cpu().numpy().astype(np.int64),
                           predictions.cpu().numpy().astype(np.int64),
                           confidence.cpu().numpy().astype(np.float32))

    def display_samples(self) -> list[np.ndarray] | None:
        """The display sample as a person would recognise it (the dataset's `render_sample`:
        images or series), in display order; None when the dataset cannot render."""
        render = self.data.render_sample
        if render is None:
            return None
        x = self.data.train.x[torch.as_tensor(self.display_index)]
        return [render(sample) for sample in x.cpu()]

    def _forward_all(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        logits, points = [], []
        for start in range(0, x.shape[0], EVAL_BATCH):
            with torch.autocast(self.device.type, dtype=torch.float16, enabled=self.use_amp):
                out_logits, _, out_points = self.model(x[start:start + EVAL_BATCH])
            logits.append(out_logits.float())
            points.append(out_points.float())
        if not logits:
            return torch.zeros(0, self.data.num_classes), torch.zeros(0, 2)
        return torch.cat(logits), torch.cat(points)

    @property
    def lr(self) -> float:
        """The optimizer's learning rate."""
        return float(self.optimizer.param_groups[0]["lr"])

    def set_lr(self, lr: float) -> None:
        """Change the learning rate from the next step on (optimizer state is kept)."""
        for group in self.optimizer.param_groups:
            group["lr"] = float(lr)

    def reseed(self, seed: int) -> None:
        """New shuffle order and dropout draws from here on (a scripted run's continuation
        seed after restoring a shared checkpoint); weights and data split are unchanged."""
        self._generator.manual_seed(int(seed))
        torch.manual_seed(int(seed))

    # state ------------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        """Everything a checkpoint holds (tensors and plain data only)."""
        return {
            "format": 1,
            "model": self.model.state_dict(),
            "probe": self.probe.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "epoch": self.epoch,
            "step": self.step,
            "projection_frozen": self.model.projection.frozen,
            "targets": None if self.targets is None else {
                "centers": self.targets.centers.cpu(), "spreads": self.targets.spreads.cpu()},
            "history": [_plain(m) for m in self.history],
            "scene": _plain(self.scene.to_dict()),
            "alpha": self.alpha,
            "lam": self.lam,
            "rng": {"shuffle": self._generator.get_state(), "torch": torch.get_rng_state()},
            "lockstep": self.lockstep.state(),
            "adaptive": self.adaptive.state(),
        }

    def load_state(self, state: dict[str, Any]) -> None:
        """Restore from `state()` output (see checkpoint.load_checkpoint for validation)."""
        if state["projection_frozen"]:
            self.model.projection.freeze()
        self.model.load_state_dict(state["model"])
        self.probe.load_state_dict(state["probe"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.epoch = int(state["epoch"])
        self.step = int(state["step"])
        self.history = list(state["history"])
        rng = state.get("rng")
        if rng is not None:  # so a resumed run continues exactly like an uninterrupted one
            self._generator.set_state(rng["shuffle"])
            torch.set_rng_state(rng["torch"])
        targets = state.get("targets")
        self.set_targets(None if targets is None else targets["centers"].numpy(),
                         None if targets is None else targets["spreads"].numpy())
        self.lockstep.load_state(self, state.get("lockstep"))
        # before adaptive.py the shadow gate was saved with the lockstep twins
        self.adaptive.load_state(state.get("adaptive") or state.get("lockstep"))


def _make_optimizer(scene: SceneConfig, params: list[nn.Parameter]) -> torch.optim.Optimizer:
    opt = scene.optimizer
    if opt.name == "sgd":
        return torch.optim.SGD(params, lr=opt.lr, momentum=0.9, weight_decay=opt.weight_decay)
    cls = torch.optim.AdamW if opt.name == "adamw" else torch.optim.Adam
    return cls(params, lr=opt.lr, weight_decay=opt.weight_decay)


def _to_device(split: Split, device: torch.device) -> Split:
    return Split(split.x.to(device), split.y.to(device).long())


def _plain(value: Any) -> Any:
    """Dicts/lists/scalars only, so checkpoints load with weights_only=True."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (np.generic,)):
        return value.item()
    return str(value)
