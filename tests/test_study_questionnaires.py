"""Questionnaire loading, validation and scoring (hand-computed values)."""

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

import pytest  # noqa: E402

from hill_arcade.errors import ConfigError  # noqa: E402
from hill_arcade.study.questionnaires import (  # noqa: E402
    default_questionnaires,
    load_questionnaires,
    score,
)


def full_answers(**overrides):
    answers = {"umux_1": 6, "umux_2": 5}
    answers.update({k: 10 for k in ("tlx_mental", "tlx_physical", "tlx_temporal",
                                    "tlx_performance", "tlx_effort", "tlx_frustration")})
    answers.update({f"q{i}": 50.0 for i in range(1, 8)})
    answers.update(overrides)
    return answers


def test_bundled_file_has_the_three_instruments():
    q = default_questionnaires()
    assert [i.id for i in q.instruments] == ["umux_lite", "nasa_tlx", "custom"]
    assert [i.text for i in q.instrument("umux_lite").items] == [
        "This system's capabilities meet my requirements.", "This system is easy to use."]
    assert (q.item("umux_1").lo, q.item("umux_1").hi) == (1, 7)
    perf = q.item("tlx_performance")
    assert (perf.low, perf.high, perf.lo, perf.hi) == ("Perfect", "Failure", 0, 20)
    assert q.item("tlx_mental").low == "Very Low"
    assert q.item("q2").text == "The system distracting me during my task."
    assert (q.item("q7").lo, q.item("q7").hi, q.item("q7").low) == (0, 100, "strongly disagree")
    assert len(q.instrument("custom").items) == 7


def test_scores_by_hand():
    s = score(full_answers(tlx_mental=15, tlx_physical=2, tlx_temporal=3, tlx_performance=8,
                           tlx_effort=12, tlx_frustration=0, q4=23.5))
    assert s["umux_1"] == 6 and s["umux_2"] == 5
    assert s["umux_lite"] == pytest.approx(75.0)  # (6+5-2)/12*100
    assert s["sus_parity"] == pytest.approx(71.65)  # 0.65*75+22.9
    assert s["tlx_total"] == 40
    assert s["q4"] == 23.5
    extremes = score(full_answers(umux_1=7, umux_2=7))
    assert extremes["umux_lite"] == pytest.approx(100.0)
    assert extremes["sus_parity"] == pytest.approx(87.9)
    assert score(full_answers(umux_1=1, umux_2=1))["sus_parity"] == pytest.approx(22.9)


def test_incomplete_and_out_of_range_answers_are_refused():
    answers = full_answers()
    del answers["q3"]
    with pytest.raises(ValueError, match="q3"):
        score(answers)
    with pytest.raises(ValueError, match="tlx_effort"):
        score(full_answers(tlx_effort=None))
    with pytest.raises(ValueError, match="umux_2"):
        score(full_answers(umux_2=8))
    with pytest.raises(ValueError, match="umux_1"):
        score(full_answers(umux_1=4.5))  # Likert steps are whole numbers
    with pytest.raises(ValueError, match="q6"):
        score(full_answers(q6=100.5))
    with pytest.raises(ValueError, match="tlx_mental"):
        score(full_answers(tlx_mental="high"))
    with pytest.raises(ValueError, match="bogus"):
        score(full_answers(bogus=1))


def test_bad_file_names_file_and_key_path(tmp_path):
    bad = tmp_path / "q.yaml"
    bad.write_text("instruments:\n  - id: x\n    title: X\n    scale: {kind: slider, min: 0, "
                   "max: 1}\n    items: [{id: a, text: A}]\n")
    with pytest.raises(ConfigError, match=r"q\.yaml: instruments\[0\]\.scale\.kind"):
        load_questionnaires(bad)
    bad.write_text("instruments:\n  - id: x\n    title: X\n    scale: {kind: vas, min: 0, "
                   "max: 100}\n    items: [{id: a}]\n")
    with pytest.raises(ConfigError, match=r"instruments\[0\]\.items\[0\]\.text"):
        load_questionnaires(bad)
    with pytest.raises(ConfigError, match="missing.yaml: questionnaire file not found"):
        load_questionnaires(tmp_path / "missing.yaml")
