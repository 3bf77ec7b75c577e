"""Issue 10: the command line fails with one line and status 2, before any window opens.

Each test runs the real `hill-arcade` entry point in a subprocess (with a timeout) and checks
what a user sees: stderr's one line, no traceback, the exit status.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.data_fixtures import write_minimal_checkpoint

REPO = Path(__file__).resolve().parents[1]


def hill(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
         timeout: float = 60) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items()
            if k not in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER")}
    base["SDL_VIDEODRIVER"] = "dummy"  # a window could open: tests never show one
    base["PYTHONPATH"] = str(REPO)
    base.update(env or {})
    base = {k: v for k, v in base.items() if v is not None}
    return subprocess.run([sys.executable, "-m", "hill_arcade", *args], cwd=cwd, env=base,
                          capture_output=True, text=True, timeout=timeout)


def one_error_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = [ln for ln in result.stderr.splitlines() if ln.startswith("hill-arcade")]
    assert len(lines) == 1, result.stderr
    return lines[0]


# ---- item 6: papercuts -----------------------------------------------------------------

def test_unknown_command_suggests_the_closest(tmp_path):
    line = one_error_line(hill("trian", "digits", cwd=tmp_path))
    assert line == "hill-arcade: error: unknown command 'trian'; did you mean 'train'?"


def test_unknown_scene_lists_bundled_scenes_and_suggests(tmp_path):
    for argv in (("run", "digitz"), ("digitz",)):
        line = one_error_line(hill(*argv, cwd=tmp_path))
        assert "digitz: scene file not found" in line
        assert "bundled scenes: cifar10, digits" in line and "did you mean 'digits'?" in line


def test_unknown_option_suggests_the_closest(tmp_path):
    line = one_error_line(hill("run", "digits", "--log-dri", "x", cwd=tmp_path))
    assert "unknown option '--log-dri'; did you mean '--log-dir'?" in line


def test_threads_out_of_range_is_one_line(tmp_path):
    line = one_error_line(hill("train", "digits", "--threads", "99999999999", cwd=tmp_path))
    assert "--threads" in line and "1..1024" in line


# ---- issue 9 item 5: --device / --threads / --help ---------------------------------------

@pytest.mark.parametrize("command", ["run", "train", "kiosk", "study"])
def test_training_commands_take_device_and_threads(command):
    result = hill(command, "--help")
    assert result.returncode == 0
    assert "--device" in result.stdout and "--threads" in result.stdout


@pytest.mark.parametrize("command", ["", "data", "report", "compare", "export"])
def test_every_command_has_help(command):
    result = hill(*([command] if command else []), "--help")
    assert result.returncode == 0 and "usage: hill-arcade" in result.stdout


# ---- items 4, 21: no display --------------------------------------------------------------

@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="DISPLAY is Linux's")
@pytest.mark.parametrize("argv", [("run", "digits"), ("kiosk", "digits"),
                                  ("study", "--participant", "P01", "--scenarios", "digits")])
def test_no_display_is_one_line(tmp_path, argv):
    result = hill(*argv, cwd=tmp_path, env={"SDL_VIDEODRIVER": None}, timeout=30)
    line = one_error_line(result)
    assert "no display found; set DISPLAY" in line
    assert not (tmp_path / "hill-runs").exists() and not (tmp_path / "study").exists()


# ---- items 5, 21: errors known before the window opens -----------------------------------

def test_run_on_a_missing_device_fails_before_the_window(tmp_path):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    line = one_error_line(hill("run", "digits", "--device", "cuda", cwd=tmp_path))
    assert "'cuda' requested but no CUDA device is available" in line
    assert not (tmp_path / "hill-runs").exists()  # no session was started


def test_run_with_a_bad_checkpoint_fails_before_the_window(tmp_path):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    line = one_error_line(hill("run", "digits", "--checkpoint", str(bad), cwd=tmp_path))
    assert f"{bad}: not a readable hill-arcade checkpoint" in line
    assert not (tmp_path / "hill-runs").exists()


def test_kiosk_with_an_unpressable_admin_chord_fails_before_the_window(tmp_path):
    scene = tmp_path / "k.yaml"
    scene.write_text("kiosk:\n  admin_chord: [ctrl, nosuchkey]\n")
    line = one_error_line(hill("kiosk", str(scene), cwd=tmp_path))
    assert f"{scene}: kiosk.admin_chord: unknown key 'nosuchkey'" in line


# ---- item 20: output paths ------------------------------------------------------------------

def test_out_that_is_a_file_is_one_line(tmp_path):
    (tmp_path / "taken").write_text("x")
    line = one_error_line(hill("train", "digits", "--out", "taken", cwd=tmp_path))
    assert "--out taken: exists and is not a folder" in line
    line = one_error_line(hill("run", "digits", "--log-dir", "taken/sub", cwd=tmp_path))
    assert "--log-dir taken/sub: taken is a file, not a folder" in line


def test_os_errors_name_the_path(tmp_path):
    line = one_error_line(hill("data", "cifar10", "--download", "--root", "/proc/hill-x"))
    assert "/proc/hill-x" in line


# ---- item 22: command line and data -------------------------------------------------------

def test_report_on_non_utf8_metrics_is_one_line(tmp_path):
    session = tmp_path / "P01"
    session.mkdir()
    (session / "metrics.csv").write_bytes(b"t,participant\n\xff\xfe,\x80\n")
    line = one_error_line(hill("report", str(session), "--out", str(tmp_path / "r")))
    assert f"{session / 'metrics.csv'}: not UTF-8 text" in line


def test_scene_that_never_ends_is_refused(tmp_path):
    line = one_error_line(hill("train", "/dev/zero", cwd=tmp_path))
    assert "/dev/zero: scene file larger than 1024 KiB" in line


def test_study_with_no_scenarios_is_one_line(tmp_path):
    line = one_error_line(hill("study", "--participant", "P01", "--scenarios", "",
                               "--headless", cwd=tmp_path))
    assert "--scenarios: expected comma-separated scene names" in line


# ---- item 2: study preflight --------------------------------------------------------------

def test_study_lists_everything_missing_before_it_starts(tmp_path):
    result = hill("study", "--participant", "P01", "--scenarios", "digits,cifar10",
                  "--pretrained", "runs", "--headless", cwd=tmp_path,
                  env={"HILL_DATA_DIR": str(tmp_path / "data")})
    line = one_error_line(result)
    assert "the study cannot start" in line
    assert "digits: pretrained checkpoint runs/digits/epoch_025.pt not found" in line
    assert "hill-arcade train" in line and "--out runs/digits" in line
    assert "CIFAR-10 data missing" in line and "hill-arcade data cifar10 --download" in line
    assert "cifar10: pretrained checkpoint runs/cifar10/epoch_025.pt not found" in line
    assert not (tmp_path / "study").exists()  # no session folder, nothing for a participant


def test_study_refuses_a_bad_pretrained_checkpoint_even_without_baseline(tmp_path):
    bad = tmp_path / "runs" / "digits" / "epoch_025.pt"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"garbage")
    line = one_error_line(hill("study", "--participant", "P01", "--scenarios", "digits",
                               "--no-baseline", "--headless", cwd=tmp_path))
    assert f"digits: {Path('runs/digits/epoch_025.pt')}: not a readable" in line
    assert not (tmp_path / "study").exists()


def test_study_refuses_a_checkpoint_of_another_model(tmp_path):
    write_minimal_checkpoint(tmp_path / "runs" / "digits" / "epoch_025.pt", 25,
                             scene={"model": {"name": "cifar10_cnn"}})
    line = one_error_line(hill("study", "--participant", "P01", "--scenarios", "digits",
                               "--headless", cwd=tmp_path))
    assert "saved for model 'cifar10_cnn'" in line and "uses 'digits_cnn'" in line


# ---- item 20: participant ids ---------------------------------------------------------------

@pytest.mark.parametrize("participant", ["../outside/P05", "/tmp/P05", "P07\n"])
def test_participant_ids_are_checked_on_resume_too(tmp_path, participant):
    line = one_error_line(hill("study", "--participant", participant, "--resume",
                               "--scenarios", "digits", "--headless", cwd=tmp_path))
    assert "--participant: expected letters, digits" in line
    assert not (tmp_path / "outside").exists()
