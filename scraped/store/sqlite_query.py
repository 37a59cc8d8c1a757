"""Translate the store's MongoDB-style filters and sorts into SQLite SQL over JSON documents.

Each collection is a table (_id TEXT PRIMARY KEY, doc TEXT): fields are read with
`json_extract(doc, '$.path')`, spelled exactly as in the expression indexes that
scraped/store/sqlite.py creates, so SQLite's planner uses them. Field names are checked
against a strict pattern before they are put into SQL; values are always parameters.
"""

from __future__ import annotations

from typing import Any

from scraped.errors import BadRequest
from scraped.store.schema import Collection
from scraped.store.updates import check_field

_COMPARE = {"$lt": "<", "$lte": "<=", "$gt": ">", "$gte": ">="}


def field_expr(name: str) -> str:
    if name == "_id":
        return "_id"
    return f"json_extract(doc, '$.{check_field(name)}')"


def _scalar(value: Any, where: str) -> Any:
    if isinstance(value, (dict, list, tuple)):
        raise BadRequest(f"{where}: only scalar values can be compared")
    return value


class _Compiler:
    def __init__(self, coll: Collection):
        self.coll = coll
        self.params: list[Any] = []

    def clause(self, filter: dict[str, Any]) -> str:
        if not isinstance(filter, dict):
            raise BadRequest("a filter must be a map")
        parts = []
        for key, value in filter.items():
            if key in ("$or", "$and"):
                if not isinstance(value, list) or not value:
                    raise BadRequest(f"{key} takes a non-empty list of filters")
                joiner = " OR " if key == "$or" else " AND "
                parts.append("(" + joiner.join(self.clause(f) for f in value) + ")")
            elif key.startswith("$"):
                raise BadRequest(f"unsupported filter operator {key!r}")
            else:
                parts.append(self.field(key, value))
        return " AND ".join(parts) if parts else "1"

    def field(self, name: str, cond: Any) -> str:
        head, _, rest = name.partition(".")
        if rest and head in self.coll.array_fields:
            return self._element_field(head, rest, cond)
        is_array = name in self.coll.array_fields
        if isinstance(cond, dict) and cond and all(k.startswith("$") for k in cond):
            options = cond.get("$options", "")
            return " AND ".join(
                self.op(name, op, arg, is_array, options) for op, arg in cond.items() if op != "$options"
            ) or "1"
        return self.op(name, "$eq", cond, is_array, "")

    def _element_field(self, array: str, sub: str, cond: Any) -> str:
        """`sources.job_id` on an array of documents, as MongoDB reads it: some element's
        `job_id` matches (equality or $in; `sources.job_id` was unfilterable on SQLite)."""
        value = f"json_extract(value, '$.{check_field(sub)}')"
        if isinstance(cond, dict) and set(cond) == {"$in"} and isinstance(cond["$in"], (list, tuple)):
            values = [_scalar(v, array + "." + sub) for v in cond["$in"] if v is not None]
            if not values:
                return "0"
            self.params.extend(values)
            return self._array_exists(array, f"{value} IN ({','.join('?' * len(values))})")
        if isinstance(cond, dict) or cond is None:
            raise BadRequest(f"{array}.{sub}: only equality or $in on a field of an array's elements")
        self.params.append(_scalar(cond, array + "." + sub))
        return self._array_exists(array, f"{value} = ?")

    def _array_exists(self, name: str, test: str) -> str:
        return f"EXISTS (SELECT 1 FROM json_each(doc, '$.{check_field(name)}') WHERE {test})"

    def op(self, name: str, op: str, arg: Any, is_array: bool, options: str) -> str:
        expr = field_expr(name)
        if op == "$eq":
            if arg is None:
                return f"{expr} IS NULL"
            self.params.append(_scalar(arg, name))
            return self._array_exists(name, "value = ?") if is_array else f"{expr} = ?"
        if op == "$ne":
            if arg is None:
                return f"{expr} IS NOT NULL"
            self.params.append(_scalar(arg, name))
            if is_array:
                return "NOT " + self._array_exists(name, "value = ?")
            return f"({expr} IS NULL OR {expr} != ?)"
        if op in ("$in", "$nin"):
            if not isinstance(arg, (list, tuple)):
                raise BadRequest(f"{name}: {op} takes a list")
            values = [_scalar(v, name) for v in arg if v is not None]
            has_null = any(v is None for v in arg)
            marks = ",".join("?" * len(values))
            self.params.extend(values)
            if is_array:
                test = self._array_exists(name, f"value IN ({marks})") if values else "0"
            else:
                test = f"{expr} IN ({marks})" if values else "0"
            if has_null:
                test = f"({test} OR {expr} IS NULL)"
            if op == "$nin":
                return f"NOT ({test})" if has_null else f"({expr} IS NULL OR NOT ({test}))"
            return test
        if op in _COMPARE:
            self.params.append(_scalar(arg, name))
            return f"{expr} {_COMPARE[op]} ?"
        if op == "$exists":
            path = "'$." + check_field(name) + "'" if name != "_id" else None
            if path is None:
                return "1" if arg else "0"
            return f"json_type(doc, {path}) IS {'NOT ' if arg else ''}NULL"
        if op == "$regex":
            if not isinstance(arg, str):
                raise BadRequest(f"{name}: $regex takes a string")
            literal = literal_pattern(arg)
            if literal is not None:  # a search: substring/prefix/equality, no regex compiled
                mode, needle = literal
                if "i" in str(options):
                    mode, needle = mode + "i", needle.lower()
                self.params.extend((mode, needle))
                if is_array:
                    return self._array_exists(name, "litmatch(?, ?, value)")
                return f"litmatch(?, ?, {expr})"
            if len(arg) > MAX_REGEX:
                raise BadRequest(f"{name}: a regular expression of {len(arg)} characters is over the "
                                 f"limit of {MAX_REGEX}")
            flags = "(?i)" if "i" in str(options) else ""
            self.params.append(flags + arg)
            if is_array:
                return self._array_exists(name, "regexp(?, value)")
            return f"regexp(?, {expr})"
        raise BadRequest(f"unsupported filter operator {op!r} on {name}")


