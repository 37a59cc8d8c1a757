"""Selector drift: layouts of pages, yield per layout, the alarm, and a real daemon crawling a
loopback site whose markup changes in the middle of the crawl."""

from __future__ import annotations

import glob
from pathlib import Path
from types import SimpleNamespace

from scraped.config import parse_config
from scraped.engine.drift import Tracker
from scraped.engine.extract import Page
from scraped.engine.layouts import fingerprint
from tests.daemon_harness import DaemonProcess
from tests.drift_site import DriftSite
from tests.engine_site import submit_file

REAL = Path(__file__).parent / "fixtures" / "real"
ENGINE = {"allow_private_networks": True, "write_interval": 0.05, "progress_interval": 0.2, "stop_grace": 5.0}


def _layout(path: str, site: str) -> str:
    page = Page(Path(path).read_text(errors="replace"), f"https://{site}/x")
    return fingerprint(page.root, page.url)


def test_pages_of_one_template_share_a_layout_and_other_templates_do_not():
    # Real saved pages (tests/fixtures/real): a site's quiz pages are one layout, whatever
    # their number of questions; its index and article pages are others.
    def layouts(site: str, pattern: str) -> set[str]:
        return {_layout(p, site) for p in glob.glob(str(REAL / site / pattern))}

    assert len(layouts("javatpoint", "aptitude-*-test-1.html")) == 1
    assert len(layouts("w3schools", "quiz-*-q1.html")) == 1
    assert len(layouts("examtopics", "1z0-071-*.html")) == 1
    assert len(layouts("tutorialspoint", "*.html")) == 1
    assert layouts("javatpoint", "java-abstract-class-article.html").isdisjoint(
        layouts("javatpoint", "aptitude-*-test-1.html"))
    assert layouts("w3schools", "quiz-index.html").isdisjoint(layouts("w3schools", "quiz-*-q1.html"))
    # the same template on two sites is two layouts
    assert _layout(str(REAL / "w3schools" / "quiz-c-q1.html"), "a.test") != \
        _layout(str(REAL / "w3schools" / "quiz-c-q1.html"), "b.test")


def test_renamed_classes_keep_the_layout_a_new_structure_does_not():
    with DriftSite(switch_after=1) as site:
        old, new = site.question_page(1), site.question_page(2)
    assert 'class="qblock"' in old and 'class="card"' in new
    fp = [fingerprint(Page(h, "http://s.test/q").root, "http://s.test/q") for h in (old, new)]
    assert fp[0] == fp[1]
    other = "<html><body><table><tr><td>x</td></tr></table><ul><li>a</li></ul></body></html>"
    assert fingerprint(Page(other, "http://s.test/q").root, "http://s.test/q") != fp[0]
    assert fingerprint(Page("", "http://s.test/").root, "http://s.test/").startswith("s.test/")


def _tracker(**cfg) -> Tracker:
    section = parse_config({"engine": {"extraction": cfg}}).engine.extraction
    return Tracker("job1", "name", lambda: section)


def test_drift_opens_after_the_window_and_closes_when_questions_return():
    t = _tracker(drift_window=4, drift_ratio=0.75, drift_min_pages=3)
    for i in range(5):
        assert t.record("L", f"u{i}", 3) is None
    alarms = [t.record("L", f"e{i}", 0) for i in range(4)]
    assert alarms[:2] == [None, None]
    # 3 of the last 4 pages empty (0.75) opened it, once
    assert alarms[2] is not None and alarms[3] is None
    drift = alarms[2]
    assert drift["layout"] == "L" and drift["job_id"] == "job1" and drift["sample_urls"] == ["e0", "e1", "e2"]
    assert "gave no question" in drift["reason"] and drift["pages_with_questions_before"] == 4
    assert t.record("L", "back", 2) is None
    ly = t.layouts["L"]
    assert ly.drift is None and ly.last_drift["recovered_by"] == "back" and ly.drifts == 1
    assert (ly.pages, ly.pages_with_questions, ly.questions) == (10, 6, 17)


def test_no_drift_for_a_layout_that_never_gave_questions_or_too_few_pages():
    t = _tracker(drift_window=3, drift_ratio=1.0, drift_min_pages=3)
    assert all(t.record("listing", f"l{i}", 0) is None for i in range(20))  # never gave questions
    for i in range(2):
        t.record("q", f"q{i}", 1)
    assert all(t.record("q", f"e{i}", 0) is None for i in range(10))  # only 2 earlier pages gave some
    off = _tracker(drift_window=0)
    for i in range(5):
        off.record("L", f"u{i}", 1)
    assert all(off.record("L", f"e{i}", 0) is None for i in range(20))


