"""MongoDB-style update operators applied to plain dicts, for backends that store JSON.

Pure functions, shared by the SQLite backend and its tests. MongoDB applies the same
operators itself, so the Mongo backend never calls these.
"""

from __future__ import annotations

import copy
import re
from functools import lru_cache
from typing import Any

from scraped.errors import BadRequest

_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$")
OPERATORS = ("$set", "$setOnInsert", "$inc", "$unset", "$push", "$addToSet", "$min", "$max")


def check_field(name: str) -> str:
    if not isinstance(name, str) or not _valid_field(name):
        raise BadRequest(f"invalid field name {name!r}")
    return name


@lru_cache(maxsize=4096)
def _valid_field(name: str) -> bool:
    return _FIELD.match(name) is not None  # cached: the same few names come with every update


_ATOMS = frozenset({str, int, float, bool, type(None)})


def clone(value: Any) -> Any:
    """A deep copy of a JSON-like value (dicts, lists, tuples, scalars), ~5x faster than
    `copy.deepcopy` on documents; any other type (a subclass too) goes to deepcopy."""
    kind = type(value)
    if kind is dict:
        return {k: v if type(v) in _ATOMS else clone(v) for k, v in value.items()}
    if kind is list:
        return [v if type(v) in _ATOMS else clone(v) for v in value]
    if kind in _ATOMS:
        return value
    if kind is tuple:
        return tuple(clone(v) for v in value)
    return copy.deepcopy(value)


def get_path(doc: dict[str, Any], path: str) -> Any:
    node: Any = doc
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _parent(doc: dict[str, Any], path: str, create: bool) -> tuple[dict[str, Any] | None, str]:
    parts = path.split(".")
    node = doc
    for part in parts[:-1]:
        nxt = node.get(part)
        if not isinstance(nxt, dict):
            if not create:
                return None, parts[-1]
            nxt = node[part] = {}
        node = nxt
    return node, parts[-1]


def set_path(doc: dict[str, Any], path: str, value: Any) -> None:
    parent, key = _parent(doc, path, create=True)
    assert parent is not None
    parent[key] = value


def unset_path(doc: dict[str, Any], path: str) -> None:
    parent, key = _parent(doc, path, create=False)
    if parent is not None:
        parent.pop(key, None)


def upsert_seed(filter: dict[str, Any]) -> dict[str, Any]:
    """The document an upsert starts from: the filter's plain equalities."""
    seed: dict[str, Any] = {}
    for key, value in filter.items():
        if key.startswith("$") or (isinstance(value, dict) and any(k.startswith("$") for k in value)):
            continue
        set_path(seed, key, clone(value))
    return seed


def validate_update(update: dict[str, Any]) -> None:
    if not isinstance(update, dict) or not update:
        raise BadRequest("an update must be a non-empty map of operators")
    for op, fields in update.items():
        if op not in OPERATORS:
            raise BadRequest(f"unsupported update operator {op!r}")
        if not isinstance(fields, dict):
            raise BadRequest(f"{op} takes a map of fields")
        for name in fields:
            check_field(name)
        if "_id" in fields and op not in ("$setOnInsert",):
            raise BadRequest("_id cannot be changed")


def apply_update(doc: dict[str, Any], update: dict[str, Any], *, inserting: bool) -> dict[str, Any]:
    """Return a new document with `update` applied (the input is not modified)."""
    out = clone(doc)
    for op, fields in update.items():
        if op == "$setOnInsert" and not inserting:
            continue
        for path, arg in fields.items():
            _APPLY[op](out, path, arg)
    return out


def _set(doc: dict[str, Any], path: str, arg: Any) -> None:
    set_path(doc, path, clone(arg))


def _inc(doc: dict[str, Any], path: str, arg: Any) -> None:
    if isinstance(arg, bool) or not isinstance(arg, (int, float)):
        raise BadRequest(f"$inc of {path} needs a number")
    current = get_path(doc, path)
    if current is None:
        current = 0
    if isinstance(current, bool) or not isinstance(current, (int, float)):
        raise BadRequest(f"$inc of non-numeric field {path}")
    set_path(doc, path, current + arg)


def _unset(doc: dict[str, Any], path: str, arg: Any) -> None:
    unset_path(doc, path)


def _each(arg: Any) -> tuple[list[Any], int | None]:
    if isinstance(arg, dict) and "$each" in arg:
        items = arg["$each"]
        if not isinstance(items, list):
            raise BadRequest("$each takes a list")
        return list(items), arg.get("$slice")
    return [arg], None


def _array_at(doc: dict[str, Any], path: str) -> list[Any]:
    current = get_path(doc, path)
    if current is None:
        current = []
        set_path(doc, path, current)
    if not isinstance(current, list):
        raise BadRequest(f"field {path} is not an array")
    return current


def _push(doc: dict[str, Any], path: str, arg: Any) -> None:
    items, slice_ = _each(arg)
    array = _array_at(doc, path)
    array.extend(clone(items))
    if slice_ is not None:
        kept = array[slice_:] if slice_ < 0 else array[:slice_]
        set_path(doc, path, kept)


def _add_to_set(doc: dict[str, Any], path: str, arg: Any) -> None:
    items, _ = _each(arg)
    array = _array_at(doc, path)
    for item in items:
        if item not in array:
            array.append(clone(item))


def _min(doc: dict[str, Any], path: str, arg: Any) -> None:
    current = get_path(doc, path)
    if current is None or arg < current:
        set_path(doc, path, arg)


def _max(doc: dict[str, Any], path: str, arg: Any) -> None:
    current = get_path(doc, path)
    if current is None or arg > current:
        set_path(doc, path, arg)


_APPLY = {
    "$set": _set,
    "$setOnInsert": _set,
    "$inc": _inc,
    "$unset": _unset,
    "$push": _push,
    "$addToSet": _add_to_set,
    "$min": _min,
    "$max": _max,
}
