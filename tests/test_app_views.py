"""What a person sees after a round: before/after, validation points, focus and hidden classes,
class labels — checked in pixels and events.jsonl, driven by keys and clicks."""

from __future__ import annotations

import numpy as np
import pygame

from hill_arcade.render.palette import class_colour
from hill_arcade.render.points import faded
from hill_arcade.session_log import read_events
from hill_arcade.shared import TrainerState


def _round(app, pilot) -> None:
    app.session.set(epochs_per_round=1)
    epoch = app.play.snapshot.epoch
    pilot.press(pygame.K_RETURN)
    pilot.wait_until(lambda: app.play.snapshot.epoch > epoch
                     and app.buffer.progress().state == TrainerState.IDLE, 10)
    pilot.step(30)


def test_d_shows_arrows_from_old_to_new_class_centers(make_app):
    app, pilot = make_app()
    play = pilot.play
    old = play.class_centers().copy()
    x, y = pilot.cross_screen(4)
    pilot.drag((x, y), (x + 80, y - 60), steps=6)  # the fake trainer moves class 4 that way
    _round(app, pilot)
    new = play.class_centers()
    assert np.linalg.norm(new[4] - old[4]) > 0.1
    a, b = (np.round(play.camera.world_to_screen(p)) for p in (old[4], new[4]))
    mid = tuple(int(v) for v in np.round((a + b) / 2 + (b - a) * 0.1))
    before_px = pilot.pixel(*mid)
    pilot.press(pygame.K_d)
    assert pilot.pixel(*mid) == class_colour(4) != before_px  # the arrow's shaft
    pilot.press(pygame.K_d)
    assert pilot.pixel(*mid) == before_px
    assert [e["on"] for e in read_events(app.log_dir / "events.jsonl")
            if e["type"] == "view" and e["option"] == "before"] == [True, False]


def test_v_shows_validation_points_with_rings_and_is_view_only(make_app):
    app, pilot = make_app()
    play = pilot.play
    val_points, val_labels, val_pred = play.val
    pilot.press(pygame.K_v)
    assert play.show_val
    wrong = np.flatnonzero(val_pred != val_labels)
    crosses = play.cross_positions()
    scr = np.round(play.camera.world_to_screen(val_points))
    clear = [i for i in wrong if np.hypot(*(crosses - scr[i]).T).min() > 25]
    x, y = scr[clear[0]]
    assert sum(pilot.pixel(x + 6, y)) < 150  # the dark ring of a misclassified val point
    positions = play.edits.positions.copy()
    cx, cy = pilot.cross_screen(2)
    pilot.drag((cx, cy), (cx + 40, cy))  # pans, edits nothing
    np.testing.assert_array_equal(play.edits.positions, positions)
    pilot.press(pygame.K_v)
    assert not play.show_val


def test_legend_click_focuses_a_class_and_shift_click_hides_it(make_app):
    app, pilot = make_app()
    play = pilot.play
    labels = play.edits.labels
    crosses = play.cross_positions()
    scr = np.round(play.point_screen()).astype(int)
    wrong = np.flatnonzero(play.wrong)

    def on_top(i: int) -> bool:  # nothing drawn later (or a ring) covers point i
        d = np.hypot(*(scr - scr[i]).T)
        return (d[i + 1:] > 9).all() and (d[wrong] > 9).all()

    lonely = [i for i in range(len(scr)) if labels[i] == 1 and on_top(i)
              and np.hypot(*(crosses - scr[i]).T).min() > 25]
    x, y = scr[lonely[0]]
    assert pilot.pixel(x, y) == class_colour(1)
    pilot.click(*play.legend.row_rect(3).center)  # focus class 3: class 1 fades
    assert pilot.pixel(x, y) == faded(class_colour(1))
    pilot.click(*play.legend.row_rect(3).center)  # again: back to normal
    assert pilot.pixel(x, y) == class_colour(1)
    pilot.click(*play.legend.row_rect(1).center, mod=pygame.KMOD_LSHIFT)  # hide class 1
    assert pilot.pixel(x, y) != class_colour(1)
    assert pilot.pixel(*pilot.cross_screen(1)) != class_colour(1)
    pilot.click(*play.legend.row_rect(1).center, mod=pygame.KMOD_LSHIFT)
    assert pilot.pixel(x, y) == class_colour(1)


