"""Bank quality: how many questions reach each verification level, and how many wrong
answer keys end in the verified export, under scripted model behaviours.

Data: /work/shared/data (or ../shared/data): AQuA-RAT (500 five-option algebra word
problems, Apache-2.0) and GSM8K (500 free-response problems, MIT; made multiple-choice
here: the final answer and three distractors near it, at a seeded position). Each page
key is the dataset's answer, except for a seeded 10 % given a wrong key (a wrong option),
as a careless site would.

Models: two local servers from tests/fake_providers.py speaking Gemini's and Groq's wire
formats (the real google-genai and groq SDKs call them; fake: only the accounts). Gemini
enhances, Groq solves (the daemon picks another provider than the enhancer for the solve).
Each scripted behaviour is what both models do:

    right         the truth, with its text
    wrong         wrong on a seeded 25 % of questions (each model its own 25 %), a wrong option
    anchored      as `wrong`, and an enhancer shown the page's key copies it on half of the
                  questions where its own pick differs (models lean on a key they are shown);
                  a solve, which is shown no key, answers by its own pick
    one_based     index + 1, with the answer's text (one past the end for the last option)
    one_based_bare index + 1, no answer text and no explanation
    rewritten     the enhancer changes a number or a word of the question; the solver is right
    refusal       null answers ("cannot help")
    invalid_json  prose instead of JSON
    offline       no model configured at all

Run: .venv/bin/python bench/bank_quality.py [--limit N] [--behaviours right,wrong] [--third] [--json]
Prints a table per behaviour: questions per level, wrong keys in the verified export, wrong
page keys caught (disputed or failed) and missed, right keys wrongly quarantined.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import trio

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scraped.bank import lifecycle as lc  # noqa: E402
from scraped.engine.extract.normalise import question_key  # noqa: E402
from tests.fake_providers import KEY, FakeProvider, ai_service, ai_settings, input_json  # noqa: E402

BEHAVIOURS = ("right", "wrong", "anchored", "one_based", "one_based_bare", "rewritten", "refusal", "invalid_json", "offline")
WRONG_PAGE = 0.10
WRONG_MODEL = 0.25
ANCHOR = 0.5  # `anchored`: how often an enhancer copies a key it was shown


def data_dir() -> Path:
    for p in (Path("/work/shared/data"), ROOT.parent / "shared" / "data"):
        if p.is_dir():
            return p
    raise SystemExit("no shared/data directory (AQuA-RAT and GSM8K samples)")


def load(limit: int | None) -> list[dict[str, Any]]:
    """[{question, options, truth, page, source}] with seeded wrong page keys."""
    rng = random.Random(20261203)
    out: list[dict[str, Any]] = []
    base = data_dir()
    with open(base / "aqua" / "aqua_rat_sample.jsonl", encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            options = [re.sub(r"^[A-E]\)\s*", "", o).strip() for o in d["options"]]
            truth = "ABCDE".index(d["correct"].strip()[0])
            if len({o.casefold() for o in options}) != len(options) or not all(options):
                continue
            out.append({"question": " ".join(d["question"].split()), "options": options, "truth": truth,
                        "source": "aqua"})
    with open(base / "gsm8k" / "gsm8k_test_sample.jsonl", encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            value = float(d["final_answer"].replace(",", ""))
            step = max(1, round(abs(value) * 0.1)) if value.is_integer() else 0.5
            distractors = [value + step, value - step, value + 2 * step, value * 2 if value else 3]
            opts = [value]
            for x in distractors:
                if x not in opts and len(opts) < 4:
                    opts.append(x)
            rng.shuffle(opts)
            options = [(str(int(x)) if float(x).is_integer() else str(x)) for x in opts]
            out.append({"question": " ".join(d["question"].split()), "options": options,
                        "truth": opts.index(value), "source": "gsm8k"})
    per = None if limit is None else max(1, limit // 2)
    out = [q for q in out if q["source"] == "aqua"][:per] + [q for q in out if q["source"] == "gsm8k"][:per]
    for q in out:
        q["page"] = q["truth"]
        if rng.random() < WRONG_PAGE:
            q["page"] = rng.choice([i for i in range(len(q["options"])) if i != q["truth"]])
    return out


def _norm(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def _seeded(text: str, salt: str) -> random.Random:
    return random.Random(int(hashlib.sha1((salt + text).encode()).hexdigest()[:12], 16))


class Script:
    """What a model answers under one behaviour, knowing the truth by question text."""

    def __init__(self, questions: list[dict[str, Any]], behaviour: str, salt: str):
        self.truth = {_norm(q["question"]): q["truth"] for q in questions}
        self.behaviour, self.salt = behaviour, salt

    def pick(self, question: str, options: list[str], shown_key: Any = None) -> int:
        truth = self.truth.get(_norm(question), 0)
        own = truth
        if self.behaviour in ("wrong", "anchored"):
            rng = _seeded(question, self.salt)
            if rng.random() < WRONG_MODEL:
                own = rng.choice([i for i in range(len(options)) if i != truth])
        if self.behaviour == "anchored" and isinstance(shown_key, int) and 0 <= shown_key < len(options) \
                and shown_key != own and _seeded(question, self.salt + "anchor").random() < ANCHOR:
            return shown_key
        return own

    def __call__(self, rec: Any) -> Any:
        kind = re.search(r"\(task: (\w+)\)", rec.system)
        data = input_json(rec.user)
        if self.behaviour == "invalid_json":
            return "Sure! Here are the cleaned questions you asked for, one by one."
        if kind and kind.group(1) == "solve":
            return {"answers": [self._solve(q) for q in data["questions"]]}
        return {"questions": [self._enhance(q) for q in data["questions"]]}

    def _answer(self, q: dict[str, Any]) -> tuple[Any, Any, str]:
        options = q["options"]
        idx = self.pick(q["question"], options, q.get("answer"))  # a solve is shown no "answer"
        text = options[idx]
        if self.behaviour == "refusal":
            return None, None, "I can't help with that."
        if self.behaviour == "one_based":
            return idx + 1, text, f"Working it through, the answer is {text}."
        if self.behaviour == "one_based_bare":
            return idx + 1, None, ""
        return idx, text, f"Working it through, the answer is {text}."

    def _enhance(self, q: dict[str, Any]) -> dict[str, Any]:
        idx, text, why = self._answer(q)
        question = q["question"]
        if self.behaviour == "rewritten":
            nums = re.findall(r"\d+", question)
            question = question.replace(nums[0], str(int(nums[0]) + 1), 1) if nums else "Rewritten: " + question
        return {"id": q["id"], "question": question, "options": q["options"], "correct_index": idx,
                "answer_text": text, "explanation": why, "category": "Quantitative", "difficulty": "Medium",
                "topics": ["arithmetic"], "quality_score": 0.9}

    def _solve(self, q: dict[str, Any]) -> dict[str, Any]:
        if self.behaviour == "rewritten":  # only the enhancer misbehaves
            idx = self.pick(q["question"], q["options"])
            return {"id": q["id"], "answer_index": idx, "answer_text": q["options"][idx]}
        idx, text, why = self._answer(q)
        return {"id": q["id"], "answer_index": idx, "answer_text": text, "working": why}


def raw_doc(q: dict[str, Any], i: int) -> dict[str, Any]:
    return {"_id": question_key(q["question"], q["options"]), "question": q["question"], "options": q["options"],
            "answer": q["page"], "answer_text": q["options"][q["page"]], "explanation": None,
            "category": "Quantitative Aptitude", "difficulty": None, "company_tags": [],
            "sources": [{"url": f"http://bench.test/{q['source']}/{i}", "job_id": "BENCH", "extractor": "auto",
                         "seen_at": 1.0}],
            "extracted_at": 1.0 + i, "job_id": "BENCH",
            "enhancement": {"state": "pending", "attempts": 0, "last_error": None}}


async def run(behaviour: str, questions: list[dict[str, Any]], tmp: Path, third: bool = False) -> dict[str, Any]:
    raws = [raw_doc(q, i) for i, q in enumerate(questions)]
    truth = {r["_id"]: q for r, q in zip(raws, questions, strict=True)}
    gemini = FakeProvider("gemini", responder=Script(questions, behaviour, "gemini"))
    groq = FakeProvider("groq", responder=Script(questions, behaviour, "groq"))
    # --third: Hugging Face as a third model provider, scripted alike (its own seeded errors)
    hf = FakeProvider("huggingface", responder=Script(questions, behaviour, "huggingface")) if third else None
    # A paid Groq account: the fake's default (8,000 tokens a minute, as a free one) would
    # hold Groq after a few solves, and a held solver leaves questions unverified.
    groq.ratelimit.update(limit_tokens=10**9, remaining_tokens=10**9, limit_requests=10**6,
                          remaining_requests=10**6)
    try:
        if behaviour == "offline":
            settings: dict[str, Any] = {"enabled": False}
            secrets: dict[str, str] = {}
        else:
            fakes = {"gemini": gemini, "groq": groq, **({"huggingface": hf} if hf else {})}
            settings = ai_settings(fakes, order=(*fakes, "offline"), breaker_threshold=1000)
            secrets = {"GEMINI_API_KEY": KEY, "GROQ_API_KEY": KEY, **({"HUGGINGFACE_API_TOKEN": KEY} if hf else {})}
        settings["enhance"] = {"batch_size": 10, "retry_delay": 0.0, "max_attempts": 3}
        started = time.perf_counter()
        async with ai_service(tmp, settings, secrets=secrets) as h:
            store: Any = h.app.store
            await store.insert_many(lc.RAW, raws)
            while (await h.service.enhancer.run_batch())["claimed"]:
                pass
            seconds = time.perf_counter() - started
            enhanced = await store.find(lc.ENHANCED)
            states = {str(k): v for k, v in (await store.count_by(lc.RAW, "enhancement.state")).items()}
        calls = {"gemini": gemini.calls, "groq": groq.calls, "huggingface": hf.calls if hf else 0}
    finally:
        gemini.close()
        groq.close()
        if hf:
            hf.close()
    levels: dict[str, int] = {}
    out: dict[str, Any] = {"behaviour": behaviour, "questions": len(questions), "states": states, "calls": calls,
           "seconds": round(seconds, 1), "verified_wrong": 0, "verified": 0, "wrong_pages": 0, "caught": 0,
           "missed": 0, "missed_in_verified": 0, "wrongly_quarantined": 0, "default_export_wrong": 0}
    by_raw: dict[str, dict[str, Any]] = {}
    for doc in enhanced:
        level = lc.level_of(doc)
        levels[level] = levels.get(level, 0) + 1
        for h_ in doc.get("raw_hashes") or []:
            by_raw[h_] = doc
    out["levels"] = levels
    for raw_id, q in truth.items():
        page_wrong = q["page"] != q["truth"]
        out["wrong_pages"] += page_wrong
        doc = by_raw.get(raw_id)
        level = lc.level_of(doc) if doc else "failed"
        stored = doc.get("correct_index") if doc else None
        wrong = stored is not None and doc is not None and doc["options"][stored] != q["options"][q["truth"]]
        if level in lc.VERIFIED:
            out["verified"] += 1
            out["verified_wrong"] += wrong
            if wrong and doc is not None:  # every wrong verified key, with what each side said
                out.setdefault("verified_wrong_examples", []).append({
                    "source": q["source"], "question": q["question"][:80], "truth": q["truth"], "page": q["page"],
                    "stored": stored, "level": level, "checks": [(c.get("check"), c.get("result"), c.get("detail"))
                                                                  for c in doc.get("checks") or []]})
        if level not in (lc.DISPUTED, "failed"):
            out["default_export_wrong"] += wrong
        if page_wrong:
            if level in (lc.DISPUTED, "failed") or not wrong:
                out["caught"] += 1
            else:
                out["missed"] += 1
                out["missed_in_verified"] += level in lc.VERIFIED
        elif level == lc.DISPUTED:
            out["wrongly_quarantined"] += 1
    return out


def table(rows: list[dict[str, Any]]) -> str:
    cols = ["behaviour", *lc.LEVELS, "failed", "verified wrong", "wrong pages", "caught", "missed",
            "missed (verified)", "wrongly quarantined", "default export wrong", "calls", "s"]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        vals = [r["behaviour"], *[r["levels"].get(level, 0) for level in lc.LEVELS], r["states"].get("failed", 0),
                r["verified_wrong"], r["wrong_pages"], r["caught"], r["missed"], r["missed_in_verified"],
                r["wrongly_quarantined"], r["default_export_wrong"], sum(r["calls"].values()),
                r["seconds"]]
        lines.append("| " + " | ".join(str(v) for v in vals) + " |")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=None, help="questions (half AQuA, half GSM8K); default all 1,000")
    ap.add_argument("--behaviours", default=",".join(BEHAVIOURS))
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--third", action="store_true", help="a third model provider (Hugging Face) solves too")
    args = ap.parse_args()
    questions = load(args.limit)
    rows = []
    for behaviour in args.behaviours.split(","):
        with tempfile.TemporaryDirectory(prefix="bankq-") as tmp:
            rows.append(trio.run(run, behaviour, questions, Path(tmp), args.third))
        print(f"{behaviour}: done", file=sys.stderr, flush=True)
    print(json.dumps(rows, indent=1) if args.json else table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
