"""Scene files: YAML (`yaml.safe_load`) validated into frozen, typed dataclasses.

Every error names the file, the key path (``optimizer.lr``) and what was expected.
"""

from __future__ import annotations

import dataclasses
import math
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

import yaml

from hill_arcade.errors import ConfigError

MAX_SCENE_BYTES = 1 << 20  # a scene is a few KiB; this stops /dev/zero or a huge file early
MAX_DEPTH = 32  # nesting levels a scene may use (the deepest built-in section is 3)
MAX_INT = 2**31 - 1  # default upper bound of an int setting without one of its own
_PLUGIN_RE = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")


def _range(lo: float | None = None, hi: float | None = None) -> dict[str, Any]:
    return {"min": lo, "max": hi}


@dataclass(frozen=True)
class DigitsParams:
    val_fraction: float = field(default=0.15, metadata=_range(0.01, 0.5))
    test_fraction: float = field(default=0.15, metadata=_range(0.01, 0.5))


@dataclass(frozen=True)
class Cifar10Params:
    val_size: int = field(default=5000, metadata=_range(1, 9999))
    augment: bool = True
    limit_train: int | None = field(default=None, metadata=_range(1))


@dataclass(frozen=True)
class Pamap2Params:
    window: int = field(default=100, metadata=_range(2))
    step: int = field(default=50, metadata=_range(1))
    train_subjects: list[int] = field(default_factory=lambda: [101, 102, 103, 104, 105, 106])
    val_subjects: list[int] = field(default_factory=lambda: [107])
    test_subjects: list[int] = field(default_factory=lambda: [108])


@dataclass(frozen=True)
class Mnist1dParams:
    val_fraction: float = field(default=0.2, metadata=_range(0.01, 0.5))
    limit_per_class: int | None = field(default=None, metadata=_range(1))  # training samples
    num_samples: int = field(default=5000, metadata=_range(100, 1000000))
    data_seed: int = field(default=42, metadata=_range(0))  # 42: the published MNIST-1D


BUILTIN_DATASET_PARAMS: dict[str, type] = {
    "digits": DigitsParams,
    "cifar10": Cifar10Params,
    "pamap2": Pamap2Params,
    "mnist1d": Mnist1dParams,
}


@dataclass(frozen=True)
class DatasetConfig:
    name: str = "digits"
    root: str | None = None
    params: Any = None  # a *Params dataclass for built-ins, a plain dict for plugins


@dataclass(frozen=True)
class ModelConfig:
    name: str = "digits_cnn"
    projection_hidden: int = field(default=64, metadata=_range(2, 4096))
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OptimizerConfig:
    name: Literal["adam", "adamw", "sgd"] = "adam"
    lr: float = field(default=2e-3, metadata=_range(1e-8, 10.0))
    weight_decay: float = field(default=1e-5, metadata=_range(0.0, 1.0))
    batch_size: int = field(default=64, metadata=_range(1, 65536))


AdaptiveMode = Literal["off", "shadow_gate", "grad_agree"]
ADAPTIVE_MODES: tuple[str, ...] = get_args(AdaptiveMode)


@dataclass(frozen=True)
class HillConfig:
    alpha: float = field(default=0.5, metadata=_range(0.0, 1.0))
    lam: float = field(default=0.1, metadata=_range(0.0, 10.0))
    # L_human variant (hill_arcade.training.loss.LOSSES): "paper" = the paper's Fig. 2 exactly
    loss: Literal["paper", "balanced"] = "paper"
    # which classes an edit gives targets (hill_arcade.targets): "edited" = the classes a
    # person moved, kept until moved again or cleared; "layout" = the paper's: every class of
    # the edited layout, for the round it starts
    targets: Literal["edited", "layout"] = "edited"
    # adaptive α (hill_arcade.training.adaptive): shadow_gate halves α while val CE is above
    # the lockstep baseline's, grad_agree drops the human term on steps whose gradient
    # disagrees with CE's; off = the α a person set is the α in force
    adaptive: AdaptiveMode = "off"


@dataclass(frozen=True)
class ScheduleConfig:
    pretrain_epochs: int = field(default=25, metadata=_range(1, 100000))
    interaction_points: list[int] = field(default_factory=lambda: [25, 30, 35, 40])
    epochs_per_round: int = field(default=5, metadata=_range(1, 10000))


@dataclass(frozen=True)
class DisplayConfig:
    per_class: int | Literal["all"] = field(default=200, metadata=_range(1))


