"""Adaptive α (scene key ``hill.adaptive``), the paper's future work: the model lowers its
reliance on the human term where that term hurts.

* ``shadow_gate``: after each epoch with a human term, a gate on α halves while the model's
  validation CE is above the lockstep baseline's and doubles back (up to 1) while it is not.
  It needs the baseline twin (``insight.baseline``); without one the gate stays 1. Both the CE
  weight (1 − α·gate) and the human weight (α·gate) follow the gate.
* ``grad_agree`` (the unweighted variant of Du et al. 2018, "Adapting auxiliary losses using
  gradient similarity", arXiv 1812.02224): every step, the human term counts only when the
  cosine between the CE and human-term gradients, over the parameters both reach, is
  positive, so a target that pulls the backbone against the labels is ignored for that
  batch. CE keeps its weight 1 − α. It costs a second backward pass through the backbone.
  (Du et al.'s weighted variant, ``max(0, cos)``, was tried and left out: over a whole
  backbone the cosine is tiny, 0.005–0.09 on digits, so it switched the term off entirely.)

The α in force is reported per epoch as ``alpha_effective``: α × the gate (grad_agree: α ×
the share of the epoch's steps, among those with a human gradient, that kept the term).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from hill_arcade.config import ADAPTIVE_MODES


class AdaptiveAlpha:
    """The gate on the person's α and its per-epoch bookkeeping."""

    def __init__(self, mode: str = "off") -> None:
        if mode not in ADAPTIVE_MODES:
            raise ValueError(f"hill.adaptive: expected one of {', '.join(ADAPTIVE_MODES)}, "
                             f"got {mode!r}")
        self.mode = mode
        self.gate = 1.0  # shadow_gate: multiplies α for the whole epoch
        self._weights = 0.0  # grad_agree: sum and count of this epoch's step weights
        self._steps = 0

    @property
    def per_step(self) -> bool:
        """True when every step weighs the human term itself (grad_agree)."""
        return self.mode == "grad_agree"

    def record_step(self, weight: float) -> None:
        """One grad_agree step's weight on the human term."""
        self._weights += weight
        self._steps += 1

    def epoch_gate(self) -> float:
        """The gate in force over the epoch that just ended; starts the next epoch's count."""
        if not self.per_step:
            return self.gate
        gate = self._weights / self._steps if self._steps else 1.0
        self._weights, self._steps = 0.0, 0
        return gate

    def after_epoch(self, model_ce: float, baseline_ce: float | None) -> None:
        """shadow_gate: halve the gate while validation CE is above the baseline's, else
        double it back towards 1."""
        if self.mode == "shadow_gate" and baseline_ce is not None:
            self.gate = self.gate * 0.5 if model_ce > baseline_ce else min(1.0, self.gate * 2.0)

    def state(self) -> dict[str, Any]:
        return {"mode": self.mode, "gate": self.gate}

    def load_state(self, state: dict[str, Any] | None) -> None:
        """Restore `state()`; None (a checkpoint from before adaptive α) resets the gate."""
        self.gate = 1.0 if state is None else float(state.get("gate", 1.0))
        self._weights, self._steps = 0.0, 0


def gradient_agreement(first: Sequence[torch.Tensor | None],
                       second: Sequence[torch.Tensor | None]) -> float | None:
    """Cosine between two gradients over the parameters both reach; None when either is 0."""
    dot = norm_a = norm_b = None
    for a, b in zip(first, second, strict=True):
        if a is None or b is None:
            continue
        a, b = a.float(), b.float()
        terms = ((a * b).sum(), (a * a).sum(), (b * b).sum())
        if dot is None:
            dot, norm_a, norm_b = terms
        else:
            dot, norm_a, norm_b = dot + terms[0], norm_a + terms[1], norm_b + terms[2]
    if dot is None:
        return None
    denom = float((norm_a * norm_b).sqrt())
    if denom <= 0.0 or not torch.isfinite(dot):
        return None
    return float(dot) / denom
