"""`hill-arcade compare`: paired Δ vs the same-seed baseline, 95 % t CIs, CSV + forest plot."""

import csv
import json
import statistics
import subprocess
import sys

import pytest
from scipy import stats

from hill_arcade.analysis.compare import collect, group_rows, summarise
from hill_arcade.errors import HillError

SEPARATE_TEST = [-1.0, 0.5, -2.0, 0.0, -1.5]  # Δ test pp per seed
NULL_TEST = [0.2, -0.3, 0.1, 0.0, -0.4]


def write_run(root, strategy, seed, d_test, d_val, scene="mnist1d"):
    """A folder as `hill-arcade simulate` writes it: summary.json + metrics.csv."""
    folder = root / scene / strategy / f"seed_{seed}"
    folder.mkdir(parents=True)
    (folder / "summary.json").write_text(json.dumps({
        "strategy": strategy, "seed": seed, "scene": scene,
        "delta_test_pp": d_test, "delta_val_pp": d_val}))
    (folder / "metrics.csv").write_text("epoch,val_acc,baseline_val_acc\n25,0.9,0.9\n")
    return folder


def make_sim(root):
    for seed, (a, b) in enumerate(zip(SEPARATE_TEST, NULL_TEST, strict=True)):
        write_run(root, "separate", seed, a, a / 2)
        write_run(root, "null", seed, b, 0.0)
        write_run(root, "alpha_only", seed, 1.0, 2.0)
    return root


def ci(values):
    n = len(values)
    half = stats.t.ppf(0.975, n - 1) * statistics.stdev(values) / n ** 0.5
    m = statistics.fmean(values)
    return m, m - half, m + half


def test_summarise_matches_scipy_t_interval():
    s = summarise(SEPARATE_TEST)
    m, lo, hi = ci(SEPARATE_TEST)
    assert (s.n, s.mean, s.ci_low, s.ci_high) == (5, pytest.approx(m), pytest.approx(lo),
                                                  pytest.approx(hi))
    one = summarise([1.5])
    assert (one.n, one.mean, one.ci_low, one.sd) == (1, 1.5, None, None)
    assert summarise([]).mean is None


def test_groups_order_controls_last(tmp_path):
    rows = group_rows(collect([make_sim(tmp_path / "sim")]))
    assert [(r.strategy, r.kind, r.n) for r in rows] == [
        ("separate", "strategy", 5), ("null", "control", 5), ("alpha_only", "control", 5)]
    assert rows[0].seeds == (0, 1, 2, 3, 4)
    assert rows[0].val.mean == pytest.approx(statistics.fmean(SEPARATE_TEST) / 2)
    assert rows[2].test.sd == 0.0


def test_deltas_from_metrics_and_study_sessions(tmp_path):
    """No summary.json: Δ val from the last epoch with both columns, Δ test from the end row;
    a study session pairs its hill rows with the baseline-phase row of the same epoch."""
    run = tmp_path / "runs" / "digits" / "r1"
    run.mkdir(parents=True)
    run.joinpath("metrics.csv").write_text(
        "epoch,strategy,val_acc,baseline_val_acc,test_acc,baseline_test_acc\n"
        "26,compact,0.80,0.79,,\n"
        "30,compact,0.85,0.82,,\n"
        "30,compact,,,0.90,0.91\n")
    study = tmp_path / "study" / "P07"
    study.mkdir(parents=True)
    study.joinpath("metrics.csv").write_text(
        "t,participant,scenario,phase,epoch,val_acc,val_loss,train_loss\n"
        "1,P07,cifar10,pretrain,25,0.60,,\n"
        "2,P07,cifar10,hill,30,0.66,,\n"
        "3,P07,cifar10,baseline,30,0.65,,\n")
    runs = {r.strategy: r for r in collect([tmp_path / "runs", tmp_path / "study"])}
    assert runs["compact"].delta_val_pp == pytest.approx(3.0)
    assert runs["compact"].delta_test_pp == pytest.approx(-1.0)
    assert runs["compact"].scene == "digits"
    assert runs["P07"].kind == "participant" and runs["P07"].scene == "cifar10"
    assert runs["P07"].delta_val_pp == pytest.approx(1.0)
    assert runs["P07"].delta_test_pp is None


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "hill_arcade", *map(str, args)],
                          capture_output=True, text=True, timeout=120)


