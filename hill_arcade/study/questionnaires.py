"""Study questionnaires (UMUX-Lite, raw NASA-TLX, the paper's VAS items): loading and scoring."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hill_arcade import ASSETS_DIR
from hill_arcade.config import read_yaml
from hill_arcade.errors import ConfigError

DEFAULT_PATH = ASSETS_DIR / "questionnaires.yaml"

UMUX_ITEMS = ("umux_1", "umux_2")
TLX_ITEMS = (
    "tlx_mental",
    "tlx_physical",
    "tlx_temporal",
    "tlx_performance",
    "tlx_effort",
    "tlx_frustration",
)
VAS_ITEMS = ("q1", "q2", "q3", "q4", "q5", "q6", "q7")
SCALE_KINDS = ("likert", "tlx", "vas")


@dataclass(frozen=True)
class Item:
    """One question: `low`/`high` are the anchor texts at `lo`/`hi`; `step` 0 = continuous."""

    id: str
    text: str
    label: str
    kind: str
    lo: float
    hi: float
    step: float
    low: str
    high: str

    def check(self, value: Any) -> float:
        """Return `value` as a float, or raise ValueError naming this item."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{self.id}: expected a number in {self.lo:g}..{self.hi:g}, "
                             f"got {value!r}")
        v = float(value)
        if not math.isfinite(v) or v < self.lo or v > self.hi:
            raise ValueError(f"{self.id}: expected a number in {self.lo:g}..{self.hi:g}, "
                             f"got {value!r}")
        if self.step and abs((v - self.lo) / self.step - round((v - self.lo) / self.step)) > 1e-9:
            raise ValueError(f"{self.id}: expected a multiple of {self.step:g} from {self.lo:g}, "
                             f"got {value!r}")
        return v


@dataclass(frozen=True)
class Instrument:
    """A questionnaire administered as one page (e.g. UMUX-Lite)."""

    id: str
    title: str
    instructions: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Questionnaires:
    """All instruments, in administration order."""

    instruments: tuple[Instrument, ...]
    source: str

    @property
    def items(self) -> tuple[Item, ...]:
        """Every item of every instrument, in order."""
        return tuple(item for inst in self.instruments for item in inst.items)

    def item(self, item_id: str) -> Item:
        """The item with this id (KeyError if unknown)."""
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def instrument(self, instrument_id: str) -> Instrument:
        """The instrument with this id (KeyError if unknown)."""
        for inst in self.instruments:
            if inst.id == instrument_id:
                return inst
        raise KeyError(instrument_id)


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: str, expected: str, got: Any) -> ConfigError:
        return ConfigError(f"{self.source}: {path}: expected {expected}, got {got!r}")

    def mapping(self, raw: Any, path: str) -> dict:
        if not isinstance(raw, dict):
            raise self.fail(path, "a mapping", raw)
        return raw

    def text(self, raw: Mapping, key: str, path: str, default: str | None = None) -> str:
        value = raw.get(key, default)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{path}.{key}", "a non-empty string", value)
        return value.strip()

    def number(self, raw: Mapping, key: str, path: str, default: float | None = None) -> float:
        value = raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(f"{path}.{key}", "a number", value)
        return float(value)


