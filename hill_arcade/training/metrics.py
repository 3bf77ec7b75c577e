"""Classification metrics computed on tensors (no scikit-learn in the hot path)."""

from __future__ import annotations

import torch


def confusion_matrix(preds: torch.Tensor, labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    """(C, C) counts, rows = true class, columns = predicted class."""
    index = labels.long() * num_classes + preds.long()
    counts = torch.bincount(index, minlength=num_classes * num_classes)
    return counts.reshape(num_classes, num_classes)


def summarise(preds: torch.Tensor, labels: torch.Tensor, num_classes: int) -> dict:
    """Accuracy, macro-F1 (over classes present in labels or preds) and per-class accuracy."""
    cm = confusion_matrix(preds.cpu(), labels.cpu(), num_classes).double()
    tp = cm.diag()
    support = cm.sum(1)
    predicted = cm.sum(0)
    precision = torch.where(predicted > 0, tp / predicted.clamp(min=1), torch.zeros_like(tp))
    recall = torch.where(support > 0, tp / support.clamp(min=1), torch.zeros_like(tp))
    f1 = torch.where(precision + recall > 0,
                     2 * precision * recall / (precision + recall).clamp(min=1e-12),
                     torch.zeros_like(tp))
    seen = (support > 0) | (predicted > 0)
    total = cm.sum().clamp(min=1)
    return {
        "val_acc": float(tp.sum() / total),
        "macro_f1": float(f1[seen].mean()) if bool(seen.any()) else 0.0,
        "per_class_acc": [float(r) if s > 0 else float("nan")
                          for r, s in zip(recall, support, strict=True)],
    }
