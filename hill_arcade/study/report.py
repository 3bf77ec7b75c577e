"""`hill-arcade report`: load study sessions, draw a Figure-5-style plot, summarise questionnaires.

The figure is drawn with pygame on an offscreen Surface (matplotlib is not a runtime dependency).
"""

from __future__ import annotations

import csv
import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hill_arcade.errors import HillError
from hill_arcade.eventlog import read_csv
from hill_arcade.study.questionnaires import TLX_ITEMS, VAS_ITEMS

Curve = list[tuple[int, float]]

WHITE = (255, 255, 255)
BLACK = (0, 0, 0)
AXIS = (60, 60, 60)
GRID = (232, 232, 232)
BAND = (211, 211, 211)  # light grey: range between best and worst participant
PARTICIPANT = (150, 150, 150)
PRETRAIN = (64, 64, 64)  # dark grey: pretraining phase
BASELINE = (31, 119, 180)
BEST = (44, 160, 44)
WORST = (255, 127, 14)
INTERACTION = (214, 39, 40)


@dataclass
class SessionData:
    """One session folder's metrics and questionnaire rows."""

    folder: Path
    participant: str
    metrics: list[dict[str, str]] = field(default_factory=list)
    questionnaires: list[dict[str, str]] = field(default_factory=list)

    def curve(self, scenario: str, phases: Iterable[str] = ("pretrain", "hill")) -> Curve:
        """(epoch, val_acc) sorted by epoch for these phases; the last row per epoch wins."""
        wanted = set(phases)
        points: dict[int, float] = {}
        for row in self.metrics:
            if row.get("scenario") == scenario and row.get("phase") in wanted:
                acc = _float(row.get("val_acc"))
                if acc is not None:
                    points[int(float(row["epoch"]))] = acc
        return sorted(points.items())


def _float(value: str | None) -> float | None:
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def load_sessions(dirs: Iterable[str | Path]) -> list[SessionData]:
    """Read `metrics.csv` and `questionnaires.csv` of each session folder (either may be absent,
    not both); HillError for a folder that is missing or has neither."""
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
        participant = next((r["participant"] for r in metrics + answers
                            if r.get("participant")), folder.name)
        sessions.append(SessionData(folder, participant, metrics, answers))
    return sessions


def baseline_curve(sessions: Sequence[SessionData], scenario: str) -> Curve:
    """Mean `baseline`-phase accuracy per epoch (pretraining epochs included) over sessions."""
    sums: dict[int, list[float]] = {}
    for s in sessions:
        if not s.curve(scenario, ("baseline",)):
            continue
        for epoch, acc in s.curve(scenario, ("pretrain", "baseline")):
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


def nice_ticks(lo: float, hi: float, target: int = 6) -> list[float]:
    """Round tick values (1/2/5 x 10^k spacing) from at or below `lo` to at or above `hi`."""
    span = max(hi - lo, 1e-9)
    raw = span / max(target - 1, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw * (1 - 1e-9))
    first = math.floor(lo / step + 1e-9)
    last = math.ceil(hi / step - 1e-9)
    return [round(k * step, 10) for k in range(first, last + 1)]


@dataclass(frozen=True)
class PlotArea:
    """Maps data (epoch, accuracy) to pixels inside the axes rectangle."""

    left: int
    top: int
    width: int
    height: int
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
    """What `render_figure` drew: the plot area and who was best/worst."""

    path: Path
    area: PlotArea
    best: str | None
    worst: str | None


def _dashed_vline(surface, color, x: int, top: int, bottom: int, dash: int = 8) -> None:
    import pygame

    y = top
    while y < bottom:
        pygame.draw.line(surface, color, (x, y), (x, min(y + dash, bottom)), 2)
        y += dash * 2


def _polyline(surface, color, area: PlotArea, curve: Curve, width: int) -> None:
    import pygame

    pts = [area.to_px(e, a) for e, a in curve]
    if len(pts) >= 2:
        pygame.draw.lines(surface, color, False, pts, width)
    elif pts:
        pygame.draw.circle(surface, color, pts[0], max(width, 2))


