"""Check filters and sorts against the store's query subset before they reach MongoDB.

MongoDB speaks this language natively, so the Mongo backend passes filters through
unchanged; it only refuses what the store interface does not promise (`$where`, `$expr`,
`$function`, ...), so callers see the same BadRequest on both backends and no
server-side JavaScript can ever be asked for. The rules mirror scraped/store/sqlite_query.py:
field names match a strict pattern, compared values are scalars.
"""

from __future__ import annotations

from typing import Any

from scraped.errors import BadRequest
from scraped.store.updates import check_field, validate_update

FIELD_OPS = frozenset({"$eq", "$ne", "$in", "$nin", "$lt", "$lte", "$gt", "$gte", "$exists",
                       "$regex", "$options"})
_SCALARS = (str, int, float, bool, type(None))


def _scalar(value: Any, where: str) -> None:
    if not isinstance(value, _SCALARS):
        raise BadRequest(f"{where}: only scalar values can be compared")


def _check_field_cond(name: str, cond: Any) -> None:
    if isinstance(cond, dict) and cond and all(isinstance(k, str) and k.startswith("$") for k in cond):
        for op, arg in cond.items():
            if op not in FIELD_OPS:
                raise BadRequest(f"unsupported filter operator {op!r} on {name}")
            if op in ("$in", "$nin"):
                if not isinstance(arg, (list, tuple)):
                    raise BadRequest(f"{name}: {op} takes a list")
                for v in arg:
                    _scalar(v, name)
            elif op in ("$regex", "$options"):
                if not isinstance(arg, str):
                    raise BadRequest(f"{name}: {op} takes a string")
            elif op != "$exists":
                _scalar(arg, name)
        if "$options" in cond and "$regex" not in cond:
            raise BadRequest(f"{name}: $options needs $regex")
        return
    _scalar(cond, name)


def check_filter(filter: Any) -> dict[str, Any]:
    """The filter itself (a new dict when it was None); raises BadRequest."""
    if filter is None:
        return {}
    if not isinstance(filter, dict):
        raise BadRequest("a filter must be a map")
    for key, value in filter.items():
        if key in ("$or", "$and"):
            if not isinstance(value, list) or not value:
                raise BadRequest(f"{key} takes a non-empty list of filters")
            for sub in value:
                check_filter(sub if sub is not None else "not a map")
        elif not isinstance(key, str) or key.startswith("$"):
            raise BadRequest(f"unsupported filter operator {key!r}")
        else:
            if key != "_id":
                check_field(key)
            _check_field_cond(key, value)
    return filter


def check_point_filter(filter: Any) -> dict[str, Any]:
    """A filter that names one document by a string `_id` (bulk_update's ops)."""
    if not isinstance(filter, dict) or not isinstance(filter.get("_id"), str) or not filter["_id"]:
        raise BadRequest("bulk_update needs filters with a non-empty string _id")
    return check_filter(filter)


def check_upsert_ops(ops: Any) -> None:
    """bulk_upsert's [(id, update), ...]: non-empty string ids, valid updates."""
    for _id, update in ops:
        if not isinstance(_id, str) or not _id:
            raise BadRequest("bulk_upsert needs non-empty string ids")
        validate_update(update)


def check_update_ops(ops: Any) -> None:
    """bulk_update's [(filter, update), ...]: point filters, valid updates."""
    for flt, update in ops:
        check_point_filter(flt)
        validate_update(update)


def check_sort(sort: Any) -> list[tuple[str, int]] | None:
    if not sort:
        return None
    terms = []
    for item in sort:
        if not isinstance(item, (list, tuple)) or len(item) != 2 or item[1] not in (1, -1) \
                or isinstance(item[1], bool):
            raise BadRequest("sort is a list of (field, 1 | -1)")
        if item[0] != "_id":
            check_field(item[0])
        terms.append((item[0], int(item[1])))
    return terms
