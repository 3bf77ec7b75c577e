"""`hill-arcade report`: load study sessions (or `simulate` runs), draw a Figure-5-style plot
with matplotlib (PNG + PDF, sized for one paper column), summarise questionnaires.
"""

from __future__ import annotations

import csv
import json
import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hill_arcade.analysis.figures import (
    BAND,
    BASELINE,
    BEST,
    COLUMN_WIDTH_IN,
    INTERACTION,
    PARTICIPANT,
    PRETRAIN,
    WORST,
    new_figure,
    rgb,
    save,
    styled,
)
from hill_arcade.errors import HillError
from hill_arcade.eventlog import read_csv
from hill_arcade.study.questionnaires import TLX_ITEMS, VAS_ITEMS

Curve = list[tuple[int, float]]

__all__ = ["BAND", "BASELINE", "BEST", "INTERACTION", "PARTICIPANT", "PRETRAIN", "WORST",
           "FigureInfo", "PlotArea", "SessionData", "build_report", "load_sessions",
           "render_figure", "summary_rows", "write_summary_csv"]


@dataclass
class SessionData:
    """One session folder's metrics and questionnaire rows (+ `summary.json` of a scripted run).

    Rows without a `scenario` (a `simulate` run) get the summary's scene or the parent folder's
    name; rows without a `phase` count as `hill` (the figure draws what lies before the first
    interaction point as pretraining anyway).
    """

    folder: Path
    participant: str
    metrics: list[dict[str, str]] = field(default_factory=list)
    questionnaires: list[dict[str, str]] = field(default_factory=list)
    summary: dict[str, object] = field(default_factory=dict)

    def curve(self, scenario: str, phases: Iterable[str] = ("pretrain", "hill"),
              column: str = "val_acc") -> Curve:
        """(epoch, `column`) sorted by epoch for these phases; the last row per epoch wins."""
        wanted = set(phases)
        points: dict[int, float] = {}
        for row in self.metrics:
            if row.get("scenario") == scenario and row.get("phase") in wanted:
                acc = _float(row.get(column))
                if acc is not None:
                    points[int(float(row["epoch"]))] = acc
        return sorted(points.items())

    def lockstep_baseline(self, scenario: str) -> Curve:
        """The `baseline_val_acc` column (a baseline trained beside the session), if any."""
        return self.curve(scenario, ("hill",), "baseline_val_acc")

    def test_accuracy(self, scenario: str, column: str = "test_acc") -> float | None:
        """Test accuracy at the end (`test_acc` / `baseline_test_acc`): metrics, else summary."""
        values = [v for r in self.metrics if r.get("scenario") == scenario
                  and (v := _float(r.get(column))) is not None]
        if values:
            return values[-1]
        return _float(self.summary.get(column)) if self.summary else None  # type: ignore[arg-type]


