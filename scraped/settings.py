"""Typed, frozen settings sections built from TOML tables.

Each subsystem declares its section as a frozen dataclass whose fields are made with
`setting(default, help)`. `load_section` checks a TOML table against it: unknown keys,
wrong types and out-of-range values are reported by key path, all at once. The same
declarations render the commented default config (`etc/scraped.toml`), so the file and
the code cannot drift apart, and tell a reload which changed keys need a restart.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Sequence
from typing import Any

_MISSING = dataclasses.MISSING


def setting(
    default: Any = _MISSING,
    help: str = "",
    *,
    live: bool = True,
    choices: Sequence[Any] | None = None,
    minimum: float | None = None,
    maximum: float | None = None,
    secret: bool = False,
    octal: bool = False,
    factory: Any = _MISSING,
) -> Any:
    """A field of a settings section.

    live=False marks a key that only takes effect after a restart (a reload reports it).
    """
    meta = {
        "help": help,
        "live": live,
        "choices": tuple(choices) if choices is not None else None,
        "minimum": minimum,
        "maximum": maximum,
        "secret": secret,
        "octal": octal,
    }
    if factory is not _MISSING:
        return dataclasses.field(default_factory=factory, metadata=meta)
    if isinstance(default, (list, dict, set)):
        raise TypeError("use a tuple or factory= for mutable defaults")
    if dataclasses.is_dataclass(default):
        return dataclasses.field(default_factory=lambda: default, metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in typing.get_args(tp))
    if origin is tuple:
        return f"array of {_type_name(typing.get_args(tp)[0])}"
    if origin is dict:
        return "table"
    if tp is type(None):
        return "nothing"
    if dataclasses.is_dataclass(tp):
        return "table"
    return {str: "string", int: "integer", float: "number", bool: "boolean"}.get(tp, str(tp))


def _convert(value: Any, tp: Any, path: str, problems: list[str]) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        closest: list[str] = []
        for arg in typing.get_args(tp):
            sub: list[str] = []
            out = _convert(value, arg, path, sub)
            if not sub:
                return out
            if not closest and not all(p.startswith(f"{path}: expected") for p in sub):
                closest = sub  # the right type, a wrong value (nan for `float | None`): say that
        problems.extend(closest or [f"{path}: expected {_type_name(tp)}, got {type(value).__name__}"])
        return None
    if tp is type(None):
        if value is not None:
            problems.append(f"{path}: expected nothing")
        return None
    if origin is tuple:
        (item_tp, *_rest) = typing.get_args(tp)
        if not isinstance(value, list):
            problems.append(f"{path}: expected {_type_name(tp)}, got {type(value).__name__}")
            return ()
        return tuple(_convert(v, item_tp, f"{path}[{i}]", problems) for i, v in enumerate(value))
    if origin is dict:
        key_tp, val_tp = typing.get_args(tp)
        if not isinstance(value, dict):
            problems.append(f"{path}: expected a table, got {type(value).__name__}")
            return types.MappingProxyType({})
        return types.MappingProxyType(
            {str(k): _convert(v, val_tp, f"{path}.{k}", problems) for k, v in value.items()}
        )
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            problems.append(f"{path}: expected a table, got {type(value).__name__}")
            return tp()
        return load_section(tp, value, path, problems)
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            problems.append(f"{path}: expected a number, got {type(value).__name__}")
            return 0.0
        try:
            number = float(value)
        except OverflowError:  # an integer past the float range
            number = math.inf
        if not math.isfinite(number):
            # TOML allows nan and inf; every bound check below is < or >, which NaN passes.
            problems.append(f"{path}: must be a finite number, got {value!r}")
            return 0.0
        return number
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(f"{path}: expected an integer, got {type(value).__name__}")
            return 0
        return value
    if tp in (str, bool):
        if not isinstance(value, tp):
            problems.append(f"{path}: expected a {_type_name(tp)}, got {type(value).__name__}")
        return value
    raise TypeError(f"unsupported settings type {tp!r} at {path}")


def load_section(cls: type, data: dict[str, Any], path: str, problems: list[str]) -> Any:
    """Build `cls` from a TOML table, appending every problem found to `problems`."""
    hints = _hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    values: dict[str, Any] = {}
    for key, raw in data.items():
        key_path = f"{path}.{key}" if path else key
        f = fields.get(key)
        if f is None:
            problems.append(f"{key_path}: unknown key")
            continue
        before = len(problems)
        value = _convert(raw, hints[key], key_path, problems)
        if len(problems) == before:
            _check_bounds(value, f.metadata, key_path, problems)
        values[key] = value
    try:
        section = cls(**values)
    except (TypeError, ValueError) as exc:
        problems.append(f"{path or 'config'}: {exc}")
        return cls()
    validate = getattr(section, "validate", None)
    if validate is not None:
        for problem in validate():
            problems.append(f"{path}.{problem}" if path else problem)
    return section


def _check_bounds(value: Any, meta: Any, path: str, problems: list[str]) -> None:
    choices = meta.get("choices")
    if choices is not None and value not in choices:
        problems.append(f"{path}: must be one of {', '.join(map(repr, choices))}, got {value!r}")
    low, high = meta.get("minimum"), meta.get("maximum")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if low is not None and value < low:
            problems.append(f"{path}: must be at least {low}, got {value}")
        if high is not None and value > high:
            problems.append(f"{path}: must be at most {high}, got {value}")


def changed_keys(old: Any, new: Any, path: str = "") -> list[tuple[str, bool]]:
    """(key path, live) for every leaf setting that differs between two sections."""
    out: list[tuple[str, bool]] = []
    for f in dataclasses.fields(old):
        a, b = getattr(old, f.name), getattr(new, f.name)
        key_path = f"{path}.{f.name}" if path else f.name
        if dataclasses.is_dataclass(a) and dataclasses.is_dataclass(b):
            out.extend(changed_keys(a, b, key_path))
        elif a != b:
            out.append((key_path, f.metadata.get("live", True)))
    return out


def to_dict(section: Any, *, redact: bool = True, display: bool = False) -> dict[str, Any]:
    """A plain dict of a section (for `config show`); secret fields are redacted; with
    display, octal fields (socket_mode) are text as an operator writes them ("0660")."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(section):
        value = getattr(section, f.name)
        if dataclasses.is_dataclass(value):
            out[f.name] = to_dict(value, redact=redact, display=display)
        elif display and f.metadata.get("octal") and isinstance(value, int):
            out[f.name] = f"0{value:o}"
        elif redact and f.metadata.get("secret"):
            out[f.name] = "<set>" if value else "<unset>"
        elif isinstance(value, tuple):
            out[f.name] = [to_dict(v, redact=redact) if dataclasses.is_dataclass(v) else v for v in value]
        elif isinstance(value, types.MappingProxyType):
            out[f.name] = dict(value)
        else:
            out[f.name] = value
    return out


