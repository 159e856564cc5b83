"""Files: read and write scenario YAML with clear errors; the scenarios and data shipped with the package.

Scenario files are read strictly: regular files only, at most :data:`MAX_FILE_BYTES`, plain
YAML (a key once per mapping, no tags beyond the standard scalar, list and mapping ones),
nested at most :data:`MAX_NESTING_DEPTH` levels, aliases expanding to at most
:data:`MAX_YAML_VALUES` values. Every refusal is a :class:`ScenarioError` naming the file
and what is allowed.

Package data (``importlib.resources``): ``chansim/data/`` holds the default scenario, the
exercises' scenarios and the generator's tables; the bundled ``scenarios/`` and
``notebooks/`` folders are ``chansim/scenarios`` and ``chansim/notebooks`` in an installed
wheel and the top-level folders of a source checkout (:func:`bundled_folder`).
"""

from __future__ import annotations

import difflib
import errno
import os
import re
import stat
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ValidationError

from chansim.scenario import Scenario

__all__ = [
    "MAX_FILE_BYTES", "MAX_NESTING_DEPTH", "MAX_YAML_VALUES", "ScenarioError", "bundled_folder",
    "bundled_scenarios", "dump_scenario", "find_scenario", "load_package_document", "load_scenario",
    "package_text", "parse_scenario", "read_yaml", "scenario_summary", "scenario_to_yaml",
]  # fmt: skip

#: Largest scenario file read (10 MiB): a dense YAML list of that size takes about 15 s to read.
MAX_FILE_BYTES = 10 * 1024 * 1024
#: Deepest nesting of lists and mappings in a scenario document (real scenarios use about 10).
MAX_NESTING_DEPTH = 64
#: Most values (scalars, lists, mappings) a document may hold once its aliases are expanded.
MAX_YAML_VALUES = 5_000_000
_TOO_DEEP = f"the document is nested too deeply (at most {MAX_NESTING_DEPTH} levels)"


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


_UNKNOWN = object()


def _format_loc(loc: tuple[Any, ...], document: Any = _UNKNOWN) -> str:
    """``('nodes', 3, 'lanes', 0, 'lead_time_days')`` -> ``nodes[3].lanes[0].lead_time_days``.

    Pydantic puts the tag of a tagged union (``sterman``) and validator names in the path;
    they are left out. With the user's ``document`` a part is told apart by the document
    itself (a key of the mapping there is the user's field even when it is also a tag name,
    as ``beta`` of a Sterman policy); without it, by the known tag names.
    """
    out = ""
    node = document
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            node = node[part] if isinstance(node, list) and -len(node) <= part < len(node) else _UNKNOWN
        elif isinstance(node, dict) and part in node:
            out += ("." if out else "") + str(part)
            node = node[part]
        elif isinstance(node, dict) and part in (node.get("type"), node.get("method")):
            continue  # the tag of a tagged union: the document's own ``type``
        elif part in _UNION_TAGS or str(part).startswith("function-"):
            continue  # discriminator tags and validator names are not part of the user's path
        else:
            out += ("." if out else "") + str(part)
            node = _UNKNOWN
    return out


_RELATIVE_PATH = re.compile(r"^[A-Za-z_][\w]*(\[[^\]]*\])*(\.[A-Za-z_][\w]*(\[[^\]]*\])*)*( / [A-Za-z_]\w*)?: ")

_UNION_TAGS = {
    "poisson", "negative_binomial", "normal", "deterministic", "uniform", "empirical",
    "base_stock", "s_S", "r_Q", "periodic_review", "forecast_order_up_to", "sterman", "manual",
    "moving_average", "exponential_smoothing", "int", "float", "str", "bool", "list[...]", "none", "exponential",
    "beta", "fixed", "volume_rebate", "growth_rebate", "target_commission", "achievement_plan", "override",
    "constrained-float", "constrained-int", "constrained-str",
}  # fmt: skip


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def format_validation_error(error: ValidationError, document: Any = _UNKNOWN) -> list[str]:
    """Turn pydantic's errors into lines ``path: what is wrong (got X)``; ``document``: the validated input."""
    global _FIELD_NAMES
    if _FIELD_NAMES is None:
        _FIELD_NAMES = _all_field_names(Scenario)
    lines: list[str] = []
    for err in error.errors(include_url=False):
        path = _format_loc(tuple(err["loc"]), document)
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
        raise ScenarioError(source, format_validation_error(exc, data)) from None
    except RecursionError:
        raise ScenarioError(source, [_TOO_DEEP]) from None


# --------------------------------------------------------------------------- strict YAML

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML has it: several times faster
_PLAIN = "a scenario holds plain YAML: text, numbers, true/false, null, dates, lists and mappings"


