"""Publication figures with matplotlib: one style for `report` and `compare`, PNG + PDF out.

Figures are built with the object API on an Agg canvas (no pyplot, no global backend switch),
so drawing never opens a window and never touches the interactive app's state. Sizes are in
inches for a paper column (3.5 in); fonts are set so they stay readable at that width.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

COLUMN_WIDTH_IN = 3.5  # one column of a two-column paper
PAGE_WIDTH_IN = 7.0  # both columns (figure*), for long row labels
DPI = 300

# Colours (RGB 0-255) shared by the figures; the study figure follows the paper's Figure 5.
PRETRAIN = (64, 64, 64)  # dark grey: pretraining phase
PARTICIPANT = (150, 150, 150)
BAND = (211, 211, 211)  # light grey: range between best and worst participant
BASELINE = (31, 119, 180)
BEST = (44, 160, 44)
WORST = (255, 127, 14)
INTERACTION = (214, 39, 40)
CONTROL = (110, 110, 110)
STRATEGY = (31, 119, 180)
# rows of runs with an adaptive α (`compare` names them `<strategy>+<mode>`)
ADAPTIVE = {"shadow_gate": (255, 127, 14), "grad_agree": (44, 160, 44)}
LONG_LABEL = 24  # characters: longer row labels get the two-column width

STYLE: dict[str, Any] = {
    "font.size": 7,
    "axes.titlesize": 8,
    "axes.labelsize": 7,
    "xtick.labelsize": 6.5,
    "ytick.labelsize": 6.5,
    "legend.fontsize": 6,
    "axes.linewidth": 0.6,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "pdf.fonttype": 42,  # embed TrueType: text stays editable/searchable in the PDF
    "svg.fonttype": "none",
}


def rgb(color: tuple[int, int, int]) -> tuple[float, float, float]:
    """matplotlib's 0-1 form of an RGB 0-255 colour."""
    return (color[0] / 255, color[1] / 255, color[2] / 255)


@contextmanager
def styled() -> Iterator[None]:
    """Apply the figure style for the figures built inside the block."""
    import matplotlib

    with matplotlib.rc_context(STYLE):
        yield


def new_figure(width_in: float = COLUMN_WIDTH_IN, height_in: float = 2.4):
    """A matplotlib Figure attached to an Agg canvas (call inside `styled()`)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in), dpi=DPI, layout="constrained")
    fig.get_layout_engine().set(w_pad=0.02, h_pad=0.02, wspace=0.04)
    FigureCanvasAgg(fig)
    return fig


def save(fig, stem: str | Path, formats: tuple[str, ...] = ("png", "pdf")) -> list[Path]:
    """Write `stem.png`, `stem.pdf` (...) and return their paths; the PNG at `DPI`."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in formats:
        path = stem.with_suffix(f".{fmt}")
        fig.savefig(path, format=fmt, dpi=DPI)
        paths.append(path)
    return paths


def forest_plot(rows: Sequence[Any], stem: str | Path) -> list[Path]:
    """Δ test and Δ val (pp) per group with 95 % CIs, a zero line, controls in grey.

    `rows` are :class:`hill_arcade.analysis.compare.GroupRow`; one line per row, top to bottom
    in the order given; the scene is named before the strategy when there is more than one.
    Rows run with an adaptive α are coloured by mode (`ADAPTIVE`); long labels widen the
    figure to both columns of a paper.
    """
    scenes = list(dict.fromkeys(r.scene for r in rows))
    labels = [(f"{r.scene}: " if len(scenes) > 1 else "") + f"{r.strategy} (n={r.n})"
              for r in rows]
    from hill_arcade.analysis.compare import split_label

    modes = [split_label(r.strategy)[1] for r in rows]
    wide = max((len(label) for label in labels), default=0) > LONG_LABEL
    with styled():
        fig = new_figure(PAGE_WIDTH_IN if wide else COLUMN_WIDTH_IN, 0.9 + 0.2 * len(rows))
        axes = fig.subplots(1, 2, sharey=True)
        ys = list(range(len(rows)))[::-1]
        for ax, metric, title in zip(axes, ("test", "val"), ("Δ test accuracy (pp)",
                                                              "Δ val accuracy (pp)"), strict=True):
            ax.axvline(0.0, color=rgb(PARTICIPANT), lw=0.7, zorder=1)
            for y, row in zip(ys, rows, strict=True):
                s = getattr(row, metric)
                if s.mean is None:
                    continue
                color = rgb(CONTROL if row.kind == "control"
                            else ADAPTIVE.get(modes[ys.index(y)], STRATEGY))
                marker = "s" if row.kind == "control" else "o"
                if s.ci_low is not None and s.ci_high is not None:
                    ax.plot([s.ci_low, s.ci_high], [y, y], color=color, lw=1.1, zorder=2,
                            solid_capstyle="butt")
                ax.plot([s.mean], [y], marker=marker, ms=3.2, color=color, zorder=3, lw=0)
            ax.set_title(title, pad=3)
            ax.grid(axis="x", color=rgb(BAND), lw=0.4)
            ax.set_axisbelow(True)
            ax.tick_params(axis="y", length=0)
        axes[0].set_yticks(ys)
        axes[0].set_yticklabels(labels)
        axes[0].set_ylim(-0.7, len(rows) - 0.3)
        fig.supxlabel("vs the same-seed baseline: mean and 95% CI (t); squares: controls",
                      fontsize=6, color=rgb(CONTROL))
        shown = [m for m in ADAPTIVE if m in modes]
        if shown:
            from matplotlib.lines import Line2D

            handles = [Line2D([], [], marker="o", ms=3.2, lw=0, color=rgb(c))
                       for c in [STRATEGY] + [ADAPTIVE[m] for m in shown]]
            fig.legend(handles, ["fixed α"] + [f"adaptive α: {m}" for m in shown],
                       loc="outside upper center", ncols=len(handles), frameon=False)
        return save(fig, stem)