@dataclass(frozen=True)
class RuntimeConfig:
    device: Literal["auto", "cpu", "cuda", "mps"] = "auto"
    threads: int | None = field(default=None, metadata=_range(1, 1024))
    amp: bool = True
    seed: int = field(default=0, metadata=_range(0, 2**32 - 1))


@dataclass(frozen=True)
class UiConfig:
    fps: int = field(default=60, metadata=_range(10, 480))
    width: int = field(default=1280, metadata=_range(320, 16384))
    height: int = field(default=800, metadata=_range(240, 16384))
    live_every: int = field(default=0, metadata=_range(0))  # steps between live refreshes, 0 = off
    scale: float | None = field(default=None, metadata=_range(0.5, 4.0))  # None: from the desktop


@dataclass(frozen=True)
class KioskConfig:
    idle_attract_s: float = field(default=45.0, metadata=_range(1.0))
    idle_reset_s: float = field(default=180.0, metadata=_range(1.0))
    admin_chord: list[str] = field(default_factory=lambda: ["ctrl", "shift", "alt", "q"])
    live_every: int = field(default=20, metadata=_range(1))
    round_epochs: int = field(default=1, metadata=_range(1, 1000))
    hang_s: float = field(default=120.0, metadata=_range(1.0))  # training, no progress: hung


@dataclass(frozen=True)
class StudyConfig:
    scenario_time_limit_s: float | None = field(default=None, metadata=_range(1.0))
    session_time_limit_s: float | None = field(default=None, metadata=_range(1.0))
    on_time_limit: Literal["finish_round", "end_scenario"] = "finish_round"
    # a study replicates the paper: "paper" runs it with hill.loss paper and hill.targets
    # layout whatever the scene's play settings; "scene" keeps the scene's own hill section
    hill: Literal["paper", "scene"] = "paper"


@dataclass(frozen=True)
class InsightConfig:
    """Counterfactual twins trained in lockstep once a human term is active (issue 12)."""

    baseline: Literal["auto", "on", "off"] = "auto"  # auto: on while it stays cheap enough
    controls: list[Literal["alpha_only"]] = field(default_factory=list)


