"""Backups, verification and restore against a real SQLite store on disk: real archives,
real corruption (rows deleted, bytes overwritten), nothing faked."""

from __future__ import annotations

import gzip
import io
import json
import os
import tarfile
import time

import pytest
import trio

from scraped import errors
from scraped.app import App
from scraped.config import parse_config
from scraped.ops import archive as fmt
from scraped.ops.data_service import DataService
from scraped.secrets import Secrets
from scraped.store.schema import COLLECTIONS
from scraped.store.sqlite import SqliteStore


def make_app(tmp_path, **backup):
    config = parse_config({"daemon": {"state_dir": str(tmp_path / "state")}, "ops": {"backup": backup}})
    return App(config, None, Secrets({}))


@pytest.fixture
async def data(tmp_path):
    app = make_app(tmp_path)
    app.store = SqliteStore(app.state_dir / "scraped.db")
    await app.store.open()
    await seed(app.store)
    try:
        yield DataService(app, scheduler=None)
    finally:
        await app.store.close()


async def seed(store, n=300):
    now = time.time()
    await store.insert_many("raw_extracted_questions", [
        {"_id": f"q{i:04d}", "question": f"Train {i} leaves at {i % 12} o'clock — when? ✓",
         "options": [str(i), str(i + 1), "none"], "answer": i % 3, "category": ["math", "logic"][i % 2],
         "company_tags": ["tcs"] if i % 5 == 0 else [], "extracted_at": now - i * 3600,
         "sources": [{"url": f"https://example.org/{i}", "job_id": "J1", "seen_at": now}],
         "enhancement": {"state": "pending", "attempts": 0}} for i in range(n)])
    await store.insert_many("scraping_jobs", [
        {"_id": f"J{i}", "name": "demo", "status": "COMPLETED", "created_at": now - i,
         "progress": {"pages_fetched": i, "questions_found": 2 * i}} for i in range(20)])
    await store.insert_many("frontier", [
        {"_id": f"J1:{i}", "job_id": "J1", "url": f"https://example.org/{i}", "state": "done", "depth": 1}
        for i in range(50)])
    await store.insert_many("enhanced_questions", [
        {"_id": f"q{i:04d}", "question": f"Train {i}?", "correct_index": 0, "topics": ["speed"],
         "quality_score": 0.5 + i / 1000} for i in range(0, n, 3)])


async def dump(store):
    """Every document of every collection: what "identical content" means."""
    return {name: [d async for d in store.iterate(name)] for name in COLLECTIONS}