def test_fit_key_brings_every_point_into_view(make_app):
    app, pilot = make_app()
    play = pilot.play
    vr = play.view_rect
    pilot.drag((vr.centerx, vr.centery), (vr.centerx + 500, vr.centery), button=3)
    inside = lambda: play.view_rect.collidelistall(  # noqa: E731
        [pygame.Rect(int(x), int(y), 1, 1) for x, y in play.point_screen()])
    assert len(inside()) < len(play.edits.positions)
    pilot.press(pygame.K_HOME)
    assert len(inside()) == len(play.edits.positions)


def test_confusion_view_opens_and_a_cell_click_highlights_its_samples(make_app):
    from hill_arcade.render.points import SELECTION

    app, pilot = make_app()
    play = pilot.play
    _, labels, predictions = play.val
    true, pred = next((int(t), int(p)) for t, p in zip(labels, predictions, strict=True)
                      if t != p)
    pilot.press(pygame.K_c)
    box = play.confusion.rect
    assert box.w > 0 and play.view_rect.contains(box)
    cell = play.confusion.cell_rect(true, pred)
    pilot.click(*cell.center)
    assert play.show_val
    chosen = np.flatnonzero((labels == true) & (predictions == pred))
    x, y = np.round(play.camera.world_to_screen(play.val[0][chosen[0]])).astype(int)
    ring = [pilot.pixel(x + dx, y) for dx in range(5, 10)]
    assert SELECTION in ring  # the highlighted sample carries the selection ring
    event = [e for e in read_events(app.log_dir / "events.jsonl")
             if e["type"] == "view" and e["option"] == "confusion_cell"][-1]
    assert (event["true"], event["pred"], event["count"]) == (true, pred, len(chosen))
    pilot.press(pygame.K_c)
    assert play.confusion.rect.w == 0


def test_each_round_gets_a_ledger_line_in_the_log_and_csv(make_app):
    import csv

    app, pilot = make_app()
    x, y = pilot.cross_screen(6)
    pilot.drag((x, y), (x + 50, y))
    _round(app, pilot)
    _round(app, pilot)  # no new edit: the target stays in force, the line says so
    lines = [e for e in read_events(app.log_dir / "events.jsonl") if e["type"] == "ledger"]
    assert [line["round"] for line in lines] == [1, 2]
    assert lines[0]["edits"] == "move_class 6" and lines[0]["edited_classes"] == "6"
    assert lines[1]["edits"] == "" and lines[0]["reach"] is not None
    assert lines[0]["to_epoch"] == lines[0]["from_epoch"] + 1
    with open(app.log_dir / "ledger.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["round"] for r in rows] == ["1", "2"] and rows[0]["edited_classes"] == "6"
    # every epoch's projection is exported with the targets in force
    with np.load(app.log_dir / "projections" / "epoch_002.npz") as saved:
        assert int(saved["epoch"]) == 2 and saved["points"].shape == (200, 2)
        assert np.isfinite(saved["target_centers"][6]).all()
        assert np.isnan(saved["target_centers"][5]).all()


def test_hovering_a_dot_shows_its_card_with_its_label_and_sample(make_app):
    from hill_arcade.views.inspector import CARD_BG

    app, pilot = make_app()
    play = pilot.play
    crosses = play.cross_positions()
    scr = np.round(play.point_screen()).astype(int)
    i = next(k for k in range(len(scr)) if np.hypot(*(crosses - scr[k]).T).min() > 30
             and play.hit_point(tuple(scr[k])) == k)
    pilot.move(*scr[i])
    pilot.step(2)
    card = play.canvas.inspector.rect(play, i, tuple(scr[i]))
    assert pilot.pixel(card.right - 4, card.bottom - 4) == CARD_BG
    grey = i % 256  # the fake sample's grey level: the picture is this point's sample
    assert pilot.pixel(card.centerx, card.y + 30) == (grey, grey, grey)
    lines = play.canvas.inspector.lines(play, i)
    assert lines[0][0] == f"true: c{play.edits.labels[i]}"
    assert lines[1][0].endswith("(75%)") and lines[2][0].startswith("baseline:")
    vr = play.view_rect
    pilot.move(vr.x + 3, vr.y + 3)  # away from every dot: the card goes
    pilot.step(2)
    assert pilot.pixel(card.right - 4, card.bottom - 4) != CARD_BG