@dataclass(frozen=True)
class SceneConfig:
    name: str = "digits"
    dataset: DatasetConfig = field(default_factory=DatasetConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    optimizer: OptimizerConfig = field(default_factory=OptimizerConfig)
    hill: HillConfig = field(default_factory=HillConfig)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    display: DisplayConfig = field(default_factory=DisplayConfig)
    runtime: RuntimeConfig = field(default_factory=RuntimeConfig)
    ui: UiConfig = field(default_factory=UiConfig)
    kiosk: KioskConfig = field(default_factory=KioskConfig)
    study: StudyConfig = field(default_factory=StudyConfig)
    insight: InsightConfig = field(default_factory=InsightConfig)
    source: str = field(default="<defaults>", metadata={"internal": True})

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (for checkpoints and logs)."""
        return dataclasses.asdict(self)


class _Validator:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: str, expected: str, got: Any) -> typing.NoReturn:
        raise ConfigError(f"{self.source}: {path or '<top>'}: expected {expected}, got {got!r}")

    def build(self, cls: type, data: Any, path: str) -> Any:
        if data is None:
            data = {}
        if not isinstance(data, dict):
            self.fail(path, "a mapping", data)
        hints = typing.get_type_hints(cls)
        known = {f.name: f for f in dataclasses.fields(cls) if not f.metadata.get("internal")}
        for key in data:
            if key not in known:
                where = f"{path}.{key}" if path else str(key)
                raise ConfigError(
                    f"{self.source}: {where}: unknown key (expected one of: {', '.join(known)})"
                )
        values = {}
        for name, f in known.items():
            if name not in data:
                continue
            sub = f"{path}.{name}" if path else name
            values[name] = self.value(hints[name], data[name], sub, f.metadata)
        return cls(**values)

    def value(self, tp: Any, raw: Any, path: str, meta: Any = None) -> Any:
        origin = get_origin(tp)
        if dataclasses.is_dataclass(tp):
            return self.build(tp, raw, path)
        if origin in (Union, types.UnionType):
            options = get_args(tp)
            if raw is None and type(None) in options:
                return None
            errors = []
            for option in options:
                if option is type(None):
                    continue
                try:
                    return self.value(option, raw, path, meta)
                except ConfigError as exc:
                    errors.append(exc)
            if len(errors) == 1:
                raise errors[0]
            self.fail(path, " or ".join(_describe(o) for o in options), raw)
        if origin is Literal:
            if raw not in get_args(tp):
                self.fail(path, "one of " + ", ".join(repr(a) for a in get_args(tp)), raw)
            return raw
        if origin is list:
            if not isinstance(raw, list):
                self.fail(path, f"a list of {_describe(get_args(tp)[0])}", raw)
            return [self.value(get_args(tp)[0], v, f"{path}[{i}]", meta) for i, v in enumerate(raw)]
        if origin is dict or tp is Any:
            if origin is dict and not isinstance(raw, dict):
                self.fail(path, "a mapping", raw)
            return raw
        if tp is bool:
            if not isinstance(raw, bool):
                self.fail(path, "true or false", raw)
            return raw
        if tp is int:
            if isinstance(raw, bool) or not isinstance(raw, int):
                self.fail(path, "an integer", raw)
            return self.check_range(raw, path, meta)
        if tp is float:
            if isinstance(raw, str):
                try:  # YAML reads "1e-4" as a string
                    raw = float(raw)
                except ValueError:
                    self.fail(path, "a number", raw)
            if isinstance(raw, bool) or not isinstance(raw, (int, float)):
                self.fail(path, "a number", raw)
            try:
                value = float(raw)
            except OverflowError:  # an int too large for a float
                self.fail(path, "a finite number", raw)
            if not math.isfinite(value):
                self.fail(path, "a finite number", raw)
            return self.check_range(value, path, meta)
        if tp is str:
            if not isinstance(raw, str):
                self.fail(path, "a string", raw)
            return raw
        raise TypeError(f"unsupported config type {tp!r} at {path}")  # programming error

    def check_range(self, value: float, path: str, meta: Any) -> Any:
        lo = meta.get("min") if meta else None
        hi = meta.get("max") if meta else None
        if isinstance(value, int) and hi is None:
            hi = MAX_INT  # every number has a bound: 2**64 seeds, epochs of 1e30, ...
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            bounds = f"{'-inf' if lo is None else lo}..{'inf' if hi is None else hi}"
            self.fail(path, f"a value in {bounds}", value)
        return value


def _describe(tp: Any) -> str:
    if get_origin(tp) is Literal:
        return "/".join(repr(a) for a in get_args(tp))
    return getattr(tp, "__name__", str(tp))


def scene_from_dict(data: Any, source: str = "<dict>") -> SceneConfig:
    """Validate plain data (as from YAML) into a SceneConfig; raises ConfigError."""
    v = _Validator(source)
    if not isinstance(data, dict):
        v.fail("", "a mapping of scene settings", data)
    data = dict(data)
    dataset_raw = data.pop("dataset", None) or {}
    scene = v.build(SceneConfig, data, "")
    dataset = _build_dataset(v, dataset_raw)
    scene = dataclasses.replace(scene, dataset=dataset, source=source)
    _check_cross_fields(v, scene)
    return scene


def _build_dataset(v: _Validator, raw: Any) -> DatasetConfig:
    if not isinstance(raw, dict):
        v.fail("dataset", "a mapping", raw)
    raw = dict(raw)
    params_raw = raw.pop("params", None)
    base = v.build(DatasetConfig, raw, "dataset")
    params_cls = BUILTIN_DATASET_PARAMS.get(base.name)
    if params_cls is not None:
        params = v.build(params_cls, params_raw, "dataset.params")
    elif ":" in base.name:
        if params_raw is not None and not isinstance(params_raw, dict):
            v.fail("dataset.params", "a mapping", params_raw)
        params = dict(params_raw or {})
    else:
        names = ", ".join(BUILTIN_DATASET_PARAMS)
        v.fail("dataset.name", f"one of {names} or a plugin path 'package.module:function'",
               base.name)
    return dataclasses.replace(base, params=params)


def _check_cross_fields(v: _Validator, scene: SceneConfig) -> None:
    points = scene.schedule.interaction_points
    if any(p < 1 for p in points):
        v.fail("schedule.interaction_points", "positive epoch numbers", points)
    if points != sorted(set(points)):
        v.fail("schedule.interaction_points", "strictly increasing epochs", points)
    if points and points[0] < scene.schedule.pretrain_epochs:
        v.fail("schedule.interaction_points",
               f"epochs >= pretrain_epochs ({scene.schedule.pretrain_epochs})", points)
    for key, name in (("dataset.name", scene.dataset.name), ("model.name", scene.model.name)):
        if ":" in name and not _PLUGIN_RE.fullmatch(name):
            v.fail(key, "a plugin path 'package.module:function' (Python names only)", name)
    params = scene.dataset.params
    fractions = [getattr(params, k) for k in ("val_fraction", "test_fraction")
                 if isinstance(getattr(params, k, None), float)]
    if len(fractions) > 1 and sum(fractions) >= 0.9:
        v.fail("dataset.params", "val_fraction + test_fraction below 0.9 (data is left to "
               "train on)", sum(fractions))
    if not scene.kiosk.admin_chord:
        v.fail("kiosk.admin_chord", "modifier names and one key (e.g. [ctrl, shift, alt, q]); "
               "an empty chord would lock the kiosk for good", scene.kiosk.admin_chord)
    if scene.kiosk.idle_reset_s <= scene.kiosk.idle_attract_s:
        v.fail("kiosk.idle_reset_s",
               f"a value greater than kiosk.idle_attract_s ({scene.kiosk.idle_attract_s})",
               scene.kiosk.idle_reset_s)
    if isinstance(scene.dataset.params, Pamap2Params):
        p = scene.dataset.params
        for key in ("train_subjects", "val_subjects", "test_subjects"):
            if not getattr(p, key):
                v.fail(f"dataset.params.{key}", "at least one subject id", getattr(p, key))


class _UniqueKeyLoader(yaml.SafeLoader):
    """`yaml.SafeLoader` that refuses a key given twice in one mapping (the last would win)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[Any, Any] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                if key in seen:
                    mark = key_node.start_mark
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key!r} (first at line "
                        f"{seen[key].line + 1})", mark)
                seen[key] = key_node.start_mark
            except TypeError:  # an unhashable key; SafeLoader reports it below
                pass
        return super().construct_mapping(node, deep=deep)


