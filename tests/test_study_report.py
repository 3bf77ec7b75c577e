"""Report: figure rendering from synthetic session folders and the summary CSV."""

import csv
import os
import statistics

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

import pygame  # noqa: E402
import pytest  # noqa: E402

from hill_arcade.errors import HillError  # noqa: E402
from hill_arcade.study.report import (  # noqa: E402
    BAND,
    BASELINE,
    BEST,
    INTERACTION,
    PRETRAIN,
    WORST,
    build_report,
    load_sessions,
    render_figure,
    summary_rows,
    write_summary_csv,
)
from hill_arcade.study.session import StudySession  # noqa: E402

POINTS = [25, 30, 35, 40]
BASE = {e: 0.40 + 0.01 * e for e in range(1, 26)} | {e: 0.65 + 0.001 * (e - 25)
                                                     for e in range(26, 46)}


def answers(umux, tlx, vas):
    a = {"umux_1": umux[0], "umux_2": umux[1]}
    a.update(zip(("tlx_mental", "tlx_physical", "tlx_temporal", "tlx_performance",
                  "tlx_effort", "tlx_frustration"), tlx, strict=True))
    a.update({f"q{i}": vas for i in range(1, 8)})
    return a


def make_sessions(root):
    """Three participants on cifar10: P01 best (+0.2), P02 middle, P03 worst (+0.05)."""
    gains = {"P01": 0.20, "P02": 0.10, "P03": 0.05}
    qs = {"P01": answers((6, 5), (10, 2, 3, 8, 12, 5), 80.0),
          "P02": answers((7, 7), (4, 0, 0, 2, 4, 0), 50.0),
          "P03": answers((4, 4), (20, 10, 10, 10, 10, 10), 20.0)}
    dirs = []
    for p, gain in gains.items():
        s = StudySession.create(root, p, scenarios=["cifar10"])
        for e in range(1, 26):
            s.log_metrics("cifar10", "pretrain", e, BASE[e])
        for e in range(26, 46):
            s.log_metrics("cifar10", "hill", e, BASE[e] + gain)
        s.end_scenario_early("synthetic")
        s.complete_questionnaire(qs[p])
        s.close()
        dirs.append(root / p)
    return dirs


def test_figure_png_size_and_colours(tmp_path):
    sessions = load_sessions(make_sessions(tmp_path / "study"))
    assert [s.participant for s in sessions] == ["P01", "P02", "P03"]
    out = tmp_path / "fig" / "cifar10.png"
    info = render_figure(sessions, "cifar10", BASE, POINTS, out, size=(900, 500))
    assert (info.best, info.worst) == ("P01", "P03")
    img = pygame.image.load(str(out))
    assert img.get_size() == (900, 500)

    def colour(epoch, acc):
        return tuple(img.get_at(info.area.to_px(epoch, acc)))[:3]

    mid = lambda e, gain: BASE[e] + gain + 0.0005  # noqa: E731  (segment midpoint e..e+1)
    assert colour(42.5, mid(42, 0.20)) == BEST
    assert colour(42.5, mid(42, 0.05)) == WORST
    assert colour(42.5, mid(42, 0.0)) == BASELINE
    assert colour(12.5, BASE[12] + 0.005) == PRETRAIN
    assert colour(42.5, mid(42, 0.15)) == BAND  # between best and worst, away from P02
    x, _ = info.area.to_px(30, 0.5)
    column = {tuple(img.get_at((x, y)))[:3] for y in range(info.area.top, info.area.top + 60)}
    assert INTERACTION in column


def test_figure_uses_session_baseline_rows(tmp_path):
    dirs = make_sessions(tmp_path / "study")
    b = StudySession.create(tmp_path / "study", "B00", scenarios=["cifar10"])
    for e in range(26, 46):
        b.log_metrics("cifar10", "baseline", e, BASE[e])
    b.close()
    sessions = load_sessions(dirs)
    baseline_only = load_sessions([tmp_path / "study" / "B00"])
    info = render_figure(sessions + baseline_only, "cifar10", None, POINTS, tmp_path / "f.png")
    img = pygame.image.load(str(tmp_path / "f.png"))
    assert img.get_size() == (960, 540)
    px = info.area.to_px(40.5, BASE[40] + 0.0005)
    assert tuple(img.get_at(px))[:3] == BASELINE
    with pytest.raises(HillError, match="pamap2"):
        render_figure(sessions, "pamap2", None, POINTS, tmp_path / "g.png")