class _StrictLoader(_Base):  # type: ignore[misc,valid-type]
    """PyYAML's safe loader that also refuses duplicate keys and the non-plain standard tags."""


def _where(node: yaml.Node) -> str:
    return f"line {node.start_mark.line + 1}, column {node.start_mark.column + 1}"


def _construct_mapping(loader: Any, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: dict[Any, yaml.Node] = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue  # ``<<: *defaults`` may be overridden by the mapping's own keys
        key = loader.construct_object(key_node, deep=True)
        try:
            first = seen.setdefault(key, key_node)
        except TypeError:
            continue  # an unhashable key: the constructor reports it
        if first is not key_node:
            raise yaml.constructor.ConstructorError(
                None, None,
                f"duplicate key {key!r} (first at {_where(first)}); a key may appear once in a mapping",
                key_node.start_mark,
            )  # fmt: skip
    return yaml.constructor.SafeConstructor.construct_mapping(loader, node, deep=deep)


def _refuse_tag(loader: Any, node: yaml.Node) -> Any:
    tag = node.tag.replace("tag:yaml.org,2002:", "!!")
    raise yaml.constructor.ConstructorError(None, None, f"the tag {tag} is not allowed; {_PLAIN}", node.start_mark)


_StrictLoader.construct_mapping = _construct_mapping
for _tag in ("binary", "set", "omap", "pairs"):
    _StrictLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _refuse_tag)
_StrictLoader.add_constructor(None, _refuse_tag)  # any other tag (``!thing``, ``!!python/...``)

_OPENING = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_CLOSING = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


def _check_shape(text: str, source: str) -> None:
    """Refuse documents nested too deeply or whose aliases expand to too many values.

    Runs over the parser's events (no recursion), before the recursive composer would run
    out of stack on a deep document or the validator would expand a "billion laughs".
    """
    sizes: dict[str, int] = {}  # values under each anchor, aliases expanded
    open_: list[list[Any]] = [[None, 0]]  # [anchor, values so far] of each open collection
    for event in yaml.parse(text, Loader=_Base):
        if isinstance(event, _OPENING):
            if len(open_) > MAX_NESTING_DEPTH:
                mark = event.start_mark
                raise ScenarioError(
                    source,
                    [f"line {mark.line + 1}, column {mark.column + 1}: nested more than {MAX_NESTING_DEPTH} levels "
                     f"deep; a scenario is nested at most {MAX_NESTING_DEPTH} levels"],
                )  # fmt: skip
            open_.append([event.anchor, 1])
        elif isinstance(event, _CLOSING):
            anchor, count = open_.pop()
            if anchor is not None:
                sizes[anchor] = count
            open_[-1][1] += count
        elif isinstance(event, yaml.ScalarEvent):
            if event.anchor is not None:
                sizes[event.anchor] = 1
            open_[-1][1] += 1
        elif isinstance(event, yaml.AliasEvent):
            open_[-1][1] += sizes.get(event.anchor, 1)
        else:
            continue
        if open_[-1][1] > MAX_YAML_VALUES:
            raise ScenarioError(
                source,
                [f"the document holds more than {MAX_YAML_VALUES:,} values once its aliases (*name) are expanded; "
                 f"a scenario may hold at most {MAX_YAML_VALUES:,}"],
            )  # fmt: skip


def read_yaml(text: str, source: str = "<scenario>") -> Any:
    """Parse scenario YAML strictly (see the module docstring).

    Raises:
        ScenarioError: for invalid YAML, a duplicate key, a non-plain tag, too deep a
            nesting or too many values, with the line and column.

    """
    try:
        _check_shape(text, source)
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        if "nesting depth" in problem:  # libyaml's own limit (PyYAML >= 6.0.4) can come before ours
            raise ScenarioError(
                source,
                [f"{where.removeprefix(' at ')}: nested more than {MAX_NESTING_DEPTH} levels deep; "
                 f"a scenario is nested at most {MAX_NESTING_DEPTH} levels"],
            ) from None  # fmt: skip
        if isinstance(exc, yaml.constructor.ConstructorError) and mark is not None:
            raise ScenarioError(source, [f"{where.removeprefix(' at ')}: {problem}"]) from None
        raise ScenarioError(source, [f"not valid YAML{where}: {problem}"]) from None
    except RecursionError:
        raise ScenarioError(source, [_TOO_DEEP]) from None


# --------------------------------------------------------------------------- scenario files


