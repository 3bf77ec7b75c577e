"""A recorded participant as a strategy for `simulate` (``--strategy recorded:SESSION_DIR``).

A person's session log holds, for every round, the layout they saw (the display sample's
class centers and spreads as the round began, ``round_begin.layout``), the targets they
trained with and their α and λ. Another run (another seed, another start) projects the data
differently: the 2D layout is rotated, mirrored and scaled at random. So the person's edit is
carried over relative to the layout, not in absolute coordinates:

1. the recorded class centers are aligned to the run's current class centers with a
   similarity transform (orthogonal Procrustes: rotation or reflection, one scale factor);
2. each targeted class's target center becomes its current center plus the person's offset
   (target − recorded center) rotated and scaled by that transform;
3. each target spread becomes the current spread times the person's ratio (target ÷
   recorded spread).

Round k of the recording is played at interaction point k; a run with more interaction points
than recorded rounds trains the remaining rounds on the last targets. α and λ follow the
recording; the learning rate stays the scene's. Started from the recording's own checkpoint
and seed, the transform is the identity and the targets are the recorded ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hill_arcade.errors import HillError
from hill_arcade.shared import Targets

PREFIX = "recorded:"


def is_recorded(strategy: str) -> bool:
    """True for ``recorded:SESSION_DIR``."""
    return strategy.startswith(PREFIX)


def label(strategy: str) -> str:
    """A file-name-safe name: ``recorded-<session folder name>``."""
    return f"recorded-{Path(strategy[len(PREFIX):]).name}" if is_recorded(strategy) else strategy


@dataclass(frozen=True)
class RecordedRound:
    layout_centers: np.ndarray  # (C, 2) what the person saw
    layout_spreads: np.ndarray  # (C,)
    targets: Targets | None
    alpha: float
    lam: float


class RecordedParticipant:
    """The rounds of one recorded session, replayable on another run's layout."""

    def __init__(self, folder: Path, rounds: list[RecordedRound]) -> None:
        self.folder, self.rounds = folder, rounds

    @classmethod
    def load(cls, strategy: str, scenario: str | None = None) -> RecordedParticipant:
        """Read ``recorded:SESSION_DIR``; HillError naming the folder when it cannot be used."""
        from hill_arcade.analysis.replay import read_recording

        folder = Path(strategy[len(PREFIX):])
        if not folder.is_dir():
            raise HillError(f"--strategy {strategy}: {folder} is not a session folder")
        recording = read_recording(folder, scenario)
        rounds = []
        for event in recording.rounds:
            layout = event.get("layout")
            if layout is None:
                raise HillError(f"{folder / 'events.jsonl'}: round_begin has no layout; "
                                "recorded by an older version, cannot be a strategy")
            targets = event.get("targets")
            rounds.append(RecordedRound(
                np.asarray(layout["centers"], np.float32),
                np.asarray(layout["spreads"], np.float32),
                None if targets is None else Targets(
                    np.asarray(targets["centers"], np.float32),
                    np.asarray(targets["spreads"], np.float32)),
                float(event["alpha"]), float(event["lam"])))
        if not rounds:
            raise HillError(f"{folder / 'events.jsonl'}: no training round recorded")
        return cls(folder, rounds)

    def round_for(self, point_index: int) -> RecordedRound:
        """The recorded round played at interaction point `point_index`."""
        return self.rounds[min(point_index, len(self.rounds) - 1)]

    def targets_for(self, point_index: int, centers: np.ndarray,
                    spreads: np.ndarray) -> tuple[Targets | None, dict[str, Any]]:
        """The person's targets of that round carried onto a layout with these class
        `centers` / `spreads`; also what was done (`scale`, `reflected`, the round)."""
        rnd = self.round_for(point_index)
        info: dict[str, Any] = {"round": min(point_index, len(self.rounds) - 1),
                                "alpha": rnd.alpha, "lam": rnd.lam}
        if rnd.targets is None:
            return None, info
        rotation, scale = similarity(rnd.layout_centers, centers)
        info.update(scale=scale, reflected=bool(np.linalg.det(rotation) < 0))
        offsets = (rnd.targets.centers - rnd.layout_centers) @ rotation * scale
        ratios = rnd.targets.spreads / np.where(rnd.layout_spreads > 0, rnd.layout_spreads,
                                                np.nan)
        carried = Targets((centers + offsets).astype(np.float32),
                          (spreads * ratios).astype(np.float32))
        return carried, info


def similarity(source: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, float]:
    """(R, s) with ``s · (source − mean) @ R ≈ target − mean`` over the rows finite in both:
    R orthogonal (rotation or reflection), s > 0. Fewer than two such rows: identity and 1."""
    both = np.isfinite(source).all(1) & np.isfinite(target).all(1)
    if both.sum() < 2:
        return np.eye(2, dtype=np.float64), 1.0
    a = source[both].astype(np.float64)
    b = target[both].astype(np.float64)
    a, b = a - a.mean(0), b - b.mean(0)
    u, sigma, vt = np.linalg.svd(a.T @ b)
    rotation = u @ vt
    norm = float((a * a).sum())
    scale = float(sigma.sum() / norm) if norm > 0 else 1.0
    return rotation, scale