def render_figure(sessions: Sequence[SessionData], scenario: str,
                  baseline: Curve | Mapping[int, float] | None,
                  interaction_points: Sequence[int], path: str | Path,
                  size: tuple[int, int] = (960, 540), title: str | None = None) -> FigureInfo:
    """Draw validation accuracy per epoch for `scenario` (like the paper's Figure 5) to a PNG.

    Baseline line, every participant as a thin line, best (green) and worst (orange) with the
    light grey band between them, red dashed interaction points, the pretraining part of the
    curves in dark grey. `baseline=None` uses the sessions' `baseline`-phase rows.
    """
    import pygame

    pygame.font.init()
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

    width, height = size
    margin_l, margin_r, margin_t, margin_b = 70, 190, 50, 55
    epochs = [e for e, _ in everything] + list(interaction_points)
    accs = [a for _, a in everything]
    x_ticks = nice_ticks(0, max(epochs), 8)
    lo, hi = min(accs), max(accs)
    pad = max((hi - lo) * 0.08, 0.005)
    y_ticks = nice_ticks(max(0.0, lo - pad), min(1.0, hi + pad) if hi <= 1 else hi + pad, 6)
    area = PlotArea(margin_l, margin_t, width - margin_l - margin_r, height - margin_t - margin_b,
                    (0.0, max(x_ticks[-1], max(epochs))), (y_ticks[0], y_ticks[-1]))

    surface = pygame.Surface(size)
    surface.fill(WHITE)
    font = pygame.font.Font(None, 20)
    title_font = pygame.font.Font(None, 28)
    bottom = area.top + area.height
    right = area.left + area.width

    for t in y_ticks:  # grid and y ticks
        _, y = area.to_px(0, t)
        pygame.draw.line(surface, GRID, (area.left, y), (right, y), 1)
        pygame.draw.line(surface, AXIS, (area.left - 5, y), (area.left, y), 1)
        label = font.render(f"{t:.2f}" if hi <= 1 else f"{t:g}", True, AXIS)
        surface.blit(label, (area.left - 8 - label.get_width(), y - label.get_height() // 2))
    for t in x_ticks:
        x, _ = area.to_px(t, area.y_range[0])
        pygame.draw.line(surface, AXIS, (x, bottom), (x, bottom + 5), 1)
        label = font.render(f"{t:g}", True, AXIS)
        surface.blit(label, (x - label.get_width() // 2, bottom + 8))

    best = worst = None
    if curves:
        best, worst = rank_participants(curves, pretrain_end)
        b, w = dict(curves[best]), dict(curves[worst])
        common = sorted(e for e in b if e in w and e >= pretrain_end)
        if len(common) >= 2 and best != worst:  # upper/lower envelope: no self-crossing
            upper = [area.to_px(e, max(b[e], w[e])) for e in common]
            lower = [area.to_px(e, min(b[e], w[e])) for e in reversed(common)]
            pygame.draw.polygon(surface, BAND, upper + lower)
    for p in interaction_points:
        x, _ = area.to_px(p, area.y_range[0])
        _dashed_vline(surface, INTERACTION, x, area.top, bottom)
    for name, curve in curves.items():
        if name not in (best, worst):
            _polyline(surface, PARTICIPANT, area, [pt for pt in curve if pt[0] >= pretrain_end], 1)
    _polyline(surface, BASELINE, area, [pt for pt in base if pt[0] >= pretrain_end], 3)
    if worst is not None and worst != best:
        _polyline(surface, WORST, area, [pt for pt in curves[worst] if pt[0] >= pretrain_end], 3)
    if best is not None:
        _polyline(surface, BEST, area, [pt for pt in curves[best] if pt[0] >= pretrain_end], 3)
    pre_curve = next((c for c in curves.values() if c[0][0] < pretrain_end), None)
    pre_curve = pre_curve or base
    _polyline(surface, PRETRAIN, area, [pt for pt in pre_curve if pt[0] <= pretrain_end], 3)

    pygame.draw.rect(surface, AXIS, (area.left, area.top, area.width + 1, area.height + 1), 1)
    head = title_font.render(title or f"Validation accuracy: {scenario}", True, BLACK)
    surface.blit(head, ((width - margin_r + margin_l - head.get_width()) // 2, 14))
    xlabel = font.render("epoch", True, BLACK)
    surface.blit(xlabel, (area.left + (area.width - xlabel.get_width()) // 2, bottom + 30))
    ylabel = pygame.transform.rotate(font.render("validation accuracy", True, BLACK), 90)
    surface.blit(ylabel, (8, area.top + (area.height - ylabel.get_height()) // 2))

    entries = [(PRETRAIN, "pretraining", 3)]
    if any(e >= pretrain_end for e, _ in base):  # only what the figure draws is listed
        entries.append((BASELINE, "baseline", 3))
    if best is not None:
        entries.append((BEST, f"best ({best})", 3))
    if worst is not None and worst != best:
        entries.append((WORST, f"worst ({worst})", 3))
    if len(curves) > 2:
        entries.append((PARTICIPANT, "participants", 1))
    if best is not None and worst is not None and best != worst:
        entries.append((BAND, "best-worst range", 10))
    entries.append((INTERACTION, "interaction point", 2))
    lx, ly = right + 16, area.top + 4
    for color, text, lw in entries:
        if color == INTERACTION:
            for x0 in (lx, lx + 12, lx + 24):
                pygame.draw.line(surface, color, (x0, ly + 8), (x0 + 5, ly + 8), lw)
        else:
            pygame.draw.line(surface, color, (lx, ly + 8), (lx + 26, ly + 8), lw)
        surface.blit(font.render(text, True, BLACK), (lx + 32, ly + 1))
        ly += 22

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pygame.image.save(surface, str(path))
    return FigureInfo(path, area, best, worst)


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
    """`hill-arcade report` core: `<out>/<scenario>.png` per scenario and `<out>/summary.csv`.

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
        written.append(render_figure(sessions, scenario, base, interaction_points,
                                     out / f"{scenario}.png").path)
    written.append(write_summary_csv(summary_rows(sessions), out / "summary.csv"))
    return written