def _os_problem(exc: OSError) -> str:
    if exc.errno == errno.ENOENT:
        return "no such file"
    if exc.errno == errno.ENAMETOOLONG:
        return "the file name is too long (at most 255 bytes a name, 4096 a path)"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied: the file or a folder on its path cannot be read"
    if exc.errno == errno.ENOTDIR:
        return "a part of the path is a file, not a folder"
    if exc.errno == errno.ELOOP:
        return "too many levels of symbolic links"
    return f"cannot read: {exc.strerror or exc}"


def _read_text(path: Path, source: str) -> str:
    """The text of a regular file of at most :data:`MAX_FILE_BYTES`; never blocks on a FIFO or device."""
    try:
        info = os.stat(path)
    except (OSError, ValueError) as exc:
        raise ScenarioError(source, [_os_problem(exc) if isinstance(exc, OSError) else str(exc)]) from None
    if stat.S_ISDIR(info.st_mode):
        raise ScenarioError(source, ["is a directory, not a scenario file"])
    if not stat.S_ISREG(info.st_mode):
        raise ScenarioError(source, ["is not a regular file (a device, FIFO or socket); give a scenario file"])
    if info.st_size > MAX_FILE_BYTES:
        raise ScenarioError(source, [f"the file is {info.st_size:,} bytes; the limit is {MAX_FILE_BYTES:,} bytes"])
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO swapped in after the check
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise ScenarioError(source, ["is not a regular file (a device, FIFO or socket); give a scenario file"])
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ScenarioError(source, [_os_problem(exc)]) from None
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError(source, [f"the file is larger than the limit of {MAX_FILE_BYTES:,} bytes"])
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(source, [f"not UTF-8 text ({exc.reason} at byte {exc.start})"]) from None


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario YAML (or JSON) file (see the module docstring for the limits)."""
    path = Path(path)
    source = str(path)
    text = _read_text(path, source)
    if not text.strip():
        raise ScenarioError(source, ["the file is empty; a scenario needs name, skus, nodes and markets"])
    return parse_scenario(read_yaml(text, source), source)


# --------------------------------------------------------------------------- package data


def package_text(relative: str) -> str:
    """The text of ``chansim/data/<relative>`` (package data, e.g. ``exercises/training.yaml``)."""
    return files("chansim").joinpath("data", *relative.split("/")).read_text(encoding="utf-8")


def load_package_document(relative: str) -> Any:
    """The YAML document ``chansim/data/<relative>``, parsed strictly."""
    return read_yaml(package_text(relative), f"chansim/data/{relative}")


def bundled_folder(name: Literal["scenarios", "notebooks"]) -> Path:
    """The ``scenarios`` or ``notebooks`` folder shipped with chansim.

    In an installed wheel it is package data (``chansim/scenarios``); in a source checkout
    (editable install or ``PYTHONPATH``) the top-level folder of the checkout.
    """
    package = Path(str(files("chansim")))
    inside = package / name
    if inside.is_dir():
        return inside
    return package.parent / name


def bundled_scenarios() -> dict[str, Path]:
    """The bundled scenario files by name (file name without ``.yaml``), sorted by name."""
    folder = bundled_folder("scenarios")
    return {path.stem: path for path in sorted(folder.glob("*.yaml"))} if folder.is_dir() else {}


def find_scenario(name_or_path: str | Path) -> Path:
    """The scenario file ``name_or_path`` names: an existing path, else a bundled scenario's name.

    Raises:
        ScenarioError: when it is neither, listing the bundled names.

    """
    path = Path(name_or_path)
    try:
        os.stat(path)
        return path
    except (OSError, ValueError) as exc:
        problem = _os_problem(exc) if isinstance(exc, OSError) else str(exc)
        missing = isinstance(exc, OSError) and exc.errno in (errno.ENOENT, errno.ENAMETOOLONG, errno.ENOTDIR)
    bundled = bundled_scenarios()
    if str(name_or_path) in bundled:
        return bundled[str(name_or_path)]
    if not missing:
        raise ScenarioError(str(name_or_path), [problem])
    names = ", ".join(bundled) or "(none found)"
    raise ScenarioError(
        str(name_or_path),
        [f"{problem}, and not the name of a bundled scenario; bundled: {names} (chansim scenarios lists them)"],
    )


def scenario_summary(path: Path, width: int = 100) -> str:
    """The first sentence of the scenario's ``description`` on one line (at most ``width`` characters)."""
    try:
        document = read_yaml(_read_text(path, str(path)), str(path))
    except ScenarioError as exc:
        return f"(unreadable: {exc.problems[0]})"
    text = " ".join(str((document or {}).get("description") or "").split()) if isinstance(document, dict) else ""
    sentence = re.split(r"(?<=[.!?])\s|(?<=[。！？])", text, maxsplit=1)[0]
    return sentence if len(sentence) <= width else sentence[: width - 1] + "…"


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
