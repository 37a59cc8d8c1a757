"""JSON shapes the models must answer with, and a small validator for them.

The subset of JSON Schema used here: type (one or a list), properties, required,
additionalProperties (false), items, enum, minimum/maximum, minItems/maxItems,
minLength/maxLength. The same dicts are sent to providers that accept a schema (Gemini's
response_json_schema) and shown in the prompt to the others. A reply that fails
validation is a failed call (scraped.ai.errors.InvalidReply): it is never stored.
(`jsonschema` would do this too; these shapes need 60 lines, not a dependency.)

Batch replies (ENHANCE, SOLVE) validate only their envelope here: their item schema is an
`ItemSchema`, which `problems` does not descend into, so one bad item cannot sink its
batch. The task checks every item itself (scraped/ai/replycheck.py) and fails it alone.
An ItemSchema is a plain dict to every JSON encoder: providers receive the full shape.
"""

from __future__ import annotations

import json
from typing import Any

from scraped.ai.errors import InvalidReply
from scraped.bank.vocab import CATEGORIES, DIFFICULTIES


class ItemSchema(dict[str, Any]):
    """The schema of one item of a batch reply: sent to the model, checked per item."""


_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,), "array": (list,), "string": (str,), "integer": (int,),
    "number": (int, float), "boolean": (bool,), "null": (type(None),),
}


def problems(schema: dict[str, Any], value: Any, path: str = "$") -> list[str]:
    """Every way `value` fails `schema`, by JSON path; empty when it conforms."""
    out: list[str] = []
    types = schema.get("type")
    if types is not None:
        names = [types] if isinstance(types, str) else list(types)
        if not any(_is(value, n) for n in names):
            return [f"{path}: expected {' or '.join(names)}, got {_name(value)}"]
    if "enum" in schema and value not in schema["enum"]:
        out.append(f"{path}: must be one of {schema['enum']}")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            out.append(f"{path}: below {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            out.append(f"{path}: above {schema['maximum']}")
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            out.append(f"{path}: shorter than {schema['minLength']}")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            out.append(f"{path}: longer than {schema['maxLength']}")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            out.append(f"{path}: fewer than {schema['minItems']} items")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            out.append(f"{path}: more than {schema['maxItems']} items")
        item_schema = schema.get("items")
        if item_schema and not isinstance(item_schema, ItemSchema):
            for i, item in enumerate(value):
                out.extend(problems(item_schema, item, f"{path}[{i}]"))
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for key in schema.get("required", ()):
            if key not in value:
                out.append(f"{path}.{key}: missing")
        for key, item in value.items():
            if key in props:
                out.extend(problems(props[key], item, f"{path}.{key}"))
            elif schema.get("additionalProperties") is False:
                out.append(f"{path}.{key}: not allowed")
    return out


def _is(value: Any, name: str) -> bool:
    if name in ("integer", "number") and isinstance(value, bool):
        return False
    if name == "integer" and isinstance(value, float):
        return value.is_integer()
    return isinstance(value, _TYPES[name])


def _name(value: Any) -> str:
    for name, types in _TYPES.items():
        if isinstance(value, types) and not (name in ("integer", "number") and isinstance(value, bool)):
            return name
    return type(value).__name__


def parse_reply(text: str, schema: dict[str, Any], provider: str = "") -> Any:
    """The model's text as validated JSON; InvalidReply otherwise. Tolerates a ```json fence."""
    body = text.strip()
    if body.startswith("```"):
        body = body.strip("`")
        body = body[4:] if body[:4].lower() == "json" else body
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise InvalidReply(f"{provider}: reply is not JSON ({len(text)} characters)", provider=provider) from None
    found = problems(schema, data)
    if found:
        more = f" (+{len(found) - 3} more)" if len(found) > 3 else ""
        raise InvalidReply(f"{provider}: reply fails the schema: {'; '.join(found[:3])}{more}",
                           provider=provider)
    return data


# ---------------------------------------------------------------- the shapes

_STR = {"type": "string"}
_STRS = {"type": "array", "items": _STR}

# Enum words and index types are checked (and coerced) per item, not by the schema: a
# capitalised "Easy" or an index sent as 1.0 or "B" is read, not a failed batch.
ENHANCE_ITEM = ItemSchema({
    "type": "object",
    "required": ["id", "question", "options", "correct_index", "explanation", "category", "difficulty",
                 "topics"],
    "properties": {
        "id": _STR,
        "question": {"type": "string", "minLength": 1},
        "options": {"type": "array", "items": _STR, "minItems": 2, "maxItems": 8},
        "correct_index": {"type": ["integer", "string", "null"],
                          "description": "0-based index of the correct option (null: none is correct)"},
        "answer_text": {"type": ["string", "null"], "description": "the correct option's text, verbatim"},
        "explanation": {"type": ["string", "null"]},
        "category": {"type": "string", "description": "one of " + ", ".join(CATEGORIES)},
        "difficulty": {"type": "string", "description": "one of " + ", ".join(DIFFICULTIES)},
        "topics": _STRS,
        "quality_score": {"type": "number", "minimum": 0, "maximum": 1},
    }})
ENHANCE = {"type": "object", "required": ["questions"],
           "properties": {"questions": {"type": "array", "items": ENHANCE_ITEM}}}

# The independent solve: the question and options only, never the key.
SOLVE_ITEM = ItemSchema({
    "type": "object", "required": ["id", "answer_index", "answer_text"],
    "properties": {
        "id": _STR,
        "answer_index": {"type": ["integer", "string", "null"],
                         "description": "0-based index of the option you worked out (null: cannot tell)"},
        "answer_text": {"type": ["string", "null"], "description": "that option's text, verbatim"},
        "working": {"type": ["string", "null"], "maxLength": 2000},
    }})
SOLVE = {"type": "object", "required": ["answers"],
         "properties": {"answers": {"type": "array", "items": SOLVE_ITEM}}}

GENERATE = {
    "type": "object", "required": ["questions"],
    "properties": {"questions": {"type": "array", "items": {
        "type": "object", "required": ["question", "options", "correct_index", "explanation"],
        "properties": {
            "question": {"type": "string", "minLength": 5},
            "options": {"type": "array", "items": _STR, "minItems": 3, "maxItems": 6},
            "correct_index": {"type": "integer", "minimum": 0},
            "explanation": _STR,
            "topics": _STRS,
        }}}},
}

FEEDBACK = {
    "type": "object", "required": ["explanation"],
    "properties": {"explanation": {"type": "string", "minLength": 1, "maxLength": 2000},
                   "hint": _STR},
}

EXTRACT = {
    "type": "object", "required": ["questions"],
    "properties": {"questions": {"type": "array", "items": {
        "type": "object", "required": ["question", "options"],
        "properties": {
            "question": {"type": "string", "minLength": 1},
            "options": _STRS,
            "answer": {"type": ["integer", "null"], "minimum": 0},
            "answer_text": {"type": ["string", "null"]},
            "explanation": {"type": ["string", "null"]},
        }}}},
}

LAYOUT = {
    "type": "object", "required": ["block", "question", "options"],
    "properties": {
        "block": {"type": "string", "minLength": 1, "maxLength": 300},
        "question": {"type": "string", "minLength": 1, "maxLength": 300},
        "options": {"type": "string", "minLength": 1, "maxLength": 300},
        "answer": {"type": ["string", "null"], "maxLength": 300},
        "explanation": {"type": ["string", "null"], "maxLength": 300},
    },
}
