"""Human output of the data-safety commands (stdlib only; `--json` gives the raw replies)."""

from __future__ import annotations

from scraped.render.table import fmt, table

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def size(n: Any) -> str:
    if not isinstance(n, (int, float)):
        return fmt(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def _counts(counts: Any) -> str:
    if not isinstance(counts, dict):
        return "-"
    return ", ".join(f"{k}={v}" for k, v in counts.items() if v) or "empty"


def backup_run(r: dict[str, Any]) -> str:
    lines = [f"backup {r['name']} written and verified: {size(r['size'])} "
             f"({size(r.get('data_bytes'))} of data), {r['documents']} documents in {r['seconds']:.1f} s",
             f"  {r['path']}", f"  counts: {_counts(r.get('counts'))}"]
    if r.get("deleted"):
        lines.append(f"  deleted by retention: {', '.join(r['deleted'])}")
    return "\n".join(lines)


def backup_list(r: dict[str, Any]) -> str:
    rows = []
    for b in r["backups"]:
        verified = {True: "ok", False: "FAILED", None: "not checked"}[b.get("verified")]
        rows.append({"name": b["name"], "created_at": b.get("created_at"), "size": size(b["size"]),
                     "documents": b.get("documents"), "verified": verified,
                     "kind": b.get("kind")})
    head = f"{r['directory']}: {len(rows)} backup(s), {size(r['total_size'])}; keeping {r['keep']} " \
           f"(+{r['keep_safety']} pre-restore)"
    # never shortened: the name is what `restore NAME` needs
    out = [head, table(rows, ["name", "created_at", "size", "documents", "verified", "kind"], max_width=1000)]
    for b in r["backups"]:
        for problem in b.get("problems") or []:
            out.append(f"  {b['name']}: {problem}")
    return "\n".join(out)


def backup_verify(r: dict[str, Any]) -> str:
    if r["verified"]:
        how = "checksums, integrity and counts" if r.get("deep_checked") else "checksums"
        return f"{r['name']}: ok ({how}; {r['seconds']:.1f} s)\n  counts: {_counts(r.get('counts'))}"
    return f"{r['name']}: FAILED\n" + "\n".join(f"  {p}" for p in r["problems"])


def restore(r: dict[str, Any]) -> str:
    names = sorted(set(r["counts_before"]) | set(r["counts_after"]))
    rows = [{"collection": n, "before": r["counts_before"].get(n), "after": r["counts_after"].get(n)}
            for n in names if r["counts_before"].get(n) or r["counts_after"].get(n)]
    lines = [f"restored {r['restored']} in {r['seconds']:.1f} s (safety backup: {r['safety_backup']}; "
             f"paused meanwhile: {', '.join(r.get('paused') or []) or 'nothing'})",
             table(rows, ["collection", "before", "after"]), f"integrity: {fmt(r['integrity'])}"]
    if r.get("differs_from_backup"):
        lines.append("changed since the restore: " + ", ".join(r["differs_from_backup"]))
    return "\n".join(lines)


RENDERERS = {"backup.run": backup_run, "backup.list": backup_list, "backup.verify": backup_verify,
             "restore": restore}