def test_compare_command_writes_csv_and_figures(tmp_path):
    sim = make_sim(tmp_path / "sim")
    out = tmp_path / "C"
    result = run_cli("compare", sim, "--out", out)
    assert result.returncode == 0, result.stderr
    assert "separate" in result.stdout and "alpha_only" in result.stdout
    with (out / "compare.csv").open(newline="") as f:
        rows = {r["strategy"]: r for r in csv.DictReader(f)}
    for col in ("strategy", "n", "delta_test_mean", "delta_test_ci_low", "delta_test_ci_high",
                "delta_val_mean", "delta_val_ci_low", "delta_val_ci_high"):
        assert col in rows["separate"]
    m, lo, hi = ci(SEPARATE_TEST)
    assert float(rows["separate"]["delta_test_mean"]) == pytest.approx(m, abs=1e-4)
    assert float(rows["separate"]["delta_test_ci_low"]) == pytest.approx(lo, abs=1e-4)
    assert float(rows["separate"]["delta_test_ci_high"]) == pytest.approx(hi, abs=1e-4)
    assert rows["separate"]["n"] == "5" and rows["null"]["kind"] == "control"
    assert len(list(csv.DictReader((out / "runs.csv").open()))) == 15
    png = (out / "compare.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "compare.pdf").read_bytes()[:5] == b"%PDF-"


def test_compare_forest_plot_pixels(tmp_path):
    """The figure draws the strategy's CI in the strategy colour and controls in grey."""
    import numpy as np
    from matplotlib.image import imread

    from hill_arcade.analysis.figures import CONTROL, STRATEGY, forest_plot

    rows = group_rows(collect([make_sim(tmp_path / "sim")]))
    png, pdf = forest_plot(rows, tmp_path / "fig")
    img = (imread(png)[..., :3] * 255).round().astype(int)
    assert img.shape[1] == round(3.5 * 300)  # one paper column at 300 dpi

    def present(colour):
        return bool(np.any(np.all(np.abs(img - np.array(colour)) <= 2, axis=-1)))

    assert present(STRATEGY) and present(CONTROL)


def test_fixed_and_adaptive_runs_are_separate_rows_and_colours(tmp_path):
    """`simulate --adaptive off,shadow_gate`: the same strategy twice, each with its own
    α-only twin row; the figure widens to two columns and colours the adaptive row."""
    import numpy as np
    from matplotlib.image import imread

    from hill_arcade.analysis.figures import ADAPTIVE, STRATEGY, forest_plot

    for seed in range(3):
        for mode, d in (("off", -5.0 + seed), ("shadow_gate", -0.5 + seed / 4)):
            folder = write_run(tmp_path / mode, "separate", seed, d, d)
            data = json.loads((folder / "summary.json").read_text())
            data.update(adaptive=mode, delta_test_alpha_only_pp=-0.7)
            (folder / "summary.json").write_text(json.dumps(data))
    rows = group_rows(collect([tmp_path]))
    assert [(r.strategy, r.kind, r.n) for r in rows] == [
        ("separate", "strategy", 3), ("separate+shadow_gate", "strategy", 3),
        ("alpha_only (twin)", "control", 3), ("alpha_only (twin)+shadow_gate", "control", 3)]
    assert rows[0].test.mean == pytest.approx(-4.0)
    assert rows[1].test.mean == pytest.approx(-0.25)
    png, _ = forest_plot(rows, tmp_path / "fig")
    img = (imread(png)[..., :3] * 255).round().astype(int)
    assert img.shape[1] == round(7.0 * 300)  # long labels: both columns of a paper

    def present(colour):
        return bool(np.any(np.all(np.abs(img - np.array(colour)) <= 2, axis=-1)))

    assert present(STRATEGY) and present(ADAPTIVE["shadow_gate"])
    assert not present(ADAPTIVE["grad_agree"])


def test_compare_errors_are_one_line(tmp_path):
    result = run_cli("compare", tmp_path / "missing")
    assert result.returncode == 2
    assert result.stderr.strip() == f"hill-arcade: error: {tmp_path / 'missing'}: not a folder"
    (tmp_path / "empty").mkdir()
    result = run_cli("compare", tmp_path / "empty")
    assert result.returncode == 2 and "no run folders" in result.stderr
    assert "Traceback" not in result.stderr
    bad = tmp_path / "bad" / "r"
    bad.mkdir(parents=True)
    bad.joinpath("summary.json").write_text("{not json")
    result = run_cli("compare", tmp_path / "bad")
    assert result.returncode == 2 and "summary.json: not readable JSON" in result.stderr
    with pytest.raises(HillError, match="no run with a baseline"):
        nobase = tmp_path / "nobase" / "r"
        nobase.mkdir(parents=True)
        nobase.joinpath("metrics.csv").write_text("epoch,val_acc\n1,0.5\n")
        collect([tmp_path / "nobase"])


def test_alpha_only_twin_counted_once_per_seed(tmp_path):
    """simulate's summaries carry the α-only twin's Δ: one control row, n = seeds, not runs."""
    for strategy in ("separate", "compact"):
        for seed, twin in enumerate((0.5, 1.5)):
            folder = write_run(tmp_path, strategy, seed, -1.0, -0.5)
            data = json.loads((folder / "summary.json").read_text())
            data.update(scenario="mnist1d_100", scene="scenes/mnist1d_100.yaml",
                        delta_test_alpha_only_pp=twin, val_acc=0.80, baseline_val_acc=0.79,
                        alpha_only_val_acc=0.81)
            (folder / "summary.json").write_text(json.dumps(data))
    rows = group_rows(collect([tmp_path]))
    assert [(r.scene, r.strategy, r.kind, r.n) for r in rows] == [
        ("mnist1d_100", "compact", "strategy", 2), ("mnist1d_100", "separate", "strategy", 2),
        ("mnist1d_100", "alpha_only (twin)", "control", 2)]
    assert rows[2].test.mean == pytest.approx(1.0)
    assert rows[2].val.mean == pytest.approx(2.0)


def test_twin_left_out_when_alpha_only_was_run(tmp_path):
    for seed in (0, 1):
        for strategy in ("separate", "alpha_only"):
            folder = write_run(tmp_path, strategy, seed, -1.0, -0.5)
            data = json.loads((folder / "summary.json").read_text())
            data["delta_test_alpha_only_pp"] = 0.5
            (folder / "summary.json").write_text(json.dumps(data))
    assert [r.strategy for r in group_rows(collect([tmp_path]))] == ["separate", "alpha_only"]
