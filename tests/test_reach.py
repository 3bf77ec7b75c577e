"""Reach (hill_arcade.reach): hand-computed values, NaN rules, the scale-divided variant, and the
`python -m bench reach` command line."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import hill_arcade.reach as reach_module
from hill_arcade.reach import center_reach, reach, spread_reach

ROOT = Path(__file__).resolve().parent.parent
NAN = np.nan


def test_center_reach_hand_values() -> None:
    start = np.array([[0, 0], [0, 0], [0, 0], [1, 1], [0, 0]], np.float32)
    target = np.array([[2, 0], [2, 0], [2, 0], [1, 3], [0, 4]], np.float32)
    # arrived, halfway with a sideways drift (ignored), wrong way, overshot, not moved
    now = np.array([[2, 0], [1, 5], [-1, 0], [1, 4], [0, 0]], np.float32)

    np.testing.assert_allclose(center_reach(start, target, now), [1.0, 0.5, -0.5, 1.5, 0.0])


def test_spread_reach_hand_values() -> None:
    start = np.array([2.0, 2.0, 2.0, 1.0])
    target = np.array([1.0, 1.0, 4.0, 2.0])
    now = np.array([1.5, 2.5, 4.0, 1.0])  # half compacted, spread out instead, grown, unchanged

    np.testing.assert_allclose(spread_reach(start, target, now), [0.5, -0.5, 1.0, 0.0])


def test_nan_for_classes_without_target_or_without_an_edit() -> None:
    start_c = np.zeros((3, 2))
    target_c = np.array([[NAN, NAN], [0.0, 0.0], [3.0, 4.0]])  # none, unedited, edited
    now_c = np.array([[1.0, 1.0], [1.0, 1.0], [3.0, 4.0]])
    start_s = np.array([1.0, 1.0, 1.0])
    target_s = np.array([NAN, 1.0, 0.5])
    now_s = np.array([0.5, 0.5, NAN])  # class 2 has no points now

    r = reach(start_c, start_s, target_c, target_s, now_c, now_s)

    assert np.isnan(r.center[:2]).all() and r.center[2] == pytest.approx(1.0)
    assert np.isnan(r.spread).all()
    for arr in (r.center, r.spread, r.center_backbone, r.spread_backbone):
        assert arr.shape == (3,) and arr.dtype == np.float64


def test_backbone_reach_divides_out_the_scale_change() -> None:
    start_c = np.array([[1.0, 0.0]])
    target_c = np.array([[3.0, 0.0]])
    start_s, target_s = np.array([1.0]), np.array([0.5])
    # scale doubled: the shown class moved from 1 to 2 (halfway) and its spread stayed at 1,
    # but the backbone did nothing at all: divided by 2 it is back at 1 with spread 0.5
    now_c, now_s = np.array([[2.0, 0.0]]), np.array([1.0])

    r = reach(start_c, start_s, target_c, target_s, now_c, now_s, scale_start=1.0,
              scale_now=2.0)

    assert r.center[0] == pytest.approx(0.5)
    assert r.center_backbone[0] == pytest.approx(0.0)
    assert r.spread[0] == pytest.approx(0.0)
    assert r.spread_backbone[0] == pytest.approx(1.0)


def test_vectorised_over_many_classes_matches_a_loop() -> None:
    rng = np.random.default_rng(3)
    start, target, now = (rng.normal(size=(50, 2)) for _ in range(3))
    got = center_reach(start, target, now)
    for c in range(50):
        d = target[c] - start[c]
        assert got[c] == pytest.approx(np.dot(now[c] - start[c], d) / np.dot(d, d))


def test_bad_scale_is_a_clear_error() -> None:
    one = np.zeros((1, 2))
    with pytest.raises(ValueError, match="scale"):
        reach(one, np.ones(1), one, np.ones(1), one, np.ones(1), 1.0, 0.0)


def test_reach_module_is_pure_numpy() -> None:
    tree = ast.parse(Path(reach_module.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported <= {"__future__", "dataclasses", "numpy"}


def test_bench_reach_json_line() -> None:
    """One seed, paper loss: one JSON line with every promised key (digits trains in seconds)."""
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "reach", "--json", "--loss", "paper", "--seeds", "1",
         "--classes", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1
    result = json.loads(lines[0])
    for key in ("center_reach_p50", "center_reach_backbone_p50", "compact_reach_p50",
                "val_acc_delta_pp"):
        assert isinstance(result[key], float) and np.isfinite(result[key])
    assert result["seeds"] == 1 and result["loss"] == "paper"
    assert result["targets"] in ("edited", "layout")


def test_bench_targets_follow_the_play_view_rules() -> None:
    from bench.reach import outward_drag, round_targets
    from hill_arcade.edits import EditState, class_stats

    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(3), 20)
    points = (rng.normal(size=(60, 2)) + labels[:, None] * 4.0).astype(np.float32)
    edits = EditState(points, labels)
    centers, _ = class_stats(points, labels, 3)
    delta = outward_drag(centers, points, 2)
    gaps = [np.linalg.norm(centers[a] - centers[b]) for a, b in ((0, 1), (0, 2), (1, 2))]
    assert np.linalg.norm(delta) == pytest.approx(np.median(gaps), rel=1e-5)
    assert np.dot(delta, centers[2] - points.mean(0)) > 0  # away from the middle
    edits.move_class(2, delta)

    edited = round_targets(edits, "edited", 3, 1.0)
    layout = round_targets(edits, "layout", 3, 1.0)

    assert edited.active.tolist() == [False, False, True]
    np.testing.assert_allclose(edited.centers[2], centers[2] + delta, rtol=1e-5)
    assert layout.active.all()
    assert not round_targets(EditState(points, labels), "layout", 3, 1.0)  # no edit, no target


def test_bench_unknown_name_exits_2() -> None:
    proc = subprocess.run([sys.executable, "-m", "bench", "nope"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "unknown bench 'nope'" in proc.stderr