def overwrite_middle(path, n):
    with open(path, "r+b") as f:
        f.seek(path.stat().st_size // 2)
        f.write(os.urandom(n))


def archive(data, name):
    return data.backups.directory / name


# ---------------------------------------------------------------- backup


async def test_backup_writes_a_verified_archive_with_manifest(data):
    result = await data.backup()
    path = archive(data, result["name"])
    assert fmt.NAME_RE.match(result["name"]) and path.is_file()
    assert result["verified"] is True and result["counts"]["raw_extracted_questions"] == 300
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    with tarfile.open(path, "r:gz") as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
    assert names[0] == "manifest.json" and names[1:] == ["data/scraped.db"]
    assert manifest["name"] == result["name"] and manifest["backend"] == "sqlite"
    assert manifest["integrity"] == "ok" and manifest["counts"]["frontier"] == 50
    assert manifest["files"][0]["path"] == "scraped.db" and len(manifest["files"][0]["sha256"]) == 64
    assert manifest["schema_version"] >= 1 and manifest["scraped_version"]
    listing = await data.backups.list()
    (row,) = listing["backups"]
    assert row["name"] == result["name"] and row["verified"] is True and row["size"] == path.stat().st_size
    assert row["counts"]["scraping_jobs"] == 20 and row["documents"] == result["documents"]
    # nothing else is left in the directory: no partial archive, no work directory
    assert sorted(os.listdir(data.backups.directory)) == [result["name"], result["name"] + fmt.SIDECAR]


async def test_backup_then_corrupt_then_restore_gives_identical_content(data):
    store = data.app.store
    before = await dump(store)
    name = (await data.backup())["name"]
    # Damage in every way an operator meets: rows deleted, documents altered, strays added...
    await store.delete_many("raw_extracted_questions", {"category": "math"})
    await store.update_many("scraping_jobs", {}, {"$set": {"status": "FAILED"}})
    await store.insert_one("enhanced_questions", {"_id": "stray", "question": "?"})
    await store.delete_many("frontier", {})
    assert await dump(store) != before
    # ...and bytes of the database file overwritten behind the store's back (closed
    # first, so the pages are in the main file rather than the write-ahead log).
    await store.close()
    overwrite_middle(store.path, 3 * 4096)
    await store.open()
    with pytest.raises(errors.Unavailable, match="integrity"):
        await data.backup()  # a damaged store is not backed up over good backups
    result = await data.restore(name)
    assert await dump(store) == before
    assert result["counts_after"] == {k: len(v) for k, v in before.items()}
    assert result["counts_before"]["frontier"] == 0 and result["integrity"] == "ok"
    assert result["safety_backup_of_damaged_store"] is True
    assert result["differs_from_backup"] == {}
    # the safety copy of the damaged data exists, is marked, and is not restorable
    assert result["safety_backup"].endswith("_pre-restore.tar.gz")
    listing = {b["name"]: b for b in (await data.backups.list())["backups"]}
    assert listing[result["safety_backup"]]["kind"] == "pre-restore"
    # the store keeps working after the restore
    await store.insert_one("frontier", {"_id": "after", "job_id": "J1"})
    assert await store.count("frontier") == 51


async def test_restore_takes_a_usable_safety_backup_first(data):
    store = data.app.store
    first = (await data.backup())["name"]
    await store.insert_one("scraping_jobs", {"_id": "NEW", "status": "QUEUED", "created_at": 1.0})
    current = await dump(store)
    result = await data.restore(first)
    assert await store.get("scraping_jobs", "NEW") is None
    # the data as it was just before the restore comes back from the safety backup
    await data.restore(result["safety_backup"])
    assert await dump(store) == current


@pytest.mark.parametrize("cut", [0.5, 0.9, 0.999])
async def test_truncated_archive_is_refused_and_nothing_changes(data, cut):
    store = data.app.store
    name = (await data.backup())["name"]
    path = archive(data, name)
    raw = path.read_bytes()
    path.write_bytes(raw[: int(len(raw) * cut)])
    await store.delete_many("frontier", {})
    current = await dump(store)
    files = sorted(os.listdir(data.backups.directory))
    with pytest.raises(fmt.BadArchive, match="nothing was changed"):
        await data.restore(name)
    assert await dump(store) == current
    # no safety backup either: the archive was refused before anything happened
    assert sorted(os.listdir(data.backups.directory)) == files
    check = await data.verify(name)
    assert check["verified"] is False and check["problems"]
    listing = (await data.backups.list())["backups"]
    assert [b["verified"] for b in listing if b["name"] == name] == [False]


def _rewrite(path, change):
    """Rebuild an archive member by member, letting `change(name, bytes)` alter content."""
    with tarfile.open(path, "r:gz") as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb") as gz, tarfile.open(fileobj=gz, mode="w") as out:
        for m, body in members:
            body = change(m.name, body)
            m.size = len(body)
            out.addfile(m, io.BytesIO(body))
    path.write_bytes(buf.getvalue())


async def test_tampered_archive_checksum_mismatch_is_refused(data):
    store = data.app.store
    name = (await data.backup())["name"]

    def flip(member, body):
        if member == "data/scraped.db":
            body = bytearray(body)
            body[len(body) // 2] ^= 0xFF
            return bytes(body)
        return body

    _rewrite(archive(data, name), flip)
    current = await dump(store)
    with pytest.raises(fmt.BadArchive, match="checksum mismatch"):
        await data.restore(name)
    assert await dump(store) == current


async def test_tampered_counts_in_manifest_are_refused(data):
    name = (await data.backup())["name"]

    def lie(member, body):
        if member == "manifest.json":
            m = json.loads(body)
            m["counts"]["raw_extracted_questions"] += 1
            return json.dumps(m).encode()
        return body

    _rewrite(archive(data, name), lie)
    check = await data.verify(name)
    assert check["verified"] is False and "raw_extracted_questions: 300 documents" in check["problems"][0]


@pytest.mark.parametrize("member", ["/etc/evil", "../evil", "data/../../evil", "data/sub/../../../x"])
async def test_archive_with_unsafe_member_paths_is_refused(data, member):
    name = (await data.backup())["name"]
    path = archive(data, name)
    with tarfile.open(path, "r:gz") as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]
    with tarfile.open(path, "w:gz") as out:
        for m, body in members:
            out.addfile(m, io.BytesIO(body))
        evil = tarfile.TarInfo(member)
        evil.size = 4
        out.addfile(evil, io.BytesIO(b"evil"))
    with pytest.raises(fmt.BadArchive):
        await data.restore(name)
    assert not (data.backups.directory.parent / "evil").exists()


async def test_archive_with_a_symlink_member_is_refused(data):
    name = (await data.backup())["name"]
    path = archive(data, name)
    with tarfile.open(path, "r:gz") as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]
    with tarfile.open(path, "w:gz") as out:
        out.addfile(members[0][0], io.BytesIO(members[0][1]))
        link = tarfile.TarInfo("data/scraped.db")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        out.addfile(link)
    with pytest.raises(fmt.BadArchive):
        await data.restore(name)


