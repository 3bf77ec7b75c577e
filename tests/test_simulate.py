"""`hill-arcade simulate`: scripted participants through the app's path, study-format output."""

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from hill_arcade.analysis import noise, strategies
from hill_arcade.analysis.simulate import summary_table
from hill_arcade.edits import EditState
from hill_arcade.eventlog import read_csv
from hill_arcade.session_log import read_events

SMALL = """\
name: tiny digits
dataset: {{name: digits}}
hill: {{alpha: {alpha}}}
schedule: {{pretrain_epochs: 2, interaction_points: [2, 3], epochs_per_round: 1}}
display: {{per_class: 20}}
runtime: {{device: cpu, threads: 1, amp: false}}
"""


def cli(*args, cache: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "HILL_ARCADE_CACHE": str(cache), "SDL_VIDEODRIVER": "dummy"}
    return subprocess.run([sys.executable, "-m", "hill_arcade", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, env=env)


def scene_file(tmp_path: Path, alpha: float = 0.5) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(SMALL.format(alpha=alpha), encoding="utf-8")
    return path


def test_simulate_writes_study_folders_that_report_reads(tmp_path):
    scene = scene_file(tmp_path)
    out = tmp_path / "out"
    done = cli("simulate", scene, "--strategy", "separate", "--seeds", "2", "--out", out,
               cache=tmp_path / "cache")
    assert done.returncode == 0, done.stderr
    assert "separate" in done.stdout and "Δ test" in done.stdout
    assert "separate s1" in done.stderr  # the tqdm bar of each run
    for seed in (0, 1):
        run = out / f"separate-s{seed}"
        rows = read_csv(run / "metrics.csv")
        hill = [r for r in rows if r["phase"] == "hill"]
        assert [int(r["epoch"]) for r in hill] == [3, 4]  # every epoch after the first point
        assert all(r["val_acc"] and r["baseline_val_acc"] for r in hill)
        assert [int(r["epoch"]) for r in rows if r["phase"] == "pretrain"] == [1, 2]
        test = rows[-1]
        assert test["phase"] == "test" and test["test_acc"] and test["baseline_test_acc"]
        summary = json.loads((run / "summary.json").read_text())
        assert summary["strategy"] == "separate" and summary["seed"] == seed
        assert summary["delta_test_pp"] == pytest.approx(
            100 * (float(test["test_acc"]) - float(test["baseline_test_acc"])))
        types = [e["type"] for e in read_events(run / "events.jsonl")]
        assert types.count("round_start") == 2 and types.count("epoch") == 2
        assert "edit" in types and types[-2:] == ["test", "simulate_finished"]
        assert json.loads((run / "session.json").read_text())["participant"] == run.name
    # pretraining was cached per seed and is reused
    assert len(list((tmp_path / "cache" / "pretrained").iterdir())) == 2
    report = cli("report", *sorted(out.iterdir()), "--out", tmp_path / "rep", "--points", "2,3",
                 cache=tmp_path / "cache")
    assert report.returncode == 0, report.stderr
    assert (tmp_path / "rep" / "tiny.png").stat().st_size > 0


def test_null_edit_with_alpha_zero_is_the_baseline(tmp_path):
    """The lockstep check through the whole path: a no-information edit with α = 0."""
    out = tmp_path / "out"
    done = cli("simulate", scene_file(tmp_path, alpha=0.0), "--strategy", "null", "--out", out,
               cache=tmp_path / "cache")
    assert done.returncode == 0, done.stderr
    rows = read_csv(out / "null-s0" / "metrics.csv")
    hill = [r for r in rows if r["phase"] == "hill"]
    assert hill and all(r["val_acc"] == r["baseline_val_acc"] for r in hill)
    assert rows[-1]["test_acc"] == rows[-1]["baseline_test_acc"]
    summary = json.loads((out / "null-s0" / "summary.json").read_text())
    assert summary["delta_test_pp"] == 0.0 and summary["delta_val_pp"] == 0.0
    rounds = [e for e in read_events(out / "null-s0" / "events.jsonl")
              if e["type"] == "round_start"]
    assert all(r["edited"] for r in rounds)  # a human term was active (with weight 0)


def test_alpha_only_strategy_equals_the_alpha_only_twin(tmp_path):
    out = tmp_path / "out"
    done = cli("simulate", scene_file(tmp_path), "--strategy", "alpha_only", "--out", out,
               cache=tmp_path / "cache")
    assert done.returncode == 0, done.stderr
    hill = [r for r in read_csv(out / "alpha_only-s0" / "metrics.csv") if r["phase"] == "hill"]
    assert all(r["val_acc"] == r["alpha_only_val_acc"] for r in hill)


def test_adaptive_modes_run_side_by_side_from_one_start(tmp_path):
    """`--adaptive off,grad_agree`: one run per mode, the same pretrained start, the α in
    force logged per epoch (fixed: the person's α; grad_agree: at most that)."""
    out = tmp_path / "out"
    done = cli("simulate", scene_file(tmp_path), "--strategy", "separate", "--adaptive",
               "off,grad_agree", "--threads", "1", "--out", out, cache=tmp_path / "cache")
    assert done.returncode == 0, done.stderr
    fixed = json.loads((out / "separate-s0" / "summary.json").read_text())
    gated = json.loads((out / "separate+grad_agree-s0" / "summary.json").read_text())
    assert (fixed["adaptive"], gated["adaptive"]) == ("off", "grad_agree")
    assert fixed["checkpoint"] == gated["checkpoint"]
    for run, check in (("separate-s0", lambda a: a == 0.5),
                       ("separate+grad_agree-s0", lambda a: 0.0 <= a <= 0.5)):
        hill = [r for r in read_csv(out / run / "metrics.csv") if r["phase"] == "hill"]
        assert hill and all(check(float(r["alpha_effective"])) for r in hill)
    assert "separate+grad_agree" in done.stdout  # the table's row


def test_a_sweep_over_two_scenes_writes_one_folder_per_scene_that_compare_reads(tmp_path):
    first = scene_file(tmp_path)
    second = tmp_path / "tiny_strong.yaml"
    second.write_text(SMALL.format(alpha=0.8), encoding="utf-8")
    out = tmp_path / "out"
    done = cli("simulate", first, second, "--strategy", "compact", "--out", out,
               cache=tmp_path / "cache")
    assert done.returncode == 0, done.stderr
    for stem, alpha in (("tiny", 0.5), ("tiny_strong", 0.8)):
        summary = json.loads((out / stem / "compact-s0" / "summary.json").read_text())
        assert summary["scenario"] == stem and summary["alpha"] == alpha
    compared = cli("compare", out, "--out", tmp_path / "c", cache=tmp_path / "cache")
    assert compared.returncode == 0, compared.stderr
    rows = list(csv.DictReader((tmp_path / "c" / "compare.csv").open()))
    assert {(r["scene"], r["strategy"]) for r in rows if r["kind"] == "strategy"} == {
        ("tiny", "compact"), ("tiny_strong", "compact")}
    band = cli("simulate", first, second, "--strategy", "null", "--noise-band", "--out",
               tmp_path / "b", cache=tmp_path / "cache", timeout=60)
    assert band.returncode == 2 and "--noise-band: one scene at a time" in band.stderr


def test_bad_input_is_one_line(tmp_path):
    done = cli("simulate", scene_file(tmp_path), "--strategy", "teleport", "--out",
               tmp_path / "o", cache=tmp_path / "cache", timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "hill-arcade: error: --strategy: expected one of null, separate, compact, outliers, "
        "confusion, merge, random, alpha_only or recorded:SESSION_DIR, got 'teleport'"]
    bad_mode = cli("simulate", scene_file(tmp_path), "--strategy", "null", "--adaptive",
                   "sometimes", "--out", tmp_path / "o", cache=tmp_path / "cache", timeout=60)
    assert bad_mode.returncode == 2 and bad_mode.stderr.strip().splitlines() == [
        "hill-arcade: error: --adaptive: expected one of off, shadow_gate, grad_agree, "
        "got 'sometimes'"]
    missing = cli("simulate", tmp_path / "nope.yaml", "--strategy", "null", "--out",
                  tmp_path / "o", cache=tmp_path / "cache", timeout=60)
    assert missing.returncode == 2 and "nope.yaml: scene file not found" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_noise_band_from_null_runs_beside_the_checkpoint(tmp_path):
    cache = tmp_path / "cache"
    first = cli("simulate", scene_file(tmp_path), "--strategy", "null", "--out",
                tmp_path / "warm", cache=cache)
    assert first.returncode == 0, first.stderr
    checkpoint = next((cache / "pretrained").glob("*/epoch_002.pt"))
    done = cli("simulate", scene_file(tmp_path), "--strategy", "null,random", "--seeds", "2",
               "--checkpoint", checkpoint, "--noise-band", "--out", tmp_path / "band",
               cache=cache)
    assert done.returncode == 0, done.stderr
    band = noise.load_band(checkpoint)
    assert band is not None and band.n == 4 and band.strategies == ["null", "random"]
    assert band.band_pp == pytest.approx(1.96 * np.sqrt(np.mean(np.square(band.delta_val_pp))))
    assert band.reference_pp == pytest.approx(np.mean(band.delta_val_pp))
    assert band.spread_pp == pytest.approx(1.96 * np.std(band.delta_val_pp, ddof=1))
    assert sorted(band.by_epoch) == ["3", "4"]  # every epoch after the start (epoch 2)
    assert band.by_epoch["4"] == pytest.approx([band.reference_pp, band.spread_pp])
    assert noise.band_pp(checkpoint) == band.band_pp
    assert f"noise band: {noise.band_path(checkpoint)}" in done.stdout


def test_a_delta_is_judged_against_uninformed_edits_not_against_zero():
    band = {"band_pp": 3.0, "reference_pp": -2.0, "spread_pp": 1.0}
    assert noise.judge(-1.5, band) == noise.Verdict(
        "like", "like uninformed edits (-2.0 +- 1.0 pp)")
    assert noise.judge(-0.5, band).kind == "better"  # below the baseline, above uninformed
    assert noise.judge(-0.5, band).text == "better than uninformed edits (-2.0 +- 1.0 pp)"
    assert noise.judge(-3.5, band).kind == "worse"
    band["by_epoch"] = {"26": [-0.2, 0.5], "30": [-2.0, 1.0]}  # after one round: narrower
    assert noise.judge(-1.5, band, epoch=26).kind == "worse"
    assert noise.judge(-1.5, band, epoch=30).kind == "like"
    assert noise.judge(-1.5, band, epoch=44).kind == "like"  # past the protocol: the last
    older = {"band_pp": 0.5}  # a band file from before reference_pp: 0 ± band_pp
    assert noise.judge(0.4, older).kind == "like" and noise.judge(-0.6, older).kind == "worse"


def test_summary_table_has_student_t_intervals():
    runs = [{"strategy": "compact", "delta_test_pp": d, "delta_val_pp": 0.0} for d in (1, 2, 4)]
    row = summary_table(runs)[0]
    values = np.array([1.0, 2.0, 4.0])
    half = stats.t.ppf(0.975, 2) * values.std(ddof=1) / np.sqrt(3)
    assert row["n"] == 3 and row["delta_test_mean"] == pytest.approx(7 / 3)
    assert row["delta_test_ci95"] == pytest.approx(half)


@pytest.mark.parametrize("name", sorted(strategies.STRATEGIES))
def test_strategies_edit_through_edit_state(name):
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(3), 10)
    points = rng.normal(size=(30, 2)).astype(np.float32) + labels[:, None] * 3.0
    predictions = labels.copy()
    predictions[:3] = 1  # class 0 confused with 1
    edits = EditState(points, labels)
    applied, targets = strategies.play(name, edits, predictions, 3, rng)
    if name in ("null", "alpha_only"):
        assert applied == [] and not edits.edited and targets is not None
        assert np.isnan(targets.centers).all() == (name == "alpha_only")
    else:
        assert applied and edits.edited and targets is not None
        assert np.isfinite(targets.centers).all()
    if name == "merge":
        assert np.allclose(edits.center(0), edits.center(1), atol=1e-5)
    if name == "compact":
        assert targets.spreads[0] == pytest.approx(
            0.5 * np.linalg.norm(points[:10] - points[:10].mean(0), axis=1).mean(), rel=1e-4)


