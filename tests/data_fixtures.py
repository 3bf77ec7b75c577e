"""Tiny dataset fixtures written in the real on-disk formats (CIFAR-10 pickles, PAMAP2 .dat).

Pass the returned folder as ``dataset.root``. The data is class-dependent, so a model can
learn something from it in a few steps.
"""

from __future__ import annotations

import io
import pickle
from collections.abc import Sequence
from pathlib import Path

import numpy as np

CIFAR10_CLASSES = (
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
)


def _cifar_images(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """uint8 (N, 3072) images: a per-class colour and stripe direction, plus noise."""
    n = len(labels)
    yy, xx = np.mgrid[0:32, 0:32]
    img = np.empty((n, 3, 32, 32), dtype=np.float64)
    for i, c in enumerate(labels):
        colour = np.array([(c * 37) % 256, (c * 91 + 40) % 256, (c * 53 + 90) % 256], float)
        stripes = np.sin((xx if c % 2 else yy) * (0.2 + 0.05 * c)) * 40
        img[i] = colour[:, None, None] + stripes[None] + rng.normal(0, 20, (3, 32, 32))
    return np.clip(img, 0, 255).astype(np.uint8).reshape(n, 3072)


def _dump(path: Path, obj: dict) -> None:
    with open(path, "wb") as f:
        pickle.dump(obj, f, protocol=2)


def write_cifar10_fixture(
    root: Path, per_class_train: int = 3, per_class_test: int = 3, seed: int = 0
) -> Path:
    """Write ``root/cifar-10-batches-py`` (5 train batches, test batch, meta); returns ``root``.

    Like the official files read with ``pickle.load(f, encoding="bytes")``: dicts with bytes
    keys, ``b"data"`` a uint8 (N, 3072) array (R, G, B planes), ``b"labels"`` a list of ints.
    """
    root = Path(root)
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    train_labels = rng.permutation(np.repeat(np.arange(10), per_class_train))
    train_data = _cifar_images(train_labels, rng)
    for i, idx in enumerate(np.array_split(np.arange(len(train_labels)), 5), start=1):
        _dump(folder / f"data_batch_{i}", {
            b"batch_label": f"training batch {i} of 5".encode(),
            b"labels": [int(v) for v in train_labels[idx]],
            b"data": train_data[idx],
            b"filenames": [f"train_{j:05d}.png".encode() for j in idx],
        })
    test_labels = rng.permutation(np.repeat(np.arange(10), per_class_test))
    _dump(folder / "test_batch", {
        b"batch_label": b"testing batch 1 of 1",
        b"labels": [int(v) for v in test_labels],
        b"data": _cifar_images(test_labels, rng),
        b"filenames": [f"test_{j:05d}.png".encode() for j in range(len(test_labels))],
    })
    _dump(folder / "batches.meta", {
        b"num_cases_per_batch": max(1, len(train_labels) // 5),
        b"label_names": [n.encode() for n in CIFAR10_CLASSES],
        b"num_vis": 3072,
    })
    return root


def pamap2_layout(seconds: float, activities: Sequence[int]) -> list[tuple[int, int]]:
    """Segments ``(activityID, rows at 100 Hz)`` of one fixture subject.

    A 1 s transient (id 0) before each activity and at the end, except that the second activity
    follows the first directly (so some windows span an activity change).
    """
    total = int(round(seconds * 100))
    transient = 100
    n_transients = len(activities) + 1 - (1 if len(activities) >= 2 else 0)
    share = max(1, (total - n_transients * transient) // max(1, len(activities)))
    segments: list[tuple[int, int]] = []
    for i, act in enumerate(activities):
        if i != 1:
            segments.append((0, transient))
        segments.append((act, share))
    segments.append((0, max(0, total - sum(n for _, n in segments))))
    return [s for s in segments if s[1] > 0]


def pamap2_rows(
    segments: Sequence[tuple[int, int]], seed: int = 0, bias: float = 0.0, t0: float = 5.64
) -> np.ndarray:
    """Float (T, 54) rows like a PAMAP2 Protocol file for the given segments, NaNs included.

    Heart rate is NaN except every 11th row; ~1% of rows lose a whole IMU packet (17 NaNs) and
    the hand IMU starts with 3 NaN rows.
    """
    rng = np.random.default_rng(seed)
    labels = np.concatenate([np.full(n, a, dtype=np.int64) for a, n in segments])
    t = len(labels)
    rows = np.zeros((t, 54))
    rows[:, 0] = np.round(t0 + np.arange(t) * 0.01, 2)
    rows[:, 1] = labels
    rows[:, 2] = np.nan
    rows[::11, 2] = 80 + labels[::11] * 2 + rng.normal(0, 1, len(labels[::11]))
    time = np.arange(t) / 100.0
    for k, start in enumerate((3, 20, 37)):
        rows[:, start] = 32.0 + k + rng.normal(0, 0.05, t)  # temperature
        freq = 0.5 + 0.15 * labels
        amp = 0.5 + 0.3 * labels
        for axis in range(3):
            wave = amp * np.sin(2 * np.pi * freq * time + axis + k)
            acc = wave + (9.8 if axis == 0 else 0.0) + bias + rng.normal(0, 0.1, t)
            rows[:, start + 1 + axis] = acc  # +-16 g
            rows[:, start + 4 + axis] = np.clip(acc, -6 * 9.8, 6 * 9.8)  # +-6 g
            rows[:, start + 7 + axis] = 0.3 * wave + rng.normal(0, 0.05, t)  # gyro
            rows[:, start + 10 + axis] = 20 * (axis - 1) + 5 * wave + rng.normal(0, 1, t)  # mag
        rows[:, start + 13] = 1.0  # orientation (invalid in PAMAP2)
        lost = rng.random(t) < 0.01
        rows[lost, start:start + 17] = np.nan
    rows[:3, 3:20] = np.nan
    return rows


def write_pamap2_subject(path: Path, rows: np.ndarray) -> Path:
    """Write rows as a whitespace-separated ``subjectXXX.dat`` (NaN spelled ``NaN``)."""
    buf = io.StringIO()
    np.savetxt(buf, rows, fmt="%.6g", delimiter=" ")
    text = buf.getvalue().replace("nan", "NaN")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def write_pamap2_fixture(
    root: Path,
    subjects: Sequence[int] = (101, 102, 103),
    seconds: float = 20,
    activities: Sequence[int] = (1, 2, 4, 24),
) -> Path:
    """Write ``root/Protocol/subjectXXX.dat`` for each subject; returns ``root``.

    Every subject performs every activity (layout from :func:`pamap2_layout`); each subject's
    accelerometers get a different offset, so per-subject statistics differ.
    """
    root = Path(root)
    for sid in subjects:
        rows = pamap2_rows(pamap2_layout(seconds, activities), seed=sid, bias=(sid - 101) * 0.5)
        write_pamap2_subject(root / "Protocol" / f"subject{sid}.dat", rows)
    return root


def write_minimal_checkpoint(path: Path, epoch: int = 1, num_classes: int = 10,
                             scene: dict | None = None) -> Path:
    """A tiny file that passes checkpoint validation (fields of the right types, finite
    weights) without building a model: for tests of what happens around checkpoints."""
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"format": 1, "model": {"w": torch.zeros(2)},
                "probe": {"weight": torch.zeros(num_classes, 2), "bias": torch.zeros(num_classes)},
                "optimizer": {"state": {}, "param_groups": []}, "epoch": epoch, "step": epoch,
                "projection_frozen": False, "targets": None, "history": [],
                "scene": scene or {}}, path)
    return path