def _read_text(path: Path, what: str) -> str:
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_SCENE_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(f"{path}: {what} file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: expected a {what} file, got a folder") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read {what} file ({exc.strerror})") from None
    if len(data) > MAX_SCENE_BYTES:
        raise ConfigError(f"{path}: {what} file larger than {MAX_SCENE_BYTES // 1024} KiB; "
                          f"is it really a {what} file?")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not a UTF-8 text file (byte 0x{data[exc.start]:02x} at "
                          f"offset {exc.start}); save the {what} as UTF-8 YAML") from None
    if "\x00" in text:
        raise ConfigError(f"{path}: not a text file (it contains NUL bytes)")
    return text


def _check_depth(data: Any, source: str) -> None:
    """Refuse structures nested deeper than MAX_DEPTH (iteratively: no RecursionError)."""
    stack = [(data, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ConfigError(f"{source}: nested more than {MAX_DEPTH} levels deep")
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)


def _check_finite(data: Any, source: str) -> None:
    """Refuse NaN and infinity anywhere in a file (plugin params included), naming the key."""
    stack: list[tuple[Any, str]] = [(data, "")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, float) and not math.isfinite(node):
            raise ConfigError(f"{source}: {path or '<top>'}: expected a finite number, "
                              f"got {node!r}")
        if isinstance(node, dict):
            stack.extend((v, f"{path}.{k}" if path else str(k)) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, f"{path}[{i}]") for i, v in enumerate(node))


def read_yaml(path: str | Path, what: str) -> Any:
    """Load a YAML file safely: UTF-8, at most MAX_SCENE_BYTES, no duplicate keys, nesting
    within MAX_DEPTH, no NaN/inf; every problem is a one-line ConfigError naming the file."""
    path = Path(path)
    text = _read_text(path, what)
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError(f"{path}: YAML syntax error{where}: {problem}") from None
    except RecursionError:
        raise ConfigError(f"{path}: nested more than {MAX_DEPTH} levels deep") from None
    _check_depth(data, str(path))
    _check_finite(data, str(path))
    return data


def load_scene(path: str | Path) -> SceneConfig:
    """Read and validate a scene YAML file; raises ConfigError naming file, key and expectation."""
    return scene_from_dict(read_yaml(path, "scene"), str(path))


def bundled_scenes() -> list[str]:
    """Names of the scenes in the bundled `scenes/` folder (`digits`, `cifar10`, ...)."""
    from hill_arcade import SCENES_DIR

    return sorted(p.stem for p in SCENES_DIR.glob("*.yaml"))


def resolve_scene(name_or_path: str | Path) -> Path:
    """Accept a scene file path or a bare scene name from the bundled `scenes/` folder.

    A name that is neither is a ConfigError listing the bundled scenes and the closest one.
    """
    import difflib

    from hill_arcade import SCENES_DIR

    path = Path(name_or_path)
    if path.exists():
        return path
    bundled = SCENES_DIR / f"{name_or_path}.yaml"
    if path.suffix not in (".yaml", ".yml") and bundled.exists():
        return bundled
    names = bundled_scenes()
    close = difflib.get_close_matches(path.stem, names, n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    raise ConfigError(f"{path}: scene file not found (bundled scenes: {', '.join(names)}){hint}")