@pytest.mark.parametrize("body", [b"not gzip at all", b"", gzip.compress(b"gzip but not tar" * 100)])
async def test_garbage_files_named_like_backups_are_refused(data, body):
    name = "backup_20240101_000000.tar.gz"
    archive(data, name).parent.mkdir(parents=True, exist_ok=True)
    archive(data, name).write_bytes(body)
    with pytest.raises(fmt.BadArchive):
        await data.restore(name)
    (row,) = (await data.backups.list())["backups"]
    assert row["verified"] is False and row["problems"]


@pytest.mark.parametrize("name", ["../scraped.db", "/etc/passwd", "backups/backup_20240101_000000.tar.gz",
                                  "backup_20240101_000000.tar.gz/..", "..", "x", "", "backup_1.tar.gz",
                                  "backup_20240101_000000.tar.gz.verify.json", "backup_2024010_000000.tar.gz",
                                  "..\\backup_20240101_000000.tar.gz", "backup_20240101_000000.tar.gz\0"])
async def test_names_with_paths_or_wrong_shape_are_refused(data, name):
    for op in (data.restore, data.verify):
        with pytest.raises(errors.BadRequest):
            await op(name)


async def test_unknown_backup_name_is_not_found_and_short_names_work(data):
    with pytest.raises(errors.NotFound):
        await data.verify("backup_20240101_000000")
    name = (await data.backup())["name"]
    assert (await data.verify(name.removesuffix(".tar.gz")))["verified"] is True


async def test_a_newer_schema_is_refused(data):
    name = (await data.backup())["name"]

    def newer(member, body):
        if member == "manifest.json":
            m = json.loads(body)
            m["schema_version"] = 999
            return json.dumps(m).encode()
        return body

    _rewrite(archive(data, name), newer)
    current = await dump(data.app.store)
    with pytest.raises(errors.Conflict, match="newer"):
        await data.restore(name)
    assert await dump(data.app.store) == current


# ---------------------------------------------------------------- keeping N


async def test_retention_keeps_exactly_n_and_never_foreign_files(tmp_path):
    app = make_app(tmp_path, keep=3, keep_safety=1)
    app.store = SqliteStore(app.state_dir / "scraped.db")
    await app.store.open()
    data = DataService(app, scheduler=None)
    directory = data.backups.directory
    directory.mkdir(parents=True)
    foreign = ["notes.txt", "backup_old.tar.gz", "backup_20200101_000000.tar.gz.bak", "daily.tar.gz"]
    for f in foreign:
        (directory / f).write_text("keep me")
    names = []
    for i in range(6):
        await app.store.insert_one("meta", {"_id": f"m{i}"})
        names.append((await data.backup())["name"])
    kept = [b["name"] for b in (await data.backups.list())["backups"]]
    assert kept == names[-3:][::-1]
    for f in foreign:
        assert (directory / f).read_text() == "keep me"
    assert not any(n.endswith(fmt.SIDECAR) and n.removesuffix(fmt.SIDECAR) not in kept
                   for n in os.listdir(directory))
    await app.store.close()