def test_summary_csv_values(tmp_path):
    sessions = load_sessions(make_sessions(tmp_path / "study"))
    rows = summary_rows(sessions)
    assert [r["scenario"] for r in rows] == ["cifar10", "all"]
    row = rows[0]
    assert row["n"] == 3
    sus = [0.65 * 75 + 22.9, 0.65 * 100 + 22.9, 0.65 * 50 + 22.9]
    assert row["sus_parity_mean"] == pytest.approx(statistics.fmean(sus))  # 71.65
    assert row["sus_parity_sd"] == pytest.approx(statistics.stdev(sus))
    assert row["tlx_total_mean"] == pytest.approx((40 + 10 + 70) / 3)
    assert row["tlx_mental_mean"] == pytest.approx(34 / 3)
    assert row["q5_mean"] == pytest.approx(50.0)
    assert row["q5_sd"] == pytest.approx(30.0)
    path = write_summary_csv(rows, tmp_path / "summary.csv")
    with open(path, newline="") as f:
        written = list(csv.DictReader(f))
    assert written[0]["scenario"] == "cifar10"
    assert float(written[0]["sus_parity_mean"]) == pytest.approx(71.65)
    assert float(written[0]["tlx_total_sd"]) == pytest.approx(statistics.stdev([40, 10, 70]))


def test_load_sessions_refuses_non_session_folder(tmp_path):
    with pytest.raises(HillError, match="no metrics.csv"):
        load_sessions([tmp_path])


def test_build_report_with_train_baseline_csv(tmp_path):
    dirs = make_sessions(tmp_path / "study")
    train_csv = tmp_path / "baseline" / "metrics.csv"
    train_csv.parent.mkdir()
    lines = ["epoch,val_acc,macro_f1"] + [f"{e},{a},0.5" for e, a in sorted(BASE.items())]
    train_csv.write_text("\n".join(lines) + "\n")
    written = build_report(dirs, tmp_path / "report", POINTS, {"cifar10": train_csv})
    assert [p.name for p in written] == ["cifar10.png", "summary.csv"]
    assert pygame.image.load(str(written[0])).get_size() == (960, 540)
    with pytest.raises(HillError, match="not found"):
        build_report(dirs, tmp_path / "r2", POINTS, {"cifar10": tmp_path / "nope.csv"})


def test_report_command_writes_figure_and_summary(tmp_path, capsys):
    from hill_arcade.cli import main

    dirs = make_sessions(tmp_path / "sessions")
    out = tmp_path / "report"
    assert main(["report", *map(str, dirs), "--out", str(out)]) == 0
    figure = pygame.image.load(str(out / "cifar10.png"))
    assert figure.get_width() > 400
    rows = list(csv.DictReader((out / "summary.csv").open()))
    assert any(r["scenario"] == "cifar10" for r in rows)
    assert main(["report", str(dirs[0]), "--baseline", "nonsense"]) == 2
    assert "--baseline: expected SCENARIO=PATH" in capsys.readouterr().err


def test_legend_lists_only_what_is_drawn(tmp_path):
    """Without a baseline there is no baseline curve, so no baseline legend entry either."""
    sessions = load_sessions(make_sessions(tmp_path / "study"))

    def legend_colours(baseline):
        out = tmp_path / "legend.png"
        info = render_figure(sessions, "cifar10", baseline, POINTS, out, size=(900, 500))
        img = pygame.image.load(str(out))
        right = info.area.left + info.area.width
        return {tuple(img.get_at((x, y)))[:3] for x in range(right + 16, right + 42)
                for y in range(info.area.top, info.area.top + 200)}

    assert BASELINE in legend_colours(BASE)
    without = legend_colours(None)
    assert BASELINE not in without and {PRETRAIN, BEST, WORST} <= without
