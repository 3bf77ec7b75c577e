"""Report: figure rendering from synthetic session folders and the summary CSV."""

import csv
import os
import statistics
import subprocess
import sys

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


def near(img, px, colour, radius=3, tol=12):
    """Some pixel within `radius` of `px` has `colour` (anti-aliased lines blend their edges)."""
    x0, y0 = px
    w, h = img.get_size()
    for x in range(max(0, x0 - radius), min(w, x0 + radius + 1)):
        for y in range(max(0, y0 - radius), min(h, y0 + radius + 1)):
            if all(abs(a - b) <= tol for a, b in zip(tuple(img.get_at((x, y)))[:3], colour,
                                                      strict=True)):
                return True
    return False


def test_figure_png_pdf_and_colours(tmp_path):
    sessions = load_sessions(make_sessions(tmp_path / "study"))
    assert [s.participant for s in sessions] == ["P01", "P02", "P03"]
    out = tmp_path / "fig" / "cifar10.png"
    info = render_figure(sessions, "cifar10", BASE, POINTS, out)
    assert (info.best, info.worst) == ("P01", "P03")
    assert [p.name for p in info.paths] == ["cifar10.png", "cifar10.pdf"]
    assert (tmp_path / "fig" / "cifar10.pdf").read_bytes()[:5] == b"%PDF-"
    img = pygame.image.load(str(out))
    assert img.get_width() == round(3.5 * 300)  # one paper column at 300 dpi

    def at(epoch, acc):
        return info.area.to_px(epoch, acc)

    assert near(img, at(42.5, BASE[42] + 0.2005), BEST)
    assert near(img, at(42.5, BASE[42] + 0.0505), WORST)
    assert near(img, at(42.5, BASE[42] + 0.0005), BASELINE)
    assert near(img, at(12.5, BASE[12] + 0.005), PRETRAIN)
    assert near(img, at(42.5, BASE[42] + 0.15), BAND, radius=0, tol=2)  # away from P02
    assert near(img, at(30, 0.5), INTERACTION) or near(img, at(30, 0.52), INTERACTION)
    assert not near(img, at(42.5, BASE[42] - 0.05), BAND, radius=0, tol=2)  # below the band


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
    assert near(img, info.area.to_px(40.5, BASE[40] + 0.0005), BASELINE)
    assert "baseline" in info.legend
    with pytest.raises(HillError, match="pamap2"):
        render_figure(sessions, "pamap2", None, POINTS, tmp_path / "g.png")


def test_simulate_runs_lockstep_baseline_and_test_accuracy(tmp_path):
    """A `simulate` run folder (no scenario/phase columns, summary.json): its scene names the
    figure, `baseline_val_acc` draws the baseline, test accuracy appears as end markers."""
    for seed, gain in ((0, 0.03), (1, -0.02)):
        folder = tmp_path / "sim" / "mnist1d" / f"separate_s{seed}"
        folder.mkdir(parents=True)
        lines = ["epoch,val_acc,baseline_val_acc,test_acc,baseline_test_acc"]
        lines += [f"{e},{BASE[e]},,," for e in range(1, 26)]
        lines += [f"{e},{BASE[e] + gain},{BASE[e]},," for e in range(26, 46)]
        lines += [f"45,{BASE[45] + gain},{BASE[45]},{0.7 + gain},0.7"]
        (folder / "metrics.csv").write_text("\n".join(lines) + "\n")
        (folder / "summary.json").write_text(
            f'{{"strategy": "separate", "seed": {seed}, "scene": "mnist1d"}}')
    dirs = sorted((tmp_path / "sim" / "mnist1d").iterdir())
    written = build_report(dirs, tmp_path / "rep", POINTS)
    assert [p.name for p in written] == ["mnist1d.png", "mnist1d.pdf", "summary.csv"]
    sessions = load_sessions(dirs)
    assert [s.participant for s in sessions] == ["separate s0", "separate s1"]
    info = render_figure(sessions, "mnist1d", None, POINTS, tmp_path / "m.png")
    assert (info.best, info.worst) == ("separate s0", "separate s1")
    assert "baseline" in info.legend and "test accuracy (end)" in info.legend
    img = pygame.image.load(str(tmp_path / "m.png"))
    assert near(img, info.area.to_px(46.5, 0.73), BEST)  # the best run's test accuracy


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
    assert [p.name for p in written] == ["cifar10.png", "cifar10.pdf", "summary.csv"]
    assert pygame.image.load(str(written[0])).get_width() == 1050
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
    with_base = render_figure(sessions, "cifar10", BASE, POINTS, tmp_path / "a.png").legend
    without = render_figure(sessions, "cifar10", None, POINTS, tmp_path / "b.png").legend
    assert "baseline" in with_base
    assert "baseline" not in without
    assert {"pretraining", "best (P01)", "worst (P03)", "interaction point"} <= set(without)
    assert "test accuracy (end)" not in without  # no test accuracy stored


def test_report_command_subprocess(tmp_path):
    """`hill-arcade report` as a user runs it: paths printed, exit 0; a bad folder: exit 2."""
    dirs = make_sessions(tmp_path / "sessions")
    out = tmp_path / "rep"
    result = subprocess.run([sys.executable, "-m", "hill_arcade", "report", *map(str, dirs),
                             "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(out / n) for n in
                                     ("cifar10.png", "cifar10.pdf", "summary.csv")]
    result = subprocess.run([sys.executable, "-m", "hill_arcade", "report", str(tmp_path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip() == f"hill-arcade: error: {tmp_path}: no metrics.csv or " \
                                    "questionnaires.csv in this folder"
