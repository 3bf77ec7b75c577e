"""PAMAP2 Physical Activity Monitoring (UCI), ``Protocol/subjectXXX.dat`` files.

Each file has 54 whitespace-separated columns at 100 Hz: timestamp, activityID, heart rate,
then three IMUs (hand, chest, ankle) of 17 columns each. Preprocessing, per subject:

* channels: for each IMU the +-16 g accelerometer, gyroscope and magnetometer (27 channels);
  heart rate, temperature, the +-6 g accelerometer and the (invalid) orientation are unused;
* NaNs (dropped packets) are filled by linear interpolation per channel over the whole
  recording, edges by the nearest valid value (an all-NaN channel becomes 0);
* rows with activityID 0 (transients) are dropped; what remains is cut into contiguous runs,
  a new run starting after every dropped row or timestamp gap over ``MAX_GAP_S``;
* 100 Hz -> 50 Hz by averaging consecutive pairs of samples within a run (a mild low-pass
  instead of plain decimation); the pair takes its first sample's label;
* sliding windows of ``window`` samples every ``step`` samples (50 Hz) within a run; a window
  may span an activity change and is labelled with its majority activity (ties: lowest id).

Classes are the official activity ids present in any loaded subject (train, val or test),
in ascending id order, named from the official list; a Protocol-only setup gives 12 classes.
Channels are standardised with the per-channel mean and std of the training windows.
Splits are subject-wise (``train_subjects``, ``val_subjects``, ``test_subjects``); the seed
is not used. Output windows are (N, 27, window) float32, channels first for Conv1d.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from hill_arcade.config import Pamap2Params
from hill_arcade.data.base import DatasetSplits, Split
from hill_arcade.errors import DatasetError

DOWNLOAD_URL = "https://archive.ics.uci.edu/dataset/231/pamap2+physical+activity+monitoring"
NUM_COLUMNS = 54
ACTIVITY_NAMES: dict[int, str] = {
    1: "lying", 2: "sitting", 3: "standing", 4: "walking", 5: "running", 6: "cycling",
    7: "Nordic walking", 9: "watching TV", 10: "computer work", 11: "car driving",
    12: "ascending stairs", 13: "descending stairs", 16: "vacuum cleaning", 17: "ironing",
    18: "folding laundry", 19: "house cleaning", 20: "playing soccer", 24: "rope jumping",
}
IMUS = (("hand", 3), ("chest", 20), ("ankle", 37))
SENSORS = (("acc16", 1), ("gyro", 7), ("mag", 10))  # offset of the x axis from the IMU's start
CHANNEL_COLUMNS: tuple[int, ...] = tuple(
    start + off + axis for _, start in IMUS for _, off in SENSORS for axis in range(3)
)
CHANNEL_NAMES: tuple[str, ...] = tuple(
    f"{imu}_{sensor}_{axis}" for imu, _ in IMUS for sensor, _ in SENSORS for axis in "xyz"
)
MAX_GAP_S = 0.1


@dataclass
class _Subject:
    """One subject at 50 Hz: a list of contiguous runs of (signals (M, 27), activity ids (M,))."""

    runs: list[tuple[np.ndarray, np.ndarray]]

    def activity_ids(self) -> set[int]:
        return {int(a) for _, acts in self.runs for a in np.unique(acts)}


def not_found_message(root: Path) -> str:
    """Where the loader looked and how to get the data (no prefix)."""
    return (
        f"no subject*.dat files in {root}, {root / 'Protocol'} or "
        f"{root / 'PAMAP2_Dataset' / 'Protocol'}; download PAMAP2_Dataset.zip from "
        f"{DOWNLOAD_URL} and unzip it so that {root / 'Protocol' / 'subject101.dat'} exists"
    )


def find_protocol_dir(root: Path) -> Path | None:
    """The folder holding ``subject*.dat``: root, root/Protocol or root/PAMAP2_Dataset/Protocol."""
    for folder in (root, root / "Protocol", root / "PAMAP2_Dataset" / "Protocol"):
        if folder.is_dir() and any(folder.glob("subject*.dat")):
            return folder
    return None


def protocol_dir(root: Path) -> Path:
    """Like :func:`find_protocol_dir` but raises a DatasetError explaining how to get the data."""
    folder = find_protocol_dir(root)
    if folder is None:
        raise DatasetError(f"pamap2: {not_found_message(root)}")
    return folder


def _line_of_row(path: Path, row: int) -> int:
    """1-based line number of the ``row``-th (0-based) non-blank line."""
    with open(path, encoding="utf-8", errors="replace") as f:
        seen = -1
        for number, line in enumerate(f, start=1):
            if line.strip():
                seen += 1
                if seen == row:
                    return number
    return row + 1


def _first_bad_line(path: Path) -> str:
    """Describe the first line that is not 54 numbers (slow path, only after a parse error)."""
    with open(path, encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, start=1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) != NUM_COLUMNS:
                return f"line {number}: expected {NUM_COLUMNS} columns, got {len(fields)}"
            for col, text in enumerate(fields, start=1):
                try:
                    float(text)
                except ValueError:
                    return f"line {number}, column {col}: {text[:20]!r} is not a number"
    return "unparseable content"


def read_subject_file(path: Path) -> np.ndarray:
    """Parse one ``subjectXXX.dat`` into a float64 array (T, 54); DatasetError when malformed."""
    try:
        with open(path, "rb") as f, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # an empty file warns; it is reported below
            arr = np.loadtxt(f, dtype=np.float64, comments=None, ndmin=2)
    except FileNotFoundError:
        raise DatasetError(f"pamap2: {path} not found") from None
    except OSError as exc:
        raise DatasetError(f"pamap2: cannot read {path} ({exc.strerror})") from None
    except ValueError:
        raise DatasetError(f"pamap2: {path}: {_first_bad_line(path)}") from None
    if arr.size == 0:
        raise DatasetError(f"pamap2: {path}: the file holds no data")
    if arr.shape[1] != NUM_COLUMNS:
        raise DatasetError(
            f"pamap2: {path}: line {_line_of_row(path, 0)}: expected {NUM_COLUMNS} columns, "
            f"got {arr.shape[1]}"
        )
    arr[np.isinf(arr)] = np.nan  # a broken sensor value: filled like a dropped packet
    acts = arr[:, 1]
    bad = ~np.isin(acts, [0, *ACTIVITY_NAMES])
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DatasetError(
            f"pamap2: {path}: line {_line_of_row(path, row)}: unknown activityID {acts[row]:g}"
        )
    return arr


def fill_nans(signals: np.ndarray) -> np.ndarray:
    """Linear interpolation of NaNs per column (in place), edges by the nearest valid value."""
    positions = np.arange(len(signals))
    for col in range(signals.shape[1]):
        column = signals[:, col]
        bad = np.isnan(column)
        if not bad.any():
            continue
        if bad.all():
            column[:] = 0.0
            continue
        column[bad] = np.interp(positions[bad], positions[~bad], column[~bad])
    return signals


def _preprocess(arr: np.ndarray) -> _Subject:
    signals = fill_nans(arr[:, CHANNEL_COLUMNS].copy())
    acts = arr[:, 1].astype(np.int64)
    kept = np.flatnonzero(acts != 0)
    if len(kept) == 0:
        return _Subject(runs=[])
    times = arr[kept, 0]
    breaks = (np.diff(kept) != 1) | (np.diff(times) > MAX_GAP_S)
    starts = np.concatenate([[0], np.flatnonzero(breaks) + 1])
    ends = np.concatenate([starts[1:], [len(kept)]])
    runs = []
    for s, e in zip(starts, ends, strict=True):
        rows = kept[s:e]
        m = len(rows) // 2
        if m == 0:
            continue
        rows = rows[: 2 * m]
        pairs = signals[rows].reshape(m, 2, -1).mean(axis=1)
        runs.append((pairs.astype(np.float32), acts[rows[::2]]))
    return _Subject(runs=runs)


def _windows(
    subject: _Subject, window: int, step: int, class_of: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """All windows (n, 27, window) and majority class labels (n,) of one subject."""
    num_classes = int(class_of.max()) + 1
    xs, ys = [], []
    for signals, acts in subject.runs:
        m = len(acts)
        if m < window:
            continue
        starts = np.arange(0, m - window + 1, step)
        view = np.lib.stride_tricks.sliding_window_view(signals, window, axis=0)  # (., 27, w)
        xs.append(view[starts])
        onehot = np.zeros((m + 1, num_classes), dtype=np.int32)
        onehot[np.arange(1, m + 1), class_of[acts]] = 1
        cum = np.cumsum(onehot, axis=0)
        counts = cum[starts + window] - cum[starts]
        ys.append(counts.argmax(axis=1))
    if not xs:
        return np.zeros((0, len(CHANNEL_COLUMNS), window), np.float32), np.zeros(0, np.int64)
    return np.concatenate(xs).astype(np.float32), np.concatenate(ys).astype(np.int64)


def _subject_lists(params: Pamap2Params) -> dict[str, list[int]]:
    lists = {
        "train": list(dict.fromkeys(params.train_subjects)),
        "val": list(dict.fromkeys(params.val_subjects)),
        "test": list(dict.fromkeys(params.test_subjects)),
    }
    seen: dict[int, str] = {}
    for split, ids in lists.items():
        for sid in ids:
            if sid in seen:
                raise DatasetError(
                    f"pamap2: subject {sid} is in both {seen[sid]}_subjects and "
                    f"{split}_subjects; the splits must be disjoint"
                )
            seen[sid] = split
    return lists


def load_pamap2(params: Pamap2Params, seed: int, root: Path) -> DatasetSplits:
    """Load PAMAP2 windows from ``root`` (see the module docstring); ``seed`` is unused."""
    del seed  # subject-wise splits are fixed by the config
    lists = _subject_lists(params)
    folder = protocol_dir(root)
    subjects: dict[int, _Subject] = {}
    for split, ids in lists.items():
        for sid in ids:
            path = folder / f"subject{sid}.dat"
            if not path.is_file():
                raise DatasetError(
                    f"pamap2: {path} not found (subject {sid} is listed in {split}_subjects); "
                    f"the Protocol folder of {DOWNLOAD_URL} has subjects 101-109"
                )
            subjects[sid] = _preprocess(read_subject_file(path))

    present = sorted(set().union(*(s.activity_ids() for s in subjects.values())))
    if not present:
        raise DatasetError(f"pamap2: no labelled (non-zero activityID) rows in {folder}")
    class_of = np.full(max(present) + 1, -1, dtype=np.int64)
    class_of[present] = np.arange(len(present))

    arrays: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for split, ids in lists.items():
        parts = [_windows(subjects[sid], params.window, params.step, class_of) for sid in ids]
        x = np.concatenate([p[0] for p in parts])
        y = np.concatenate([p[1] for p in parts])
        if len(y) == 0:
            raise DatasetError(
                f"pamap2: {split}_subjects {ids} give no windows of {params.window} samples "
                f"(50 Hz) in {folder}"
            )
        arrays[split] = (x, y)

    x_train = arrays["train"][0]
    mean = x_train.mean(axis=(0, 2), dtype=np.float64)
    std = x_train.std(axis=(0, 2), dtype=np.float64)
    std = np.where(std < 1e-6, 1.0, std)
    splits = {}
    for split, (x, y) in arrays.items():
        x -= mean[None, :, None].astype(np.float32)
        x /= std[None, :, None].astype(np.float32)
        splits[split] = Split(torch.from_numpy(x), torch.from_numpy(y))

    return DatasetSplits(
        train=splits["train"],
        val=splits["val"],
        test=splits["test"],
        class_names=[ACTIVITY_NAMES[a] for a in present],
        input_shape=(len(CHANNEL_COLUMNS), params.window),
        render_sample=render_sample,
    )


def render_sample(x: torch.Tensor | np.ndarray) -> np.ndarray:
    """A window for display: the hand accelerometer's magnitude over time (standardised
    units), a 1D series drawn as a sparkline."""
    arr = np.asarray(x, np.float32).reshape(len(CHANNEL_COLUMNS), -1)
    return np.sqrt((arr[0:3] ** 2).sum(axis=0))


def check_subject_head(path: Path, lines: int = 200) -> None:
    """DatasetError unless the first `lines` lines of `path` are rows of 54 numbers (a quick
    content check: an empty, binary or foreign file is not counted as a subject)."""
    try:
        with open(path, "rb") as f:
            head = [f.readline() for _ in range(lines)]
    except OSError as exc:
        raise DatasetError(f"pamap2: cannot read {path} ({exc.strerror})") from None
    rows = 0
    for number, raw in enumerate(head, start=1):
        try:
            fields = raw.decode("ascii").split()
        except UnicodeDecodeError:
            raise DatasetError(f"pamap2: {path}: line {number}: not text (binary data?)") from None
        if not fields:
            continue
        if len(fields) != NUM_COLUMNS:
            raise DatasetError(f"pamap2: {path}: line {number}: expected {NUM_COLUMNS} columns, "
                               f"got {len(fields)}")
        for col, text in enumerate(fields, start=1):
            try:
                float(text)
            except ValueError:
                raise DatasetError(f"pamap2: {path}: line {number}, column {col}: "
                                   f"{text[:20]!r} is not a number") from None
        rows += 1
    if rows == 0:
        raise DatasetError(f"pamap2: {path}: the file holds no data")


def describe(root: Path) -> str:
    """One-line status listing the subject files found, after checking that each starts with
    rows of 54 numbers (raises DatasetError when none is found or one is malformed)."""
    folder = protocol_dir(root)
    paths = sorted(folder.glob("subject*.dat"))
    for path in paths:
        check_subject_head(path)
    names = [p.stem for p in paths]
    return f"pamap2: found {len(names)} subject files ({', '.join(names)}) in {folder}"
