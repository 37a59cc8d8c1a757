"""Human output of the db.* commands (stdlib only; `--json` gives the raw replies).
db slow-ops and db kill-op print as the generic table."""

from __future__ import annotations

from scraped.render.table import kv, table

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def db_indexes(r: dict[str, Any]) -> str:
    rows = [{"collection": i["collection"], "name": i["name"],
             "keys": ", ".join(f"{k}{'' if d == 1 else ' desc'}" for k, d in i.get("keys") or []),
             "unique": i.get("unique"), "present": i.get("present", True), "usage": i.get("usage")}
            for i in r["indexes"]]
    note = "" if r.get("usage_reported") else f"\n(usage: {r['backend']} does not report index usage)"
    return table(rows, ["collection", "name", "keys", "unique", "present", "usage"]) + note


def db_maintenance(r: dict[str, Any]) -> str:
    if r["dry_run"]:
        return (f"dry run (nothing changed): {r['jobs_to_delete']} job(s) created before {r['jobs_before']} "
                f"({', '.join(r['statuses'])}) with {r['frontier_to_delete']} frontier entries would be "
                f"deleted; {r['raw_to_archive']} raw question(s) extracted before {r['raw_before']} would "
                f"move to archived_raw_questions ({r['raw_already_copied']} already copied by an "
                "interrupted run)")
    return (f"deleted {r['jobs_deleted']} job(s) created before {r['jobs_before']} and "
            f"{r['frontier_deleted']} frontier entries; archived {r['raw_archived']} raw question(s) "
            f"extracted before {r['raw_before']} ({r['raw_deleted']} removed from raw_extracted_questions) "
            f"in {r['seconds']:.1f} s")


def db_reindex(r: dict[str, Any]) -> str:
    return kv(r)


RENDERERS = {"db.indexes": db_indexes, "db.maintenance": db_maintenance, "db.reindex": db_reindex}
