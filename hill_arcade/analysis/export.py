"""`hill-arcade export SESSION_DIR [--out DIR]`: a session's events as BIDS-style TSV + JSON,
and the per-epoch display projection format (`.npz`).

`events.tsv` follows the BIDS events file: tab separated, `n/a` for a missing value, the
required `onset` and `duration` (seconds) first, then `trial_type`; the extra columns are
described in the `events.json` sidecar (BIDS "Column descriptions"). Both read with
``pandas.read_csv(path, sep="\\t", na_values="n/a")``.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hill_arcade.errors import HillError

TSV_COLUMNS = ["onset", "duration", "trial_type", "seq", "epoch", "scenario", "participant",
               "unix_time", "value"]
# Fields that get a column of their own; everything else goes into `value` (compact JSON).
_OWN_COLUMNS = {"t", "seq", "type", "epoch", "scenario", "participant"}
_DURATION_FIELDS = ("seconds", "duration_s")

SIDECAR: dict[str, Any] = {
    "onset": {
        "LongName": "Event onset",
        "Description": "Seconds since the session's first event. For events that report their "
                       "own duration (an 'epoch' event is written when the epoch ends), the "
                       "onset is the logged time minus that duration, i.e. when it began.",
        "Units": "s",
    },
    "duration": {
        "LongName": "Event duration",
        "Description": "Seconds the event lasted: the event's 'seconds' or 'duration_s' field "
                       "(an epoch's training time); 0 for instantaneous events (a click, an "
                       "edit, a settings change).",
        "Units": "s",
    },
    "trial_type": {
        "LongName": "Event type",
        "Description": "The 'type' of the events.jsonl line (e.g. session_start, edit, "
                       "round_start, epoch, round_end, settings, undo, questionnaire_completed).",
    },
    "seq": {
        "LongName": "Sequence number",
        "Description": "Gap-free line number of the event in events.jsonl (1 = first).",
    },
    "epoch": {
        "LongName": "Training epoch",
        "Description": "Epoch the event belongs to, when the event names one; n/a otherwise.",
    },
    "scenario": {
        "LongName": "Study scenario",
        "Description": "Scenario name in a study session; n/a in free play.",
    },
    "participant": {
        "LongName": "Participant id",
        "Description": "Participant id in a study session; n/a in free play.",
    },
    "unix_time": {
        "LongName": "Wall-clock time",
        "Description": "The event's logged time as Unix seconds (UTC).",
        "Units": "s",
    },
    "value": {
        "LongName": "Other fields",
        "Description": "All remaining fields of the event as one compact JSON object "
                       "(e.g. an epoch's val_acc, an edit's classes and targets, the new "
                       "alpha of a settings change); n/a when there are none.",
    },
}


def _na(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return "n/a" if not math.isfinite(value) else f"{value:.6f}".rstrip("0").rstrip(".")
    text = str(value)
    return text.replace("\t", " ").replace("\n", " ").replace("\r", " ") or "n/a"


def _duration(event: Mapping[str, Any]) -> float:
    for key in _DURATION_FIELDS:
        value = event.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
            return float(value)
    return 0.0


def event_rows(events: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """events.jsonl dicts -> TSV rows (strings), sorted by onset, then seq."""
    times = [e["t"] for e in events if isinstance(e.get("t"), (int, float))]
    t0 = min(times) if times else 0.0
    rows = []
    for e in events:
        t = e.get("t")
        duration = _duration(e)
        onset = max(0.0, float(t) - t0 - duration) if isinstance(t, (int, float)) else None
        extra = {k: v for k, v in e.items() if k not in _OWN_COLUMNS}
        rows.append({
            "onset": _na(onset),
            "duration": _na(duration),
            "trial_type": _na(e.get("type")),
            "seq": _na(e.get("seq")),
            "epoch": _na(e.get("epoch")),
            "scenario": _na(e.get("scenario")),
            "participant": _na(e.get("participant")),
            "unix_time": _na(float(t)) if isinstance(t, (int, float)) else "n/a",
            "value": json.dumps(extra, separators=(",", ":"), sort_keys=True) if extra else "n/a",
            "_sort": (onset if onset is not None else math.inf, e.get("seq") or 0),
        })
    rows.sort(key=lambda r: r["_sort"])
    for r in rows:
        del r["_sort"]
    return rows


def sidecar(events: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The events.json sidecar: column descriptions, the types seen, the session start."""
    data = json.loads(json.dumps(SIDECAR))
    types = sorted({str(e.get("type")) for e in events if e.get("type") is not None})
    data["trial_type"]["Levels"] = {t: f"events.jsonl type '{t}'" for t in types}
    times = [e["t"] for e in events if isinstance(e.get("t"), (int, float))]
    if times:
        data["SessionStartUnixTime"] = min(times)
    data["GeneratedBy"] = [{"Name": "hill-arcade export"}]
    return data