def questionnaires_from_dict(data: Any, source: str = "<dict>") -> Questionnaires:
    """Validate plain data (as from YAML) into Questionnaires; raises ConfigError."""
    r = _Reader(source)
    top = r.mapping(data, "<top>")
    raw_instruments = top.get("instruments")
    if not isinstance(raw_instruments, list) or not raw_instruments:
        raise r.fail("instruments", "a non-empty list", raw_instruments)
    seen: set[str] = set()
    instruments = []
    for i, raw_inst in enumerate(raw_instruments):
        ipath = f"instruments[{i}]"
        inst = r.mapping(raw_inst, ipath)
        scale = r.mapping(inst.get("scale"), f"{ipath}.scale")
        spath = f"{ipath}.scale"
        kind = scale.get("kind")
        if kind not in SCALE_KINDS:
            raise r.fail(f"{spath}.kind", "one of " + ", ".join(SCALE_KINDS), kind)
        lo, hi = r.number(scale, "min", spath), r.number(scale, "max", spath)
        if hi <= lo:
            raise r.fail(f"{spath}.max", f"a number greater than min ({lo:g})", hi)
        step = r.number(scale, "step", spath, 0.0)
        if step < 0:
            raise r.fail(f"{spath}.step", "a number >= 0", step)
        raw_items = inst.get("items")
        if not isinstance(raw_items, list) or not raw_items:
            raise r.fail(f"{ipath}.items", "a non-empty list", raw_items)
        items = []
        for j, raw_item in enumerate(raw_items):
            path = f"{ipath}.items[{j}]"
            item = r.mapping(raw_item, path)
            item_id = r.text(item, "id", path)
            if item_id in seen:
                raise r.fail(f"{path}.id", "an id not used by another item", item_id)
            seen.add(item_id)
            items.append(Item(
                id=item_id,
                text=r.text(item, "text", path),
                label=r.text(item, "label", path, item_id),
                kind=kind,
                lo=lo,
                hi=hi,
                step=step,
                low=r.text(item, "low", path, scale.get("low")),
                high=r.text(item, "high", path, scale.get("high")),
            ))
        instruments.append(Instrument(
            id=r.text(inst, "id", ipath),
            title=r.text(inst, "title", ipath),
            instructions=r.text(inst, "instructions", ipath, "-"),
            items=tuple(items),
        ))
    for required in (*UMUX_ITEMS, *TLX_ITEMS, *VAS_ITEMS):
        if required not in seen:
            raise r.fail("instruments", f"an item with id {required!r}", sorted(seen))
    return Questionnaires(tuple(instruments), source)


def load_questionnaires(path: str | Path = DEFAULT_PATH) -> Questionnaires:
    """Read and validate a questionnaire YAML file; raises ConfigError naming file and key path."""
    data = read_yaml(path, "questionnaire")
    return questionnaires_from_dict(data, str(path))


_DEFAULT: Questionnaires | None = None


def default_questionnaires() -> Questionnaires:
    """The bundled `assets/questionnaires.yaml`, loaded once."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = load_questionnaires(DEFAULT_PATH)
    return _DEFAULT


def umux_lite_score(i1: float, i2: float) -> float:
    """UMUX-Lite on 0..100 from two 1..7 items: (i1 + i2 - 2) / 12 * 100."""
    return (i1 + i2 - 2) / 12 * 100


def sus_parity_score(i1: float, i2: float) -> float:
    """SUS-comparable UMUX-Lite (Lewis, Utesch & Maher 2013): 0.65 * umux_lite + 22.9."""
    return 0.65 * ((i1 + i2 - 2) * (100 / 12)) + 22.9


def score(answers: Mapping[str, Any], spec: Questionnaires | None = None) -> dict[str, float]:
    """Score one complete set of answers ({item id: value}).

    Returns the raw items plus `umux_lite`, `sus_parity` and `tlx_total` (0..120). Raises
    ValueError naming the item for a missing, unknown or out-of-range answer.
    """
    spec = spec or default_questionnaires()
    known = {item.id: item for item in spec.items}
    unknown = sorted(set(answers) - set(known))
    if unknown:
        raise ValueError(f"{unknown[0]}: not a questionnaire item")
    missing = [item_id for item_id in known if answers.get(item_id) is None]
    if missing:
        raise ValueError(f"{missing[0]}: not answered ({len(missing)} item(s) missing: "
                         f"{', '.join(missing)})")
    values = {item_id: item.check(answers[item_id]) for item_id, item in known.items()}
    out = dict(values)
    i1, i2 = values[UMUX_ITEMS[0]], values[UMUX_ITEMS[1]]
    out["umux_lite"] = umux_lite_score(i1, i2)
    out["sus_parity"] = sus_parity_score(i1, i2)
    out["tlx_total"] = sum(values[k] for k in TLX_ITEMS)
    return out


def score_columns(spec: Questionnaires | None = None) -> list[str]:
    """Column names of `score()` output, in a stable order (for questionnaires.csv)."""
    spec = spec or default_questionnaires()
    ids = [item.id for item in spec.items]
    return [*ids, "umux_lite", "sus_parity", "tlx_total"]
