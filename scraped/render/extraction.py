"""The `extraction` part of `jobs show` as text (stdlib only)."""

from __future__ import annotations

from typing import Any

from scraped.render.table import fmt


def extraction_lines(ex: dict[str, Any] | None) -> list[str]:
    if not ex:
        return []
    head = f"extraction: mode {ex.get('mode')}"
    if ex.get("ai_fallback"):
        head += f", ai fallback {ex['ai_fallback']}"
    out = ["", head]
    counters = ex.get("counters") or {}
    if counters:
        out.append("  " + "  ".join(f"{k} {v}" for k, v in counters.items()))
    for drift in ex.get("drift") or []:
        out.append(f"  SELECTOR DRIFT since {fmt(drift.get('at'), 'at')}: {drift.get('reason')}")
        out += [f"    e.g. {u}" for u in (drift.get("sample_urls") or [])[:3]]
    for row in ex.get("layouts") or []:
        out.append(f"  layout {row['layout']}: {row.get('pages') or 0} pages, {row.get('pages_with_questions') or 0} "
                   f"with questions, {row.get('questions') or 0} questions"
                   + (f", {row['drifts']} drift(s)" if row.get("drifts") else ""))
        rules = row.get("rules")
        if rules:
            by = f" by {rules['provider']}/{rules['model']}" if rules.get("provider") else ""
            out.append(f"    rules {rules.get('state')}{by}" + (f": {rules['reason']}" if rules.get("reason") else "")
                       + (f" ({rules['samples']} sample pages)" if rules.get("samples") else ""))
            for key, sel in (rules.get("rules") or {}).items():
                if sel:
                    out.append(f"      {key} = {sel}")
            checked = rules.get("validated_on") or []
            if checked:
                out.append("      checked on " + ", ".join(f"{c['url']} ({c['questions']} questions, auto "
                                                          f"{c['auto_questions']})" for c in checked))
    return out