def export_events(session_dir: str | Path, out: str | Path | None = None) -> list[Path]:
    """Write `events.tsv` and `events.json` for a session folder's events.jsonl."""
    from hill_arcade.eventlog import read_events

    folder = Path(session_dir)
    source = folder / "events.jsonl"
    if not folder.is_dir():
        raise HillError(f"{folder}: not a session folder")
    if not source.is_file():
        raise HillError(f"{folder}: no events.jsonl in this folder")
    try:
        events = read_events(source).events
    except ValueError as exc:
        raise HillError(str(exc)) from None
    out_dir = Path(out) if out is not None else folder
    out_dir.mkdir(parents=True, exist_ok=True)
    tsv, js = out_dir / "events.tsv", out_dir / "events.json"
    with tsv.open("w", encoding="utf-8", newline="") as f:
        f.write("\t".join(TSV_COLUMNS) + "\n")
        for row in event_rows(events):
            f.write("\t".join(row[c] for c in TSV_COLUMNS) + "\n")
    js.write_text(json.dumps(sidecar(events), indent=2) + "\n", encoding="utf-8")
    return [tsv, js]


# ---- display projections ---------------------------------------------------------------

PROJECTION_KEYS = ("points", "labels", "predictions", "target_centers", "target_spreads")


def save_projection_npz(path: str | Path, points: Any, labels: Any, predictions: Any,
                        targets_centers: Any = None, targets_spreads: Any = None,
                        epoch: int | None = None) -> Path:
    """Save one epoch's display projection as `.npz` (no pickles, readable with numpy alone).

    Arrays: `points` float32 (N, 2), `labels` and `predictions` int64 (N,), `target_centers`
    float32 (C, 2) and `target_spreads` float32 (C,) with NaN rows for classes without a
    target ((0, 2) and (0,) when there are no targets), `epoch` int64 scalar (-1 = unknown).
    """
    pts = np.asarray(points, dtype=np.float32)
    lab = np.asarray(labels, dtype=np.int64).reshape(-1)
    pred = np.asarray(predictions, dtype=np.int64).reshape(-1)
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise ValueError(f"points: expected shape (N, 2), got {pts.shape}")
    if len(lab) != len(pts) or len(pred) != len(pts):
        raise ValueError(f"labels/predictions: expected {len(pts)} entries, "
                         f"got {len(lab)} and {len(pred)}")
    centers = (np.zeros((0, 2), np.float32) if targets_centers is None
               else np.asarray(targets_centers, dtype=np.float32).reshape(-1, 2))
    spreads = (np.full(len(centers), np.nan, np.float32) if targets_spreads is None
               else np.asarray(targets_spreads, dtype=np.float32).reshape(-1))
    if len(spreads) != len(centers):
        raise ValueError(f"targets_spreads: expected {len(centers)} entries, got {len(spreads)}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:  # a file object: np.savez would append '.npz' to other names
        np.savez_compressed(f, points=pts, labels=lab, predictions=pred, target_centers=centers,
                            target_spreads=spreads,
                            epoch=np.int64(-1 if epoch is None else epoch))
    return path


def load_projection_npz(path: str | Path) -> dict[str, np.ndarray]:
    """Read a file written by :func:`save_projection_npz`; HillError if it is not one."""
    try:
        with np.load(Path(path), allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (OSError, ValueError) as exc:
        raise HillError(f"{path}: not a projection .npz ({exc})") from None
    missing = [k for k in (*PROJECTION_KEYS, "epoch") if k not in arrays]
    if missing:
        raise HillError(f"{path}: not a projection .npz (missing {', '.join(missing)})")
    return arrays


# ---- command line ----------------------------------------------------------------------


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register `export` on the CLI's subparsers."""
    p = sub.add_parser("export", help="session events as BIDS-style events.tsv + events.json")
    p.add_argument("session", type=Path, help="session folder holding events.jsonl")
    p.add_argument("--out", type=Path, default=None,
                   help="output folder (default: the session folder)")


def cmd_export(args: argparse.Namespace) -> int:
    """Run `export`; prints the written paths."""
    for path in export_events(args.session, args.out):
        print(path)
    return 0
