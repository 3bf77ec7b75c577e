"""Study sessions: counterbalancing, atomic persistence, resume, refusals, time limits."""

import json
import math
import os
from collections import Counter

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

import pytest  # noqa: E402

from hill_arcade.config import StudyConfig  # noqa: E402
from hill_arcade.errors import HillError  # noqa: E402
from hill_arcade.eventlog import read_csv, read_events  # noqa: E402
from hill_arcade.study import session as session_mod  # noqa: E402
from hill_arcade.study.session import (  # noqa: E402
    StudySession,
    counterbalanced_order,
    participant_number,
    require_pretrained,
    williams_rows,
)
from hill_arcade.study.timing import (  # noqa: E402
    Countdown,
    format_remaining,
    scenario_countdown,
    session_countdown,
    time_limit_action,
)
from tests.data_fixtures import write_minimal_checkpoint  # noqa: E402

ANSWERS = {"umux_1": 6, "umux_2": 5, "tlx_mental": 10, "tlx_physical": 2, "tlx_temporal": 3,
           "tlx_performance": 8, "tlx_effort": 12, "tlx_frustration": 5,
           **{f"q{i}": 10.0 * i for i in range(1, 8)}}


@pytest.mark.parametrize("scenarios", [["cifar10", "pamap2"], ["digits", "cifar10", "pamap2"]])
def test_counterbalancing_p01_to_p06_uses_each_order_equally(tmp_path, scenarios):
    orders = Counter()
    for p in range(1, 7):
        s = StudySession.create(tmp_path, f"P{p:02d}", scenarios=scenarios)
        saved = json.loads((tmp_path / f"P{p:02d}" / "session.json").read_text())
        assert saved["order_source"] == "counterbalanced"
        assert saved["order"] == s.state.order
        orders[tuple(s.state.order)] += 1
    n_orders = math.factorial(len(scenarios))
    assert len(orders) == n_orders
    assert set(orders.values()) == {6 // n_orders}
    # each scenario comes first equally often
    firsts = Counter(order[0] for order, k in orders.items() for _ in range(k))
    assert set(firsts.values()) == {6 // len(scenarios)}


def test_williams_square_is_balanced():
    for n in (4, 5, 6):
        rows = williams_rows(n)
        for pos in range(n):
            assert Counter(r[pos] for r in rows) == Counter({c: len(rows) // n for c in range(n)})
        pairs = Counter((r[i], r[i + 1]) for r in rows for i in range(n - 1))
        assert len(set(pairs.values())) == 1  # each ordered neighbour pair equally often
    assert counterbalanced_order(list("abcde"), 1) == ["a", "b", "e", "c", "d"]


def test_order_override_is_recorded(tmp_path):
    s = StudySession.create(tmp_path, "P01", scenarios=["cifar10", "pamap2"],
                            order=["pamap2", "cifar10"])
    saved = json.loads(s.session_file.read_text())
    assert saved["order"] == ["pamap2", "cifar10"]
    assert saved["order_source"] == "override"
    with pytest.raises(HillError, match="permutation"):
        StudySession.create(tmp_path, "P02", scenarios=["cifar10", "pamap2"], order=["digits"])


def test_participant_ids():
    assert participant_number("P07") == 7
    assert participant_number("s-12") == 12
    for bad in ("Pxx", "../P01", ""):
        with pytest.raises(HillError):
            participant_number(bad)


def test_existing_session_is_not_overwritten(tmp_path):
    StudySession.create(tmp_path, "P03")
    with pytest.raises(HillError, match="already exists"):
        StudySession.create(tmp_path, "P03")
    with pytest.raises(HillError, match="no session to resume"):
        StudySession.resume(tmp_path, "P04")


def test_state_is_written_atomically_after_every_change(tmp_path, monkeypatch):
    pretrained = tmp_path / "pre.pt"
    pretrained.write_bytes(b"x")
    s = StudySession.create(tmp_path, "P01", scenarios=["cifar10", "pamap2"])
    replaced = []
    real_replace = os.replace

    def spy(src, dst):
        replaced.append((os.path.basename(src), os.path.basename(dst)))
        assert json.loads(open(src).read())  # the temp file is complete before the rename
        real_replace(src, dst)

    monkeypatch.setattr(session_mod.os, "replace", spy)
    s.start_scenario(pretrained)
    s.complete_round()
    assert replaced == [(".session.json.tmp", "session.json")] * 2
    assert json.loads(s.session_file.read_text())["point_index"] == 1
    assert not (s.folder / ".session.json.tmp").exists()


def test_resume_says_where_to_continue(tmp_path):
    pretrained = tmp_path / "runs" / "cifar10" / "epoch_025.pt"
    pretrained.parent.mkdir(parents=True)
    pretrained.write_bytes(b"x")
    rows = "".join(f"{e},{e / 100}\n" for e in [*range(1, 31), 25])  # resumed run: 25 twice
    (pretrained.parent / "metrics.csv").write_text("epoch,val_acc\n" + rows)
    s = StudySession.create(tmp_path, "P01", scenarios=["cifar10", "pamap2"])
    assert s.state.order == ["cifar10", "pamap2"]
    first = s.resume_point()
    assert (first.stage, first.scenario, first.point_index, first.epoch) == \
        ("interact", "cifar10", 0, 25)
    s.start_scenario(pretrained)
    for epoch in (30, 35):  # rounds 25->30 and 30->35, checkpoints saved before advancing
        assert s.round_end_epoch() == epoch
        write_minimal_checkpoint(s.checkpoint_path("cifar10", epoch), epoch)
        s.complete_round()
    s.log_metrics("cifar10", "hill", 35, 0.8)
    s.close()

    r = StudySession.resume(tmp_path, "P01")
    where = r.resume_point()
    assert (where.stage, where.scenario, where.point_index, where.epoch) == \
        ("interact", "cifar10", 2, 35)
    assert where.checkpoint == tmp_path / "P01" / "checkpoints" / "cifar10" / "epoch_035.pt"

    # a crash after advancing but before the checkpoint was written: fall back one point
    r.complete_round()
    r.close()
    r = StudySession.resume(tmp_path, "P01")
    assert r.state.point_index == 2
    assert r.resume_point().checkpoint.name == "epoch_035.pt"

    r.complete_round()
    r.complete_round()
    assert r.round_end_epoch(3) == 45
    q = r.resume_point()
    assert (q.stage, q.epoch) == ("questionnaire", 45)
    scores = r.complete_questionnaire(ANSWERS)
    assert scores["sus_parity"] == pytest.approx(71.65)
    r.close()

    r = StudySession.resume(tmp_path, "P01")
    nxt = r.resume_point()
    assert (nxt.stage, nxt.scenario, nxt.point_index, nxt.checkpoint) == \
        ("interact", "pamap2", 0, None)
    assert r.state.completed_questionnaires == ["cifar10"]
    r.end_scenario_early("time limit")
    r.complete_questionnaire(ANSWERS)
    assert r.resume_point().stage == "done"
    with pytest.raises(HillError, match="finished"):
        r.complete_round()
    r.close()

    rows = read_csv(tmp_path / "P01" / "questionnaires.csv")
    assert [row["scenario"] for row in rows] == ["cifar10", "pamap2"]
    assert float(rows[0]["tlx_total"]) == 40
    events = read_events(tmp_path / "P01" / "events.jsonl").events
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert events[0]["type"] == "session_created"
    metrics = read_csv(tmp_path / "P01" / "metrics.csv")
    pre = [(r["epoch"], r["val_acc"]) for r in metrics if r["phase"] == "pretrain"]
    assert pre == [(str(e), str(e / 100)) for e in range(1, 26)]  # up to the checkpoint epoch
    assert (metrics[-1]["phase"], metrics[-1]["epoch"], metrics[-1]["val_acc"]) == \
        ("hill", "35", "0.8")


def test_questionnaire_refused_before_last_point(tmp_path):
    s = StudySession.create(tmp_path, "P01")
    with pytest.raises(HillError, match="questionnaire before"):
        s.complete_questionnaire(ANSWERS)
    s.end_scenario_early("test")
    with pytest.raises(ValueError, match="q1"):
        s.complete_questionnaire({k: v for k, v in ANSWERS.items() if k != "q1"})
    assert s.state.scenario_index == 0  # nothing advanced on a refused questionnaire


def test_require_pretrained_gives_the_command(tmp_path):
    ok = tmp_path / "ok.pt"
    ok.write_bytes(b"x")
    assert require_pretrained("cifar10", ok) == ok
    missing = tmp_path / "runs" / "pamap2" / "epoch_025.pt"
    with pytest.raises(HillError) as info:
        require_pretrained("pamap2", missing)
    assert (f"hill-arcade train scenes/pamap2.yaml --epochs 25 --out {missing.parent}"
            in str(info.value))


def test_countdown_with_injected_clock():
    now = [100.0]
    cd = Countdown(60.0, started_at=100.0, clock=lambda: now[0])
    assert cd.remaining() == 60.0 and not cd.expired()
    now[0] = 159.5
    assert cd.remaining() == pytest.approx(0.5)
    assert cd.expired(now=160.0) and cd.remaining(now=200.0) == 0.0
    assert format_remaining(cd.remaining(now=100.0)) == "1:00"
    unlimited = Countdown(None, started_at=0.0)
    assert unlimited.remaining(1e9) == math.inf and not unlimited.expired(1e9)
    assert format_remaining(math.inf) == "--:--"

    cfg = StudyConfig(scenario_time_limit_s=600.0, session_time_limit_s=3600.0,
                      on_time_limit="end_scenario")
    scen, sess = scenario_countdown(cfg, 1000.0), session_countdown(cfg, 0.0)
    assert time_limit_action(cfg, scen, sess, now=1500.0) is None
    assert time_limit_action(cfg, scen, sess, now=1600.0) == "end_scenario"
    assert time_limit_action(StudyConfig(), Countdown(None, 0.0), now=1e9) is None