def test_pending_writes_deltas_and_a_failed_write_is_kept():
    t = _tracker(drift_window=3)
    t.record("L", "a", 2)
    t.record("L", "b", 0)
    [(_id, update)] = t.pending()
    assert _id == "job1 L" and update["$inc"] == {"pages": 2, "pages_with_questions": 1, "questions": 2}
    assert update["$set"]["recent"] == [["a", 2], ["b", 0]]
    assert t.pending() == []
    t.record("L", "c", 1)
    t.restore(t.pending())  # the store refused it
    [(_, again)] = t.pending()
    assert again["$inc"] == {"pages": 1, "pages_with_questions": 1, "questions": 1}
    # a resumed job goes on from the stored document
    resumed = _tracker(drift_window=3)
    resumed.load({"layout": "L", "pages": 7, "pages_with_questions": 5, "questions": 9,
                  "recent": [["x", 1], ["y", 0]]})
    assert resumed.record("L", "z", 0) is None and resumed.layouts["L"].pages == 8
    assert resumed.record("L", "w", 0) is not None  # x fell out of the window: 3 of 3 empty


def _finished(d: DaemonProcess, job_id: str) -> dict:
    return d.wait_until(lambda: (j := d.call("jobs.show", id=job_id))["status"] in ("COMPLETED", "FAILED") and j,
                        timeout=60)


def test_a_css_job_catches_the_markup_change_mid_crawl(tmp_path):
    config = {"engine": {**ENGINE, "extraction": {"drift_window": 4, "drift_ratio": 1.0, "drift_min_pages": 3}}}
    with DriftSite(pages=16, switch_after=8) as site, DaemonProcess(tmp_path, config) as d:
        job_id = submit_file(d, tmp_path, site.spec("drifting", "css", start="/q/1"))
        job = _finished(d, job_id)
        assert job["status"] == "COMPLETED"  # every page was fetched: drift is no fetch failure
        assert site.switched_at == 9
        ex = job["extraction"]
        assert ex["mode"] == "css"
        [row] = [r for r in ex["layouts"] if r["questions"]]
        assert (row["pages"], row["pages_with_questions"], row["questions"]) == (16, 8, 24)
        [drift] = ex["drift"]
        assert drift["layout"] == row["layout"] and drift["job_id"] == job_id
        assert drift["sample_urls"] == [f"{site.base}/q/{n}" for n in range(9, 13)]
        assert job["progress"]["questions_new"] == 24
        # the error tracker has it, category extraction, with the job, the layout and URLs
        dash = d.call("errors.dashboard", limit=50)
        found = [e for e in dash["recent_errors"] + dash["top_errors"] if e.get("category") == "extraction"]
        assert found, dash
        err = found[0]
        assert job_id in err["message"] and row["layout"] in err["message"]
        assert err["context"]["sample_urls"][0] == f"{site.base}/q/9"
        # and `jobs show` says it in words
        shown = d.ctl("jobs", "show", job_id)
        assert shown.returncode == 0 and "SELECTOR DRIFT" in shown.stdout and "/q/9" in shown.stdout


def test_a_css_job_without_a_change_raises_no_alarm(tmp_path):
    config = {"engine": {**ENGINE, "extraction": {"drift_window": 4, "drift_ratio": 1.0, "drift_min_pages": 3}}}
    with DriftSite(pages=10, switch_after=None) as site, DaemonProcess(tmp_path, config) as d:
        job = _finished(d, submit_file(d, tmp_path, site.spec("steady", "css", start="/q/1")))
        assert job["extraction"]["drift"] == [] and job["progress"]["questions_new"] == 30
        dash = d.call("errors.dashboard", limit=50)
        assert not [e for e in dash["recent_errors"] + dash["top_errors"] if e.get("category") == "extraction"]


def test_extraction_section_defaults():
    cfg = parse_config({}).engine.extraction
    assert (cfg.ai_fallback, cfg.validate_pages, cfg.drift_window) == (False, 3, 10)