def test_the_same_sweep_on_a_local_ray_instance_gives_the_same_folders(tmp_path, monkeypatch):
    """`--executor ray` (one Ray task per run) writes what the local executor writes."""
    ray = pytest.importorskip("ray")
    from hill_arcade.analysis.simulate import run_many

    monkeypatch.setenv("HILL_ARCADE_CACHE", str(tmp_path / "cache"))
    local = run_many("digits", ["null"], [0], tmp_path / "local")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        remote = run_many("digits", ["null"], [0], tmp_path / "ray", executor="ray")
    finally:
        ray.shutdown()
    files = sorted(p.name for p in (tmp_path / "local" / "null-s0").iterdir())
    assert files == sorted(p.name for p in (tmp_path / "ray" / "null-s0").iterdir())
    assert {"summary.json", "metrics.csv", "events.jsonl", "session.json"} <= set(files)
    assert remote[0]["delta_val_pp"] == pytest.approx(local[0]["delta_val_pp"], abs=1e-9)
    assert remote[0]["test_acc"] == pytest.approx(local[0]["test_acc"], abs=1e-9)


@pytest.mark.parametrize("scene_name", ["digits", "mnist1d", "mnist1d_100"])
def test_the_bundled_scenes_default_start_ships_with_its_noise_band(scene_name, tmp_path):
    """The app's default start (the cached pretrained checkpoint) finds its band without a
    simulate run. The cache folder's hash covers the scene and the models' code: when either
    changes, measure again (README, "Did it help?") and replace the file."""
    from hill_arcade.analysis.pretrain import pretrained_folder
    from hill_arcade.config import load_scene, resolve_scene

    scene = load_scene(resolve_scene(scene_name))
    epochs = scene.schedule.pretrain_epochs
    checkpoint = tmp_path / pretrained_folder(scene, epochs).name / f"epoch_{epochs:03d}.pt"
    shipped = noise.shipped_band_path(checkpoint)
    assert shipped.is_file(), f"no band for this start; measure it: {shipped.name}"
    band = noise.load_band(checkpoint)  # nothing beside the checkpoint: the shipped one
    assert band is not None and band.n >= 10 and band.reference_pp is not None
    assert band.strategies == ["null", "random"]