def test_prune_counts_the_protected_one_among_the_kept(tmp_path):
    names = [f"backup_2024010{d}_000000.tar.gz" for d in range(1, 7)]
    for n in names:
        (tmp_path / n).write_bytes(b"x")
    (tmp_path / "backup_20240109_000000_pre-restore.tar.gz").write_bytes(b"x")
    # the clock went back: the backup just written has the oldest name; it stays anyway
    deleted = fmt.prune(tmp_path, 3, 1, {names[0]})
    left = sorted(p.name for p in fmt.backup_paths(tmp_path))
    assert len([n for n in left if not fmt.is_safety(n)]) == 3 and names[0] in left
    assert sorted(deleted) == sorted(names[1:4])
    assert "backup_20240109_000000_pre-restore.tar.gz" in left


def test_prune_deletes_archives_that_failed_verification_first(tmp_path):
    names = [f"backup_2024010{d}_000000.tar.gz" for d in range(1, 6)]
    for n in names:
        (tmp_path / n).write_bytes(b"x")
    for n in names[2:]:  # the three newest were written but failed verification
        fmt.write_sidecar(tmp_path / n, {"verified": False, "problems": ["checksum mismatch"]})
    fmt.write_sidecar(tmp_path / names[0], {"verified": True})
    deleted = fmt.prune(tmp_path, 3, 1, {names[4]})
    left = sorted(p.name for p in fmt.backup_paths(tmp_path))
    # the new one (protected), then the good ones, then failed ones by age
    assert left == sorted([names[4], names[1], names[0]]) and sorted(deleted) == sorted(names[2:4])


def test_names_parse_sort_and_never_collide(tmp_path):
    now = time.mktime((2024, 12, 1, 12, 0, 0, 0, 0, 0)) - time.timezone
    first = fmt.new_name(tmp_path, now)
    assert first == "backup_20241201_120000.tar.gz"
    (tmp_path / first).write_bytes(b"")
    second = fmt.new_name(tmp_path, now)
    assert second == "backup_20241201_120000-2.tar.gz"
    safety = fmt.new_name(tmp_path, now, safety=True)
    assert safety == "backup_20241201_120000_pre-restore.tar.gz" and fmt.is_safety(safety)
    assert sorted([second, first], key=fmt.sort_key) == [first, second]
    assert fmt.name_time(first) == now
    assert fmt.check_name("backup_20241201_120000") == first
    # retention freed the first name of that second: it is not reused, names keep their order
    (tmp_path / second).write_bytes(b"")
    (tmp_path / first).unlink()
    assert fmt.new_name(tmp_path, now) == "backup_20241201_120000-3.tar.gz"


def test_stale_leftovers_are_removed_and_nothing_else(tmp_path):
    (tmp_path / ".backup_20240101_000000.tar.gz.partial").write_bytes(b"x")
    (tmp_path / ".work-abc").mkdir()
    (tmp_path / ".work-abc" / "scraped.db").write_bytes(b"x")
    (tmp_path / "backup_20240101_000000.tar.gz").write_bytes(b"x")
    (tmp_path / ".hidden").write_bytes(b"x")
    removed = fmt.clean_stale(tmp_path, time.time() + 10)
    assert sorted(removed) == [".backup_20240101_000000.tar.gz.partial", ".work-abc"]
    assert sorted(os.listdir(tmp_path)) == [".hidden", "backup_20240101_000000.tar.gz"]


# ---------------------------------------------------------------- service behaviour


async def test_a_cancelled_backup_leaves_no_partial_archive(data):
    with trio.move_on_after(0.05):
        await data.backup()
    await trio.sleep(0.5)  # an abandoned worker thread notices its Stop within a chunk
    leftovers = [n for n in os.listdir(data.backups.directory) if n.startswith(".")]
    assert leftovers == []


async def test_a_second_operation_is_refused_while_one_runs(data):
    started, release = trio.Event(), trio.Event()

    async def slow():
        started.set()
        await release.wait()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(data.exclusive, "a backup", slow)
        await started.wait()
        with pytest.raises(errors.Conflict, match="a backup is running"):
            await data.restore("backup_20240101_000000.tar.gz")
        release.set()


async def test_health_reports_the_newest_backup(data):
    assert (await data.health())["backups"]["reason"] == "no backup yet"
    name = (await data.backup())["name"]
    h = (await data.health())["backups"]
    assert h["status"] == "healthy" and h["newest"] == name
