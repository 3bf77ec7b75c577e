"""`hill-arcade compare DIR... [--out DIR]`: did a strategy (or a participant) beat its baseline?

Every run folder (found recursively: a folder holding `summary.json` or `metrics.csv`) gives
one paired difference per metric: the run's accuracy minus the accuracy of the baseline that
trained beside it from the same state with the same seed (Δ, in percentage points). Runs are
grouped per scene and strategy (participant for study sessions); each group's Δ is summarised
as mean, sample SD, n and a 95 % t confidence interval (scipy.stats.t, n - 1 degrees of
freedom). The controls `null` (edits that carry no information) and `alpha_only` (CE weight
1 - α, no human term) are rows like any strategy, flagged `kind=control`; so is
`alpha_only (twin)`, the α-only control a `simulate` run trains beside itself (its summary's
`delta_test_alpha_only_pp`), counted once per scene and seed, and left out where the
`alpha_only` strategy itself was run.

Sources, in order of preference, per run:
- `summary.json` with `delta_test_pp` / `delta_val_pp` (as `hill-arcade simulate` writes), or
  `test_acc` + `baseline_test_acc` / `val_acc` + `baseline_val_acc` (0-1 accuracies);
- `metrics.csv`: Δ val from the last epoch that has both `val_acc` and `baseline_val_acc`
  (study sessions: the `baseline`-phase row of the same epoch); Δ test from the last row with
  `test_acc` and `baseline_test_acc`.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hill_arcade.errors import HillError

CONTROLS = ("null", "alpha_only")
TWIN = "alpha_only (twin)"  # the α-only control trained beside a run (simulate's summary)
METRICS = ("test", "val")
CSV_FIELDS = [
    "scene", "strategy", "kind", "n",
    "delta_test_mean", "delta_test_ci_low", "delta_test_ci_high", "delta_test_sd", "n_test",
    "delta_val_mean", "delta_val_ci_low", "delta_val_ci_high", "delta_val_sd", "n_val",
    "seeds",
]
RUN_FIELDS = ["scene", "strategy", "kind", "seed", "delta_test_pp", "delta_val_pp", "folder"]


@dataclass(frozen=True)
class RunDelta:
    """One run's paired differences against its same-seed baseline (percentage points)."""

    folder: Path
    scene: str
    strategy: str
    kind: str  # "strategy", "control" or "participant"
    seed: int | None
    delta_test_pp: float | None
    delta_val_pp: float | None


@dataclass(frozen=True)
class Summary:
    """mean, 95 % CI and sample SD of a group's Δ; CI and SD are None below n = 2."""

    n: int
    mean: float | None
    ci_low: float | None
    ci_high: float | None
    sd: float | None


@dataclass(frozen=True)
class GroupRow:
    """One line of compare.csv."""

    scene: str
    strategy: str
    kind: str
    n: int
    test: Summary
    val: Summary
    seeds: tuple[int, ...]


def summarise(values: Sequence[float], confidence: float = 0.95) -> Summary:
    """Mean with a two-sided t confidence interval over `values`."""
    vals = [float(v) for v in values if v is not None and math.isfinite(v)]
    n = len(vals)
    if n == 0:
        return Summary(0, None, None, None, None)
    mean = statistics.fmean(vals)
    if n < 2:
        return Summary(1, mean, None, None, None)
    from scipy import stats

    sd = statistics.stdev(vals)
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    return Summary(n, mean, mean - half, mean + half, sd)


# ---- reading run folders ---------------------------------------------------------------


def find_run_folders(dirs: Iterable[str | Path]) -> list[Path]:
    """Folders under each dir (itself included) that hold summary.json or metrics.csv, sorted."""
    found: dict[Path, None] = {}
    for d in dirs:
        root = Path(d)
        if not root.is_dir():
            raise HillError(f"{root}: not a folder")
        hits = sorted({p.parent for name in ("summary.json", "metrics.csv")
                       for p in root.rglob(name)})
        if not hits:
            raise HillError(f"{root}: no run folders (summary.json or metrics.csv) found")
        found.update(dict.fromkeys(hits))
    return list(found)