async def test_jobs_show_lists_layouts_still_gathering_samples_and_renders_them(tmp_path):
    from types import SimpleNamespace

    from scraped.engine.extraction_show import describe
    from scraped.render.extraction import extraction_lines
    from tests.fake_providers import AIHarness

    h = AIHarness(tmp_path, {}, {})
    await h.app.store.open()
    try:
        await h.app.store.update_one("layout_yield", {"_id": "j1 s.test/aaa"}, {"$set": {
            "job_id": "j1", "layout": "s.test/aaa", "pages": 9, "pages_with_questions": 4, "questions": 12,
            "drift": {"reason": "3 of the last 3 pages gave no question", "at": 1.0, "sample_urls": ["http://s/q/9"]},
            "updated_at": 2.0}}, upsert=True)
        live = SimpleNamespace(layouts=SimpleNamespace(samples={"s.test/bbb": [1, 2]}))
        doc = {"_id": "j1", "spec": {"extract": {"mode": "ai-schema"}}, "stats": {"extract_auto_pages": 11}}
        ex = await describe(h.app, doc, live)
    finally:
        await h.app.store.close()
    rows = {r["layout"]: r for r in ex["layouts"]}
    assert rows["s.test/bbb"]["rules"] == {"state": "learning", "samples": "2 of 3",
                                           "reason": "gathering sample pages (auto extracts them meanwhile)"}
    assert rows["s.test/aaa"]["pages"] == 9 and ex["drift"][0]["sample_urls"] == ["http://s/q/9"]
    assert ex["counters"] == {"auto_pages": 11}
    text = "\n".join(extraction_lines(ex))
    assert "SELECTOR DRIFT" in text and "http://s/q/9" in text and "(2 of 3 sample pages)" in text


def test_a_job_tracks_at_most_max_layouts():
    from scraped.engine import drift

    t = _tracker(drift_window=3)
    for i in range(drift.MAX_LAYOUTS + 5):
        t.record(f"L{i}", f"u{i}", 1)
    assert len(t.layouts) == drift.MAX_LAYOUTS and t.untracked == 5
    t.record("L0", "again", 1)  # a tracked layout goes on being counted
    assert t.layouts["L0"].pages == 2


class _SlowStore:
    """A store whose reads wait on the test (and may fail): the one thing faked here."""

    def __init__(self, fail: bool = False):
        import trio

        self.fail = fail
        self.iterations = 0
        self.go = trio.Event()
        self.writes: list = []

    async def iterate(self, coll, filter=None):
        from scraped.errors import StoreError

        self.iterations += 1
        await self.go.wait()
        if self.fail:
            raise StoreError("store unreachable")
        page = Page(DriftSite(switch_after=None).question_page(1), "http://127.0.0.1/q/1")
        yield {"layout": fingerprint(page.root, page.url), "pages": 5, "pages_with_questions": 5, "questions": 15, "recent": []}

    async def update_one(self, coll, filter, update, upsert=False):
        self.writes.append((filter["_id"], update))
        return True


async def _two_pages(store: _SlowStore) -> tuple[list, object]:
    from collections import Counter

    import trio

    from scraped.engine import spec as specs
    from scraped.engine.extraction import Extraction
    from tests.drift_site import CSS_SPEC

    app = SimpleNamespace(config=parse_config({}), store=store)
    spec = specs.parse('name = "x"\nstart_urls = ["http://127.0.0.1/"]\n' + CSS_SPEC)
    stats: Counter = Counter()
    ex = Extraction(app, {"_id": "j1", "name": "x"}, spec, lambda: stats)
    site = DriftSite(switch_after=None)
    out: list = []

    async def page(n: int) -> None:
        url = f"http://127.0.0.1/q/{n}"
        out.append(await ex.questions(Page(site.question_page(n), url), "", url))

    async with trio.open_nursery() as nursery:
        nursery.start_soon(page, 1)
        nursery.start_soon(page, 2)
        await trio.sleep(0.05)
        store.go.set()
    return out, ex


async def test_the_stored_yields_are_read_once_before_the_first_pages_count():
    store = _SlowStore()
    out, ex = await _two_pages(store)
    assert store.iterations == 1 and [len(q) for q, _ in out] == [3, 3]
    [ly] = ex.tracker.layouts.values()
    assert ly.pages == 7  # 5 stored + the 2 pages that waited for them


async def test_a_store_that_cannot_be_read_leaves_the_counting_to_start_afresh():
    store = _SlowStore(fail=True)
    out, ex = await _two_pages(store)
    assert store.iterations == 1 and [len(q) for q, _ in out] == [3, 3]
    [ly] = ex.tracker.layouts.values()
    assert ly.pages == 2 and ly.unsaved["pages"] == 2  # added to the stored counters when written
