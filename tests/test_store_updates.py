"""The update operators the SQLite backend applies to JSON documents (scraped/store/updates.py)."""

from __future__ import annotations

import collections

import pytest

from scraped.errors import BadRequest
from scraped.store.updates import apply_update, check_field, clone, upsert_seed


def test_clone_is_deep_and_keeps_types():
    doc = {"a": [1, {"b": [2, 3]}], "t": (1, [2]), "s": "x", "f": 1.5, "n": None, "y": True}
    copy = clone(doc)
    assert copy == doc and type(copy["t"]) is tuple
    copy["a"][1]["b"].append(4)
    copy["t"][1].append(9)
    assert doc == {"a": [1, {"b": [2, 3]}], "t": (1, [2]), "s": "x", "f": 1.5, "n": None, "y": True}


def test_clone_falls_back_to_deepcopy_for_other_types():
    odd = {"set": {1, 2}, "ordered": collections.OrderedDict(a=[1])}
    copy = clone(odd)
    assert copy == odd and type(copy["ordered"]) is collections.OrderedDict
    copy["ordered"]["a"].append(2)
    copy["set"].add(3)
    assert odd == {"set": {1, 2}, "ordered": collections.OrderedDict(a=[1])}


def test_apply_update_never_aliases_its_input_or_arguments():
    doc = {"_id": "x", "sub": {"list": [1]}}
    arg = {"deep": [1, 2]}
    update = {"$set": {"v": arg}, "$push": {"sub.list": {"$each": [[5]]}}, "$addToSet": {"tags": {"k": [1]}}}
    new = apply_update(doc, update, inserting=False)
    assert new == {"_id": "x", "sub": {"list": [1, [5]]}, "v": {"deep": [1, 2]}, "tags": [{"k": [1]}]}
    new["v"]["deep"].append(3)
    new["sub"]["list"][1].append(6)
    new["tags"][0]["k"].append(2)
    assert arg == {"deep": [1, 2]} and doc == {"_id": "x", "sub": {"list": [1]}}
    assert update["$push"]["sub.list"]["$each"] == [[5]] and update["$addToSet"]["tags"] == {"k": [1]}


def test_upsert_seed_copies_the_filter_values():
    flt = {"_id": "a", "meta.tags": ["x"], "n": {"$gt": 1}}
    seed = upsert_seed(flt)
    assert seed == {"_id": "a", "meta": {"tags": ["x"]}}
    seed["meta"]["tags"].append("y")
    assert flt["meta.tags"] == ["x"]


@pytest.mark.parametrize("name", ["", "1a", "a..b", "a.$b", "a b", "$set", None, 3, ["a"]])
def test_check_field_refuses_bad_names(name):
    with pytest.raises(BadRequest):
        check_field(name)  # twice: the cache must not remember a refusal as a pass
    with pytest.raises(BadRequest):
        check_field(name)


def test_check_field_accepts_paths():
    assert check_field("progress.pages_fetched") == "progress.pages_fetched"
    assert check_field("_id") == "_id"