# ---------------------------------------------------------------- rendering


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, (dict, types.MappingProxyType)):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot render {value!r}")


def render_section(cls: type, path: str) -> list[str]:
    """Commented TOML for one section: its docstring, then each key's help and default."""
    lines = [f"[{path}]"]
    doc = (cls.__doc__ or "").strip()
    if doc and not doc.startswith(cls.__name__ + "("):
        lines[:0] = [f"# {line}".rstrip() for line in doc.splitlines()]
    nested: list[tuple[str, type]] = []
    defaults = cls()
    hints = _hints(cls)
    for f in dataclasses.fields(cls):
        tp = hints[f.name]
        value = getattr(defaults, f.name)
        if isinstance(tp, type) and dataclasses.is_dataclass(tp):
            nested.append((f"{path}.{f.name}", tp))
            continue
        for line in (f.metadata.get("help") or "").splitlines():
            lines.append(f"# {line}".rstrip())
        if not f.metadata.get("live", True):
            lines.append("# (takes effect after a restart)")
        if f.metadata.get("secret"):
            lines.append("# secret: never put it here; see the comment above for where it comes from")
            lines.append("")
            continue
        if typing.get_origin(tp) is tuple and dataclasses.is_dataclass(typing.get_args(tp)[0]):
            item_cls = typing.get_args(tp)[0]
            lines.append(f"# Repeat [[{path}.{f.name}]] for each entry; the defaults are:")
            for item in value:
                lines.append(f"#[[{path}.{f.name}]]")
                for k, v in to_dict(item).items():
                    lines.append(f"#{k} = {_toml_value(v)}")
            del item_cls
            lines.append("")
            continue
        if value is None:
            lines.append(f"#{f.name} =   (unset by default)")
        elif f.metadata.get("octal"):
            lines.append(f"#{f.name} = 0o{value:o}")
        else:
            lines.append(f"#{f.name} = {_toml_value(value)}")
        lines.append("")
    for sub_path, sub_cls in nested:
        lines.append("")
        lines.extend(render_section(sub_cls, sub_path))
    return lines