def _float(value: object) -> float | None:
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _read_summary(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise HillError(f"{path}: not readable JSON ({exc})") from None
    return data if isinstance(data, dict) else {}


def load_sessions(dirs: Iterable[str | Path]) -> list[SessionData]:
    """Read `metrics.csv`, `questionnaires.csv` and `summary.json` of each session folder
    (metrics or questionnaires must be there); HillError for a folder that is missing or has
    neither."""
    sessions = []
    for d in dirs:
        folder = Path(d)
        if not folder.is_dir():
            raise HillError(f"{folder}: not a session folder")
        metrics_path, answers_path = folder / "metrics.csv", folder / "questionnaires.csv"
        if not metrics_path.exists() and not answers_path.exists():
            raise HillError(f"{folder}: no metrics.csv or questionnaires.csv in this folder")
        metrics = read_csv(metrics_path) if metrics_path.exists() else []
        answers = read_csv(answers_path) if answers_path.exists() else []
        summary_path = folder / "summary.json"
        summary = _read_summary(summary_path) if summary_path.is_file() else {}
        scene = str(summary.get("scenario") or Path(str(summary.get("scene") or "")).stem
                    or folder.parent.name or folder.name)
        for row in metrics:
            row["scenario"] = row.get("scenario") or scene
            row["phase"] = row.get("phase") or "hill"
        participant = next((r["participant"] for r in metrics + answers
                            if r.get("participant")), None)
        if participant is None and summary.get("strategy") is not None:
            seed = summary.get("seed")
            participant = f"{summary['strategy']}" + (f" s{seed}" if seed is not None else "")
        sessions.append(SessionData(folder, participant or folder.name, metrics, answers,
                                    summary))
    return sessions


def baseline_curve(sessions: Sequence[SessionData], scenario: str) -> Curve:
    """Mean baseline accuracy per epoch over sessions: `baseline`-phase rows (with the
    pretraining epochs before them), else the lockstep `baseline_val_acc` column."""
    sums: dict[int, list[float]] = {}
    for s in sessions:
        if s.curve(scenario, ("baseline",)):
            curve = s.curve(scenario, ("pretrain", "baseline"))
        else:
            curve = s.lockstep_baseline(scenario)
        for epoch, acc in curve:
            sums.setdefault(epoch, []).append(acc)
    return sorted((e, sum(v) / len(v)) for e, v in sums.items())


def rank_participants(curves: Mapping[str, Curve], after_epoch: int) -> tuple[str, str]:
    """(best, worst) participant by final accuracy, ties broken by mean after `after_epoch`."""
    def key(name: str) -> tuple[float, float]:
        curve = curves[name]
        tail = [a for e, a in curve if e > after_epoch] or [a for _, a in curve]
        return (curve[-1][1], sum(tail) / len(tail))

    ranked = sorted(curves, key=key)
    return ranked[-1], ranked[0]


@dataclass(frozen=True)
class PlotArea:
    """Maps data (epoch, accuracy) to pixels of the saved PNG (origin top left)."""

    left: float
    top: float
    width: float
    height: float
    x_range: tuple[float, float]
    y_range: tuple[float, float]

    def to_px(self, epoch: float, acc: float) -> tuple[int, int]:
        """Pixel position of a data point."""
        (x0, x1), (y0, y1) = self.x_range, self.y_range
        x = self.left + (epoch - x0) / (x1 - x0) * self.width
        y = self.top + self.height - (acc - y0) / (y1 - y0) * self.height
        return round(x), round(y)


@dataclass(frozen=True)
class FigureInfo:
    """What `render_figure` drew: files, plot area (PNG pixels), best/worst, legend labels."""

    path: Path
    area: PlotArea
    best: str | None
    worst: str | None
    legend: tuple[str, ...] = ()
    paths: tuple[Path, ...] = ()


def _after(curve: Curve, start: int) -> Curve:
    return [pt for pt in curve if pt[0] >= start]


def _xy(curve: Curve) -> tuple[list[int], list[float]]:
    return [e for e, _ in curve], [a for _, a in curve]


def render_figure(sessions: Sequence[SessionData], scenario: str,
                  baseline: Curve | Mapping[int, float] | None,
                  interaction_points: Sequence[int], path: str | Path,
                  width_in: float = COLUMN_WIDTH_IN, height_in: float = 2.6,
                  title: str | None = None) -> FigureInfo:
    """Validation accuracy per epoch for `scenario`, like the paper's Figure 5 (PNG + PDF).

    Pretraining in dark grey, every participant as a thin grey line, best (green) and worst
    (orange) with the light grey band between them, red dashed interaction points, the
    baseline (blue) when there is one, and test accuracy at the end (diamonds right of the last
    epoch) when the sessions stored it. `baseline=None` uses the sessions' own baseline rows.
    `path` names the PNG; the PDF is written beside it.
    """
    if baseline is None:
        base = baseline_curve(sessions, scenario)
    elif isinstance(baseline, Mapping):
        base = sorted((int(e), float(a)) for e, a in baseline.items())
    else:
        base = sorted((int(e), float(a)) for e, a in baseline)
    curves = {s.participant: s.curve(scenario) for s in sessions}
    curves = {p: c for p, c in curves.items() if c}
    pretrain_end = min(interaction_points) if interaction_points else 0
    for s in sessions:
        pre = s.curve(scenario, ("pretrain",))
        if pre:
            pretrain_end = max(pretrain_end, pre[-1][0])
    everything = [pt for c in curves.values() for pt in c] + base
    if not everything:
        raise HillError(f"no validation accuracy for scenario '{scenario}' in the given sessions")
    last_epoch = max(e for e, _ in everything)
    tests = {s.participant: t for s in sessions
             if s.participant in curves and (t := s.test_accuracy(scenario)) is not None}
    base_tests = [t for s in sessions
                  if (t := s.test_accuracy(scenario, "baseline_test_acc")) is not None]

    best = worst = None
    if curves:
        best, worst = rank_participants(curves, pretrain_end)
    legend: list[str] = []
    with styled():
        fig = new_figure(width_in, height_in)
        ax = fig.add_subplot()
        if best is not None and worst is not None and best != worst:
            b, w = dict(curves[best]), dict(curves[worst])
            common = sorted(e for e in b if e in w and e >= pretrain_end)
            if len(common) >= 2:
                ax.fill_between(common, [min(b[e], w[e]) for e in common],
                                [max(b[e], w[e]) for e in common], color=rgb(BAND), lw=0,
                                zorder=1, label="best-worst range")
        for i, p in enumerate(interaction_points):
            ax.axvline(p, color=rgb(INTERACTION), lw=0.9, ls=(0, (4, 3)), zorder=2,
                       label="interaction point" if i == 0 else None)
        others = [n for n in curves if n not in (best, worst)]
        for i, name in enumerate(others):
            ax.plot(*_xy(_after(curves[name], pretrain_end)), color=rgb(PARTICIPANT), lw=0.6,
                    zorder=3, label="participants" if i == 0 and len(curves) > 2 else None)
        shown_base = _after(base, pretrain_end)
        start = next((pt for c in curves.values() for pt in c if pt[0] == pretrain_end), None)
        if shown_base and start is not None and shown_base[0][0] > pretrain_end:
            shown_base = [start, *shown_base]  # a lockstep baseline starts where edits start
        if shown_base:  # only what the figure draws is listed
            ax.plot(*_xy(shown_base), color=rgb(BASELINE), lw=1.4, zorder=4, label="baseline")
        if worst is not None and worst != best:
            ax.plot(*_xy(_after(curves[worst], pretrain_end)), color=rgb(WORST), lw=1.4,
                    zorder=5, label=f"worst ({worst})")
        if best is not None:
            ax.plot(*_xy(_after(curves[best], pretrain_end)), color=rgb(BEST), lw=1.4,
                    zorder=6, label=f"best ({best})")
        pre_curve = next((c for c in curves.values() if c[0][0] < pretrain_end), None) or base
        pre_curve = [pt for pt in pre_curve if pt[0] <= pretrain_end]
        if pre_curve:
            ax.plot(*_xy(pre_curve), color=rgb(PRETRAIN), lw=1.4, zorder=6, label="pretraining")
        if tests or base_tests:
            x_test = last_epoch + 1.5
            for name, acc in tests.items():
                color = BEST if name == best else WORST if name == worst else PARTICIPANT
                ax.plot([x_test], [acc], marker="D", ms=3, color=rgb(color), lw=0, zorder=7)
            if base_tests:
                ax.plot([x_test + 0.8], [statistics.fmean(base_tests)], marker="D", ms=3,
                        color=rgb(BASELINE), lw=0, zorder=7)
            ax.plot([], [], marker="D", ms=3, color=rgb(PRETRAIN), lw=0,
                    label="test accuracy (end)")
        ax.set_xlim(0, last_epoch + (3 if tests or base_tests else 1))
        ax.set_xlabel("epoch")
        ax.set_ylabel("validation accuracy")
        ax.set_title(title or f"Validation accuracy: {scenario}", pad=4)
        ax.grid(axis="y", color=rgb((232, 232, 232)), lw=0.5, zorder=0)
        handles, labels = ax.get_legend_handles_labels()
        order = sorted(range(len(labels)), key=lambda i: _LEGEND_ORDER.get(
            labels[i].split(" (")[0], 99))
        legend = [labels[i] for i in order]
        fig.legend([handles[i] for i in order], legend, loc="outside lower center", ncols=3,
                   frameon=False, handlelength=1.8, columnspacing=1.0)
        png = Path(path)
        paths = save(fig, png.with_suffix(""))
        area = _plot_area(fig, ax)
    return FigureInfo(paths[0], area, best, worst, tuple(legend), tuple(paths))


_LEGEND_ORDER = {"pretraining": 0, "baseline": 1, "best": 2, "worst": 3, "participants": 4,
                 "best-worst range": 5, "interaction point": 6, "test accuracy": 7}


def _plot_area(fig, ax) -> PlotArea:
    """The axes rectangle in PNG pixels (the PNG is saved at the figure's dpi, untrimmed)."""
    box = ax.get_window_extent()
    height = fig.bbox.height
    return PlotArea(box.x0, height - box.y1, box.width, box.height, ax.get_xlim(),
                    ax.get_ylim())


SUMMARY_MEASURES = ("sus_parity", "umux_lite", *TLX_ITEMS, "tlx_total", *VAS_ITEMS)


def _mean_sd(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    sd = statistics.stdev(values) if len(values) > 1 else None
    return statistics.fmean(values), sd


def summary_rows(sessions: Sequence[SessionData],
                 scenarios: Sequence[str] | None = None) -> list[dict[str, object]]:
    """Per scenario (then "all"): n and mean/sd (sample sd) of every questionnaire measure."""
    rows = [r for s in sessions for r in s.questionnaires]
    if scenarios is None:
        scenarios = list(dict.fromkeys(r["scenario"] for r in rows))
    out = []
    for scenario in [*scenarios, "all"]:
        group = [r for r in rows if scenario == "all" or r["scenario"] == scenario]
        row: dict[str, object] = {"scenario": scenario, "n": len(group)}
        for m in SUMMARY_MEASURES:
            mean, sd = _mean_sd([v for r in group if (v := _float(r.get(m))) is not None])
            row[f"{m}_mean"], row[f"{m}_sd"] = mean, sd
        out.append(row)
    return out


def write_summary_csv(rows: Sequence[Mapping[str, object]], path: str | Path) -> Path:
    """Write `summary_rows()` output as CSV (empty cells for undefined sd)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fields = ["scenario", "n"] + [f"{m}_{s}" for m in SUMMARY_MEASURES for s in ("mean", "sd")]
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if row.get(k) is None else row.get(k) for k in fields})
    return path


def scenarios_in(sessions: Sequence[SessionData]) -> list[str]:
    """Scenario names in the sessions' metrics and questionnaires, in first-seen order."""
    names = [r.get("scenario", "") for s in sessions for r in s.metrics + s.questionnaires]
    return [n for n in dict.fromkeys(names) if n]


def build_report(dirs: Iterable[str | Path], out: str | Path,
                 interaction_points: Sequence[int] = (25, 30, 35, 40),
                 baselines: Mapping[str, str | Path] | None = None) -> list[Path]:
    """`hill-arcade report` core: `<out>/<scenario>.png` + `.pdf` per scenario and
    `<out>/summary.csv`.

    `baselines` maps a scenario to a `hill-arcade train` metrics.csv of the uninterrupted run;
    without one, the sessions' `baseline`-phase rows are used.
    """
    from hill_arcade.study.session import read_train_metrics

    sessions = load_sessions(dirs)
    out = Path(out)
    written = []
    for scenario in scenarios_in(sessions):
        source = (baselines or {}).get(scenario)
        if source is not None and not Path(source).is_file():
            raise HillError(f"{source}: baseline metrics.csv for '{scenario}' not found")
        base = read_train_metrics(source) if source is not None else None
        if not any(s.curve(scenario) for s in sessions) and not base:
            continue
        written.extend(render_figure(sessions, scenario, base, interaction_points,
                                     out / f"{scenario}.png").paths)
    written.append(write_summary_csv(summary_rows(sessions), out / "summary.csv"))
    return written
