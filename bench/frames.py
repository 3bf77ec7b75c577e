"""Frame-time benchmark: the play view at 2k/10k/20k points while the digits trainer runs.

``python -m bench.frames`` prints the lines of :func:`run`. Two numbers per size: ``idle``
(nothing on screen changed, so nothing is drawn: the loop's own cost) and ``drag`` (a class is
dragged every frame, so the scatter and its crosses are redrawn every frame: the worst case).
The trainer trains on digits in its own buffer (so it competes for the CPU) while the app draws
a synthetic display set of the given size.
Matplotlib (Agg) redrawing the same 10k scatter gives the ratio.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from tempfile import TemporaryDirectory

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import numpy as np  # noqa: E402

from bench.stats import p50_p99  # noqa: E402
from hill_arcade.config import SceneConfig, UiConfig  # noqa: E402
from hill_arcade.shared import Command, CommandKind, SharedBuffer  # noqa: E402
from hill_arcade.testing import FakeWorker  # noqa: E402

SIZES = (2000, 10000, 20000)
FRAMES = 120


class _BusyWorker:
    """A FakeWorker for the app's display set plus a real digits trainer running rounds."""

    checkpoint = None

    def __init__(self, scene: SceneConfig, buffer: SharedBuffer, n_points: int = 2000,
                 train: bool = True) -> None:
        self.fake = FakeWorker(scene, buffer, per_class=n_points // 10, wrong_fraction=0.05)
        self.real = None
        if train:
            from hill_arcade.training.worker import TrainerWorker

            self.real_buffer = SharedBuffer()
            self.real = TrainerWorker(SceneConfig(), self.real_buffer)

    def start(self) -> None:
        self.fake.start()
        if self.real is not None:
            self.real.start()
            self.real_buffer.send(Command(CommandKind.RUN_ROUND, 1000))

    def stop(self, timeout: float = 5.0) -> None:
        self.fake.stop(timeout)
        if self.real is not None:
            self.real.stop(timeout)

    def is_alive(self) -> bool:
        return self.fake.is_alive()

    def trainer_state(self) -> str:
        return self.real_buffer.progress().state.value if self.real is not None else "off"


def _percentiles(times: list[float]) -> tuple[float, float]:
    return p50_p99([t * 1000 for t in times])


def _measure(n: int, train: bool, log_dir: Path) -> tuple[tuple[float, float], ...]:
    from hill_arcade.app import App
    from hill_arcade.testing import Pilot

    scene = SceneConfig(ui=UiConfig(width=1280, height=800))
    workers: list[_BusyWorker] = []

    def factory(cfg, buffer, checkpoint=None):  # noqa: ANN001
        workers.append(_BusyWorker(cfg, buffer, n_points=n, train=train))
        return workers[-1]

    app = App(scene, log_dir=log_dir, headless=True, worker_factory=factory)
    pilot = Pilot(app)
    try:
        pilot.wait_until(lambda: app.play is not None, 60)
        if train:
            pilot.wait_until(lambda: workers[0].trainer_state() == "training", 60)
        pilot.step(30)
        app.frame_times.clear()
        pilot.step(FRAMES)
        cached = list(app.frame_times)
        app.frame_times.clear()
        play = app.play
        for k in range(FRAMES):  # a drag: the scatter is re-rendered every frame
            play.edits.move_class(k % 10, (1e-3, 0.0), gesture=1)
            app.step()
        redraw = list(app.frame_times)
    finally:
        app.close()
    return _percentiles(cached), _percentiles(redraw)


def _matplotlib_ms(n: int = 10000, repeats: int = 20) -> float:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from hill_arcade.render.palette import PALETTE

    rng = np.random.default_rng(0)
    pts = rng.normal(size=(n, 2))
    colours = np.asarray(PALETTE[:10])[rng.integers(0, 10, n)] / 255.0
    fig = plt.figure(figsize=(12.8, 8.0), dpi=100)
    ax = fig.add_subplot(1, 1, 1)
    ax.scatter(pts[:, 0], pts[:, 1], s=16, c=colours)
    fig.canvas.draw()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fig.canvas.draw()
        times.append(time.perf_counter() - t0)
    plt.close(fig)
    return float(np.median(times) * 1000)


def run(sizes: tuple[int, ...] = SIZES, train: bool = True, mpl_points: int = 10000
        ) -> list[str]:
    """Benchmark lines: frame time p50/p99 (ms) per displayed-point count, and the mpl ratio."""
    lines = [f"1280x800, {FRAMES} frames each, trainer: {'digits, running' if train else 'off'}"]
    redraw_at: dict[int, float] = {}
    with TemporaryDirectory() as tmp:
        for n in sizes:
            (c50, c99), (r50, r99) = _measure(n, train, Path(tmp) / str(n))
            redraw_at[n] = r50
            lines.append(f"{n:>6} points: idle p50 {c50:6.2f} ms p99 {c99:6.2f} ms | "
                         f"drag p50 {r50:6.2f} ms p99 {r99:6.2f} ms")
    mpl = _matplotlib_ms(mpl_points)
    ours = redraw_at.get(mpl_points)
    ratio = f", {mpl / ours:.1f}x our redraw" if ours else ""
    lines.append(f"matplotlib Agg, {mpl_points} points: {mpl:.1f} ms per redraw{ratio}")
    return lines


if __name__ == "__main__":
    for line in run():
        print(line)
