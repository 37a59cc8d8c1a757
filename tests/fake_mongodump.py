"""A stand-in for MongoDB's `mongodump` (no MongoDB tools package exists on these machines):
it takes mongodump's flags (--config with `uri:`, --db, --gzip, --out), dumps every
collection of the database with pymongo's bson into mongodump's layout, and prints
mongodump's "done dumping" lines. It also records its argv and its config file's mode in
$FAKE_MONGODUMP_RECORD for the test. FAKE_MONGODUMP_FAIL=1 makes it fail the way mongodump
does when it cannot connect (echoing the URI it was given)."""

from __future__ import annotations

import gzip
import json
import os
import stat
import sys

import bson
from bson.json_util import dumps as ejson_dumps
from pymongo import MongoClient


def main(argv: list[str]) -> int:
    flags = dict(a[2:].split("=", 1) for a in argv if a.startswith("--") and "=" in a)
    with open(flags["config"]) as fh:
        uri = json.loads(fh.read().split(":", 1)[1].strip())
    mode = stat.S_IMODE(os.stat(flags["config"]).st_mode)
    with open(os.environ["FAKE_MONGODUMP_RECORD"], "w") as fh:
        json.dump({"argv": argv, "config_mode": mode}, fh)
    if os.environ.get("FAKE_MONGODUMP_FAIL"):
        print(f"Failed: can't create session: could not connect to server {uri}", file=sys.stderr)
        return 1
    db = MongoClient(uri, serverSelectionTimeoutMS=5000)[flags["db"]]
    root = os.path.join(flags["out"], flags["db"])
    os.makedirs(root, exist_ok=True)
    for name in sorted(db.list_collection_names()):
        docs = list(db[name].find({}, sort=[("_id", 1)]))
        with gzip.open(os.path.join(root, f"{name}.bson.gz"), "wb") as fh:
            for doc in docs:
                fh.write(bson.encode(doc))
        meta = {"indexes": list(db[name].list_indexes()), "collectionName": name}
        with gzip.open(os.path.join(root, f"{name}.metadata.json.gz"), "wt") as fh:
            fh.write(ejson_dumps(meta))
        print(f"2026-11-29T00:00:00.000+0000\tdone dumping {flags['db']}.{name} ({len(docs)} documents)",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