def _num(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _pp(acc: float | None, base: float | None) -> float | None:
    return None if acc is None or base is None else 100.0 * (acc - base)


def _read_summary(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise HillError(f"{path}: not readable JSON ({exc})") from None
    if not isinstance(data, dict):
        raise HillError(f"{path}: expected a JSON object")
    return data


def _read_metrics(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise HillError(f"{path}: not a readable CSV ({exc})") from None


def _epoch(row: Mapping[str, str]) -> float:
    return _num(row.get("epoch")) or 0.0


def deltas_from_metrics(rows: Sequence[Mapping[str, str]]) -> tuple[float | None, float | None]:
    """(Δ test, Δ val) in pp from metrics rows of one scenario (see the module docstring)."""
    ordered = sorted(rows, key=_epoch)
    d_test = None
    for row in ordered:
        d = _pp(_num(row.get("test_acc")), _num(row.get("baseline_test_acc")))
        if d is not None:
            d_test = d
    d_val = None
    baseline_phase = {_epoch(r): _num(r.get("val_acc")) for r in ordered
                      if r.get("phase") == "baseline"}
    for row in ordered:
        if row.get("phase") == "baseline":
            continue
        acc = _num(row.get("val_acc"))
        base = _num(row.get("baseline_val_acc"))
        if base is None and row.get("phase") == "hill":
            base = baseline_phase.get(_epoch(row))
        d = _pp(acc, base)
        if d is not None:
            d_val = d
    return d_test, d_val


def with_adaptive(name: str, adaptive: str | None) -> str:
    """A group label: `separate`, or `separate+shadow_gate` for a run with an adaptive α, so
    fixed and adaptive runs of one sweep are separate rows."""
    return name if adaptive in (None, "", "off") else f"{name}+{adaptive}"


def split_label(label: str) -> tuple[str, str]:
    """(strategy, adaptive mode or "") of a `with_adaptive` label."""
    name, _, mode = label.partition("+")
    return name, mode


def _kind(strategy: str, default: str) -> str:
    base = split_label(strategy)[0]
    return "control" if base in CONTROLS or base == TWIN else default


def read_run(folder: Path) -> list[RunDelta]:
    """The run(s) in one folder: one per scenario of a study session, else one."""
    summary_path, metrics_path = folder / "summary.json", folder / "metrics.csv"
    summary = _read_summary(summary_path) if summary_path.is_file() else {}
    rows = _read_metrics(metrics_path) if metrics_path.is_file() else []
    seed_raw = summary.get("seed")
    seed = int(seed_raw) if isinstance(seed_raw, (int, float)) else None
    if summary:
        strategy = with_adaptive(str(summary.get("strategy") or summary.get("participant")
                                     or folder.name), summary.get("adaptive"))
        scene = str(summary.get("scenario") or Path(str(summary.get("scene") or "")).stem
                    or folder.parent.name)
        d_test = _num(summary.get("delta_test_pp"))
        if d_test is None:
            d_test = _pp(_num(summary.get("test_acc")), _num(summary.get("baseline_test_acc")))
        d_val = _num(summary.get("delta_val_pp"))
        if d_val is None:
            d_val = _pp(_num(summary.get("val_acc")), _num(summary.get("baseline_val_acc")))
        if rows and (d_test is None or d_val is None):
            m_test, m_val = deltas_from_metrics(rows)
            d_test = m_test if d_test is None else d_test
            d_val = m_val if d_val is None else d_val
        runs = [RunDelta(folder, scene, strategy, _kind(strategy, "strategy"), seed,
                         d_test, d_val)]
        twin_test = _num(summary.get("delta_test_alpha_only_pp"))
        twin_val = _pp(_num(summary.get("alpha_only_val_acc")),
                       _num(summary.get("baseline_val_acc")))
        if twin_test is not None or twin_val is not None:
            runs.append(RunDelta(folder, scene, with_adaptive(TWIN, summary.get("adaptive")),
                                 "control", seed, twin_test, twin_val))
        return runs
    by_scenario: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_scenario.setdefault(row.get("scenario") or folder.parent.name, []).append(row)
    runs = []
    for scene, group in by_scenario.items():
        who = next((r[k] for r in group for k in ("strategy", "participant") if r.get(k)),
                   folder.name)
        kind = "strategy" if any(r.get("strategy") for r in group) else "participant"
        d_test, d_val = deltas_from_metrics(group)
        runs.append(RunDelta(folder, scene, who, _kind(who, kind), seed, d_test, d_val))
    return runs


def collect(dirs: Iterable[str | Path]) -> list[RunDelta]:
    """Every run under `dirs` that has at least one Δ; HillError when none has."""
    dirs = list(dirs)
    runs = [r for folder in find_run_folders(dirs) for r in read_run(folder)]
    runs = [r for r in runs if r.delta_test_pp is not None or r.delta_val_pp is not None]
    # Every strategy's run of a seed carries an α-only twin from the same start: count each
    # (scene, seed) once, or n would grow with the number of strategies.
    # Where `alpha_only` itself was run, its rows already are that control: no twin row.
    # The twin's α is the run's α in force, so each adaptive mode has its own twin row.
    seen: set[tuple[str, str, int | None]] = set()
    ran_alpha_only = {(r.scene, with_adaptive(TWIN, split_label(r.strategy)[1])) for r in runs
                      if split_label(r.strategy)[0] == "alpha_only"}
    kept = []
    for r in runs:
        if split_label(r.strategy)[0] == TWIN:
            key = (r.scene, r.strategy, r.seed)
            if r.seed is None or key in seen or (r.scene, r.strategy) in ran_alpha_only:
                continue
            seen.add(key)
        kept.append(r)
    runs = kept
    if not runs:
        raise HillError(
            f"{', '.join(map(str, dirs))}: no run with a baseline to compare against "
            "(need delta_*_pp in summary.json or val_acc + baseline_val_acc in metrics.csv)"
        )
    return runs


def group_rows(runs: Sequence[RunDelta]) -> list[GroupRow]:
    """One row per (scene, strategy): strategies/participants first, then controls."""
    groups: dict[tuple[str, str, str], list[RunDelta]] = {}
    for r in runs:
        groups.setdefault((r.scene, r.strategy, r.kind), []).append(r)

    def order(key: tuple[str, str, str]) -> tuple[str, int, int, str]:
        scene, strategy, kind = key
        base = split_label(strategy)[0]
        control = (CONTROLS + (TWIN,)).index(base) if base in CONTROLS + (TWIN,) else -1
        return (scene, kind == "control", control, strategy)

    rows = []
    for key in sorted(groups, key=order):
        members = groups[key]
        seeds = tuple(sorted({r.seed for r in members if r.seed is not None}))
        rows.append(GroupRow(
            scene=key[0], strategy=key[1], kind=key[2], n=len(members),
            test=summarise([r.delta_test_pp for r in members if r.delta_test_pp is not None]),
            val=summarise([r.delta_val_pp for r in members if r.delta_val_pp is not None]),
            seeds=seeds,
        ))
    return rows


# ---- output ----------------------------------------------------------------------------


def _cell(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def write_compare_csv(rows: Sequence[GroupRow], path: str | Path) -> Path:
    """compare.csv: one line per group, Δ in percentage points, empty cells where undefined."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_FIELDS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            line: dict[str, Any] = {"scene": row.scene, "strategy": row.strategy,
                                    "kind": row.kind, "n": row.n,
                                    "seeds": " ".join(map(str, row.seeds))}
            for name, s in (("test", row.test), ("val", row.val)):
                line[f"delta_{name}_mean"] = _cell(s.mean)
                line[f"delta_{name}_ci_low"] = _cell(s.ci_low)
                line[f"delta_{name}_ci_high"] = _cell(s.ci_high)
                line[f"delta_{name}_sd"] = _cell(s.sd)
                line[f"n_{name}"] = s.n
            writer.writerow(line)
    return path


def write_runs_csv(runs: Sequence[RunDelta], path: str | Path) -> Path:
    """runs.csv: every run's own Δ, for checking a group's spread by hand."""
    path = Path(path)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=RUN_FIELDS, lineterminator="\n")
        writer.writeheader()
        for r in sorted(runs, key=lambda r: (r.scene, r.strategy, r.seed or 0, str(r.folder))):
            writer.writerow({"scene": r.scene, "strategy": r.strategy, "kind": r.kind,
                             "seed": "" if r.seed is None else r.seed,
                             "delta_test_pp": _cell(r.delta_test_pp),
                             "delta_val_pp": _cell(r.delta_val_pp), "folder": str(r.folder)})
    return path


def format_table(rows: Sequence[GroupRow]) -> str:
    """The table printed by the command: Δ mean [95 % CI] (n) per metric."""
    def fmt(s: Summary) -> str:
        if s.mean is None:
            return "-"
        if s.ci_low is None or s.ci_high is None:
            return f"{s.mean:+.2f} (n={s.n})"
        return f"{s.mean:+.2f} [{s.ci_low:+.2f}, {s.ci_high:+.2f}] (n={s.n})"

    lines = [f"{'scene':<16} {'strategy':<30} {'Δ test pp':<28} Δ val pp"]
    for r in rows:
        lines.append(f"{r.scene[:16]:<16} {r.strategy[:30]:<30} {fmt(r.test):<28} {fmt(r.val)}")
    return "\n".join(lines)


def build_compare(dirs: Iterable[str | Path], out: str | Path) -> list[Path]:
    """`hill-arcade compare` core: compare.csv, runs.csv, compare.png and compare.pdf in `out`."""
    from hill_arcade.analysis.figures import forest_plot

    runs = collect(dirs)
    rows = group_rows(runs)
    out = Path(out)
    written = [write_compare_csv(rows, out / "compare.csv"), write_runs_csv(runs, out / "runs.csv")]
    written += forest_plot(rows, out / "compare")
    print(format_table(rows))
    return written


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register `compare` on the CLI's subparsers."""
    p = sub.add_parser("compare", help="Δ accuracy vs the same-seed baseline with 95%% CIs "
                                       "(compare.csv + forest plot) over run/session folders")
    p.add_argument("dirs", nargs="+", type=Path,
                   help="folders searched recursively for summary.json / metrics.csv")
    p.add_argument("--out", type=Path, default=Path("compare"),
                   help="output folder (default: ./compare)")


def cmd_compare(args: argparse.Namespace) -> int:
    """Run `compare`; prints the table, then the written paths."""
    for path in build_compare(args.dirs, args.out):
        print(path)
    return 0
