"""Files: read and write scenario YAML with clear errors; export result tables."""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from chansim.scenario import Scenario

__all__ = ["ScenarioError", "dump_scenario", "load_scenario", "parse_scenario", "scenario_to_yaml"]

MAX_FILE_BYTES = 50 * 1024 * 1024


class ScenarioError(ValueError):
    """A scenario file or document that cannot be used; the message names what is wrong."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source}: invalid scenario\n{lines}")


def _all_field_names(model: type[BaseModel], seen: set[type] | None = None) -> set[str]:
    """Every field name in the schema, for "did you mean" hints on unknown keys."""
    seen = seen or set()
    if model in seen:
        return set()
    seen.add(model)
    names: set[str] = set(model.model_fields)
    for field in model.model_fields.values():
        for sub in _models_in(field.annotation):
            names |= _all_field_names(sub, seen)
    return names


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    import typing

    found: list[type[BaseModel]] = []
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    for arg in typing.get_args(annotation):
        found.extend(_models_in(arg))
    return found


_FIELD_NAMES: set[str] | None = None


def _format_loc(loc: tuple[Any, ...]) -> str:
    """``('nodes', 3, 'lanes', 0, 'lead_time_days')`` -> ``nodes[3].lanes[0].lead_time_days``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in _UNION_TAGS or str(part).startswith("function-"):
            continue  # discriminator tags and validator names are not part of the user's path
        else:
            out += ("." if out else "") + str(part)
    return out


_RELATIVE_PATH = re.compile(r"^[A-Za-z_][\w]*(\[[^\]]*\])*(\.[A-Za-z_][\w]*(\[[^\]]*\])*)*( / [A-Za-z_]\w*)?: ")

_UNION_TAGS = {
    "poisson", "negative_binomial", "normal", "deterministic", "uniform", "empirical",
    "base_stock", "s_S", "r_Q", "periodic_review", "forecast_order_up_to", "sterman", "manual",
    "moving_average", "exponential_smoothing", "int", "float", "str", "list[...]", "none", "exponential",
    "beta", "fixed", "volume_rebate", "growth_rebate", "target_commission", "achievement_plan", "override",
    "constrained-float", "constrained-int", "constrained-str",
}  # fmt: skip


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def format_validation_error(error: ValidationError) -> list[str]:
    """Turn pydantic's errors into lines ``path: what is wrong (got X)``."""
    global _FIELD_NAMES
    if _FIELD_NAMES is None:
        _FIELD_NAMES = _all_field_names(Scenario)
    lines: list[str] = []
    for err in error.errors(include_url=False):
        path = _format_loc(tuple(err["loc"]))
        kind = err["type"]
        if kind == "extra_forbidden":
            key = str(err["loc"][-1])
            near = difflib.get_close_matches(key, sorted(_FIELD_NAMES - {key}), n=1)
            hint = f"; did you mean '{near[0]}'?" if near else ""
            lines.append(f"{path}: unknown key '{key}'{hint}")
        elif kind == "missing":
            lines.append(f"{path}: required field is missing")
        elif kind == "value_error":
            # a model-level check: its lines may start with a field path relative to the model
            msg = str(err["msg"]).removeprefix("Value error, ")
            for line in msg.split("\n"):
                line = line.strip().removeprefix("- ").strip()
                if not line or line.startswith("invalid "):
                    continue
                if not path:
                    lines.append(line)
                elif _RELATIVE_PATH.match(line):
                    lines.append(f"{path}.{line}")
                else:
                    lines.append(f"{path}: {line}")
        elif kind == "union_tag_invalid":
            ctx = err.get("ctx", {})
            lines.append(f"{path}: unknown type {ctx.get('tag')!r}; allowed: {ctx.get('expected_tags')}")
        elif kind == "union_tag_not_found":
            ctx = err.get("ctx", {})
            lines.append(f"{path}: needs a '{ctx.get('discriminator', 'type').strip(chr(39))}' key")
        else:
            msg = str(err["msg"]).removeprefix("Value error, ")
            got = (
                f" (got {_short(err['input'])})" if "input" in err and not isinstance(err["input"], dict | list) else ""
            )
            lines.append(f"{path or '(top level)'}: {msg}{got}")
    # keep order, drop duplicates (unions can report the same problem twice)
    return list(dict.fromkeys(lines))


def parse_scenario(data: Any, source: str = "<scenario>") -> Scenario:
    """Validate a parsed YAML/JSON document into a :class:`Scenario`."""
    if data is None:
        raise ScenarioError(source, ["the file is empty; a scenario needs name, skus, nodes and markets"])
    if not isinstance(data, dict):
        raise ScenarioError(
            source,
            [f"(top level): expected a mapping of fields (name, skus, nodes, markets, ...), got {type(data).__name__}"],
        )
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(source, format_validation_error(exc)) from None
    except RecursionError:
        raise ScenarioError(source, ["the document is nested too deeply"]) from None


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario YAML (or JSON) file."""
    path = Path(path)
    source = str(path)
    if not path.exists():
        raise ScenarioError(source, ["no such file"])
    if path.is_dir():
        raise ScenarioError(source, ["is a directory, not a scenario file"])
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ScenarioError(source, [f"file is {size} bytes; the limit is {MAX_FILE_BYTES}"])
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(source, [f"not UTF-8 text ({exc.reason} at byte {exc.start})"]) from None
    except OSError as exc:
        raise ScenarioError(source, [f"cannot read: {exc.strerror}"]) from None
    if not text.strip():
        raise ScenarioError(source, ["the file is empty; a scenario needs name, skus, nodes and markets"])
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(source, [f"not valid YAML{where}: {problem}"]) from None
    return parse_scenario(data, source)


def scenario_to_yaml(scenario: Scenario) -> str:
    """The scenario as YAML text (defaults left out, stable key order, Unicode kept)."""
    data = _compact(scenario)
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


class _Dumper(yaml.SafeDumper):
    """Safe YAML writer that double-quotes strings holding characters YAML reads as line breaks."""


_LINE_BREAKS = ("\x85", "\u2028", "\u2029")


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if any(ch in value for ch in _LINE_BREAKS):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
    return dumper.represent_str(value)


_Dumper.add_representer(str, _represent_str)


_TAGS = ("type", "method")


def _compact(value: Any) -> Any:
    """JSON-ready data without default values, but always with union tags (``type``)."""
    if isinstance(value, BaseModel):
        out: dict[str, Any] = {}
        for name, field in type(value).model_fields.items():
            item = getattr(value, name)
            if name in _TAGS or item != field.get_default(call_default_factory=True):
                out[name] = _compact(item)
        return out
    if isinstance(value, list | tuple):
        return [_compact(v) for v in value]
    if isinstance(value, dict):
        return {k: _compact(v) for k, v in value.items()}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def dump_scenario(scenario: Scenario, path: str | Path) -> None:
    """Write the scenario to a YAML file."""
    Path(path).write_text(scenario_to_yaml(scenario), encoding="utf-8")
