"""The noise band: what edits that carry no information do to accuracy, measured against the
same-seed lockstep baseline, for one scene and its pretrained checkpoint.

Computed once from scripted `null` / `random` runs over continuation seeds (``hill-arcade
simulate SCENE --checkpoint PT --strategy null,random --seeds N --noise-band``) and stored
beside the checkpoint as ``<checkpoint stem>.noise_band.json``. The bundled scenes' pretrained
starts come with bands measured that way (``assets/noise_bands/<cache folder>.<stem>.json``;
the cache folder's name holds the hash of everything the checkpoint depends on, so a band is
found only for the start it was measured on).

Two numbers describe those runs' final Δ val (percentage points):

* ``reference_pp``, their mean: an uninformed human term is not free (it anchors the layout and
  takes weight from CE; on MNIST-1D-100 it costs ~2 pp), so "did the edit's information help"
  is judged against this, not against 0;
* ``spread_pp``, 1.96 × their SD: the seed-to-seed scatter around that mean.

Both are also stored per epoch (``by_epoch``: epoch → [reference, spread]) because the runs
drift apart round by round: after one round uninformed edits have moved accuracy less than
after four. The panel says a Δ is *like*, *better than* or *worse than* uninformed edits by
whether it lies inside ``reference ± spread`` of the same epoch (the last measured epoch
beyond the protocol's end; the final values for files without ``by_epoch``). ``band_pp``
(1.96 × RMS around 0) is kept for older files and for readers that want one conservative
number.
"""

from __future__ import annotations

import json
import math
import statistics
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from hill_arcade.errors import HillError

NO_INFORMATION = ("null", "random")
Z95 = 1.96


@dataclass(frozen=True)
class NoiseBand:
    """A stored band (percentage points) and what it was computed from."""

    band_pp: float  # 1.96 × RMS of Δ val around 0 (validation: what the panel shows live)
    band_test_pp: float | None  # the same on the locked test split
    n: int
    strategies: list[str]
    delta_val_pp: list[float]
    delta_test_pp: list[float]
    max_abs_val_pp: float
    scene: str = ""
    checkpoint: str = ""
    created: float = 0.0
    reference_pp: float | None = None  # mean Δ val of the uninformed runs (None: older file)
    spread_pp: float | None = None  # 1.96 × their SD
    by_epoch: dict[str, list[float]] | None = None  # epoch → [reference_pp, spread_pp]


def band_path(checkpoint: str | Path) -> Path:
    """Where the band of `checkpoint` is stored: beside it, `<stem>.noise_band.json`."""
    checkpoint = Path(checkpoint)
    return checkpoint.with_name(f"{checkpoint.stem}.noise_band.json")


def _rms(values: Sequence[float]) -> float:
    return math.sqrt(sum(v * v for v in values) / len(values))


def compute_band(summaries: Sequence[dict[str, Any]], scene: str = "",
                 checkpoint: str = "") -> NoiseBand:
    """The band from `simulate` summaries of no-information runs (others are ignored)."""
    runs = [s for s in summaries if s.get("strategy") in NO_INFORMATION
            and s.get("delta_val_pp") is not None]
    if not runs:
        raise HillError("noise band: needs at least one finished null or random run")
    dval = [float(s["delta_val_pp"]) for s in runs]
    dtest = [float(s["delta_test_pp"]) for s in runs if s.get("delta_test_pp") is not None]
    reference, spread = _centre_and_spread(dval)
    curves: dict[int, list[float]] = {}
    for s in runs:
        for epoch, delta in (s.get("delta_val_by_epoch") or {}).items():
            curves.setdefault(int(epoch), []).append(float(delta))
    by_epoch = {str(e): list(_centre_and_spread(v)) for e, v in sorted(curves.items())
                if len(v) == len(runs)} or None
    return NoiseBand(
        reference_pp=reference, spread_pp=spread, by_epoch=by_epoch,
        band_pp=Z95 * _rms(dval), band_test_pp=Z95 * _rms(dtest) if dtest else None,
        n=len(runs), strategies=sorted({s["strategy"] for s in runs}), delta_val_pp=dval,
        delta_test_pp=dtest, max_abs_val_pp=max(abs(v) for v in dval), scene=str(scene),
        checkpoint=str(checkpoint), created=time.time())


def _centre_and_spread(values: Sequence[float]) -> tuple[float, float]:
    """(mean, 1.96 × SD); with one value the spread is 1.96 × |value|."""
    mean = statistics.fmean(values)
    return mean, (Z95 * statistics.stdev(values) if len(values) > 1 else Z95 * abs(mean))


def write_band(checkpoint: str | Path, summaries: Sequence[dict[str, Any]],
               scene: str = "") -> Path:
    """Compute the band and store it beside `checkpoint`; returns the JSON path."""
    from hill_arcade.study.session import atomic_write_json

    band = compute_band(summaries, scene, str(checkpoint))
    path = band_path(checkpoint)
    atomic_write_json(path, asdict(band))
    return path


def shipped_band_path(checkpoint: str | Path) -> Path:
    """Where a band measured for a bundled scene's cached start ships (see module doc)."""
    from hill_arcade import ASSETS_DIR

    checkpoint = Path(checkpoint)
    return ASSETS_DIR / "noise_bands" / f"{checkpoint.parent.name}.{checkpoint.stem}.json"


def load_band(checkpoint: str | Path) -> NoiseBand | None:
    """The band stored beside `checkpoint`, else the one shipped for it, else None;
    HillError if unreadable."""
    path = band_path(checkpoint)
    if not path.is_file():
        path = shipped_band_path(checkpoint)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return NoiseBand(**data)
    except (OSError, json.JSONDecodeError, TypeError) as exc:
        raise HillError(f"{path}: unreadable noise band ({type(exc).__name__})") from None


def band_pp(checkpoint: str | Path) -> float | None:
    """Just the validation band in percentage points (None when none is stored)."""
    band = load_band(checkpoint)
    return None if band is None else band.band_pp


@dataclass(frozen=True)
class Verdict:
    """A Δ val against the uninformed edits of a band: `kind` is "like", "better" or "worse"."""

    kind: str
    text: str


def judge(delta_pp: float, band: Mapping[str, Any], epoch: int | None = None) -> Verdict:
    """Where `delta_pp` (at `epoch`) lies against uninformed edits (``reference ± spread`` of
    that epoch, see the module doc). `band` holds a NoiseBand's fields (the worker's
    `noise_band` event); one from before `reference_pp` existed is read as ``0 ± band_pp``."""
    reference, spread = band.get("reference_pp"), band.get("spread_pp")
    by_epoch = band.get("by_epoch")
    if by_epoch and epoch is not None:
        measured = sorted(int(e) for e in by_epoch)
        at = min((e for e in measured if e >= epoch), default=measured[-1])
        reference, spread = by_epoch[str(at)]
    if reference is None or spread is None:
        reference, spread = 0.0, float(band["band_pp"])
    reference, spread = float(reference), float(spread)
    if abs(delta_pp - reference) <= spread:
        kind, words = "like", "like"
    else:
        kind = "better" if delta_pp > reference else "worse"
        words = f"{kind} than"
    return Verdict(kind, f"{words} uninformed edits ({reference:+.1f} +- {spread:.1f} pp)")