MAX_REGEX = 4096  # characters of a real regular expression; literal searches have no such limit
_META = frozenset(".^$*+?{}[]|()")


def literal_pattern(pattern: str) -> tuple[str, str] | None:
    """(mode, text) when `pattern` is a literal in the shapes the commands build from user
    text with re.escape: TEXT (substring), ^TEXT (prefix), TEXT$ (suffix), ^\\s*TEXT\\s*$
    (equal after stripping); mode holds "^", "$", "<" (strip the left), ">" (strip the
    right). None for anything that needs the regex engine.

    Searching this way compiles nothing: a 60 KB search string costs a `str.find`, not a
    compiled case-insensitive regex kept in two caches."""
    n, i, mode, text = len(pattern), 0, "", []
    if pattern.startswith("^"):
        mode, i = "^", 1
    if pattern.startswith("\\s*", i):
        mode, i = mode + "<", i + 3
    while i < n:
        c = pattern[i]
        if c == "\\":
            if i + 1 >= n:
                return None
            nxt = pattern[i + 1]
            if nxt == "s" and pattern.startswith("\\s*", i) and i + 3 in (n, n - 1) \
                    and (i + 3 == n or pattern[n - 1] == "$"):
                mode, i = mode + ">", i + 3
                continue
            if nxt.isalnum() or nxt == "_":
                return None  # \d, \b, \1 ...: a real regex
            text.append(nxt)
            i += 2
        elif c == "$" and i == n - 1:
            mode, i = mode + "$", i + 1
        elif c in _META:
            return None
        else:
            text.append(c)
            i += 1
    if not text or (">" in mode and "$" not in mode) or ("<" in mode and "^" not in mode):
        return None
    return mode, "".join(text)


def literal_match(mode: str, needle: str, value: Any) -> bool:
    """Whether `value` matches what literal_pattern returned, as re.search would decide
    ("i" in mode: case-insensitive, `needle` already lower-cased)."""
    if not isinstance(value, str):
        return False
    if "i" in mode:
        value = value.lower()
    if "<" in mode:
        value = value.lstrip()
    if ">" in mode:
        value = value.rstrip()
    if "$" not in mode:
        return value.startswith(needle) if "^" in mode else needle in value
    # `$` matches at the end and just before a final newline.
    ends = [value] if ">" in mode or not value.endswith("\n") else [value, value[:-1]]
    if "^" in mode:
        return needle in ends
    return any(v.endswith(needle) for v in ends)


def compile_filter(coll: Collection, filter: dict[str, Any] | None) -> tuple[str, list[Any]]:
    compiler = _Compiler(coll)
    sql = compiler.clause(filter or {})
    return sql, compiler.params


def compile_sort(sort: Any) -> str:
    if not sort:
        return ""
    terms = []
    for item in sort:
        if not isinstance(item, (list, tuple)) or len(item) != 2 or item[1] not in (1, -1):
            raise BadRequest("sort is a list of (field, 1 | -1)")
        terms.append(f"{field_expr(item[0])} {'ASC' if item[1] == 1 else 'DESC'}")
    return " ORDER BY " + ", ".join(terms)
