"""The ledger: appended when the published set changes, never otherwise, and what it enters."""

import gzip
import hashlib
import json
import re
import shutil

import pytest
from hypothesis import given
from hypothesis import strategies as st

from communique.site.ledger import (
    Published,
    chain_faults,
    entry_hash,
    forget,
    history,
    merkle_root,
    next_entry,
)
from communique.store import Store, sha256_of
from conftest import build_project, full, ledger_site, snapshot


def entries_of(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def mth(digests: list[bytes]) -> bytes:
    """RFC 6962's Merkle Tree Hash, written as the RFC writes it (2.1), on slices."""
    if not digests:
        return hashlib.sha256(b"").digest()
    if len(digests) == 1:
        return hashlib.sha256(b"\x00" + digests[0]).digest()
    k = 1
    while k * 2 < len(digests):
        k *= 2
    return hashlib.sha256(b"\x01" + mth(digests[:k]) + mth(digests[k:])).digest()


@given(st.lists(st.binary(min_size=1, max_size=8), max_size=40))
def test_the_root_is_rfc_6962_s_merkle_tree_hash_of_the_records_digests(lines):
    digests = [hashlib.sha256(line).hexdigest() for line in lines]
    assert merkle_root(digests) == mth([bytes.fromhex(d) for d in digests]).hex()


# Published sets: a few ids, each with a version of its record (0-2) and whether it is deleted.
SETS = st.dictionaries(
    st.sampled_from([str(n) for n in range(100, 112)]),
    st.tuples(st.integers(0, 2), st.booleans()),
    max_size=12,
)
STEPS = st.lists(
    st.tuples(SETS, st.dictionaries(st.sampled_from([str(n) for n in range(100, 112)]),
                                    st.sampled_from(["security", "error"]), max_size=3)),
    min_size=1, max_size=8,
)  # fmt: skip


def as_published(chosen: dict) -> dict[str, Published]:
    return {i: Published(hashlib.sha256(f"{i}/{v}/{d}".encode()).hexdigest(), d)
            for i, (v, d) in sorted(chosen.items(), key=lambda kv: int(kv[0]))}  # fmt: skip


@given(STEPS)
def test_any_sequence_of_published_sets_makes_a_whole_chain_that_accounts_for_every_change(steps):
    entries: list[dict] = []
    before: dict[str, str] = {}
    for chosen, withheld in steps:
        withheld = {i: why for i, why in withheld.items() if i not in chosen}
        now = as_published(chosen)
        was_deleted, was_withheld = history(entries)
        entry = next_entry(entries, before, now, withheld, set(), "2024-01-01T00:00:00Z")
        changed_ids = {i for i in now if i not in before or before[i] != now[i].digest}
        gone = before.keys() - now.keys()
        if entry is None:
            assert not changed_ids and not gone and not (withheld.keys() - was_withheld)
            continue
        entries.append(entry)
        named = set(entry["added"]) | set(entry["changed"]) | set(entry["deleted"])
        assert changed_ids <= named  # every change accounted for
        assert set(entry["added"]) == now.keys() - before.keys()
        assert set(entry["removed"]) == gone - withheld.keys()  # and nothing left unsaid
        assert {w["id"] for w in entry["withheld"]} == withheld.keys() - was_withheld
        assert set(entry["deleted"]) == {i for i, r in now.items() if r.deleted} - was_deleted
        assert entry["count"] == len(now)
        assert entry["root"] == merkle_root([r.digest for r in now.values()])
        before = {i: r.digest for i, r in now.items()}
    assert chain_faults(entries, "ledger") == []
    for n, entry in enumerate(entries):
        assert entry["hash"] == entry_hash(entry)
        assert entry["prev"] == (entries[n - 1]["hash"] if n else None)


@given(STEPS, st.sets(st.sampled_from([str(n) for n in range(100, 112)]), max_size=3))
def test_a_post_found_never_public_is_named_nowhere_and_the_chain_stays_whole(steps, hidden):
    entries, before = [], {}
    for chosen, _ in steps:
        now = as_published(chosen)
        entry = next_entry(entries, before, now, {}, set(), "2024-01-01T00:00:00Z")
        if entry:
            entries.append(entry)
            before = {i: r.digest for i, r in now.items()}
    kept = forget(entries, hidden)
    assert chain_faults(kept, "ledger") == []
    assert not hidden & set(json.dumps(kept).replace('"', " ").split())
    if not any(hidden & set(json.dumps(e).replace('"', " ").split()) for e in entries):
        assert kept == entries


def test_a_build_starts_the_ledger_publishes_it_and_a_rebuild_or_clean_build_adds_nothing(
    tmp_path,
):
    conf = ledger_site(tmp_path / "p")
    out = build_project(conf)
    ledger = tmp_path / "p" / "content" / "ledger.jsonl"
    (first,) = entries_of(ledger)
    data = out / "-" / "data"
    assert (data / "ledger.jsonl").read_bytes() == ledger.read_bytes()
    assert (data / "ledger-head.txt").read_text() == f"1 {first['hash']}\n"
    sums = dict(line.split("  ")[::-1] for line in (data / "SHA256SUMS").read_text().splitlines())
    assert {"ledger.jsonl", "ledger-head.txt"} <= set(sums)
    assert first["count"] == 4 and first["added"] == ["1", "2", "3", "4"] and first["prev"] is None
    assert first["at"] == "2012-01-01T00:00:00Z"  # the build's clock (BUILD_DATE)
    lines = gzip.decompress((data / "envoy-2008.jsonl.gz").read_bytes()).splitlines()
    assert first["root"] == merkle_root([hashlib.sha256(line).hexdigest() for line in lines])
    made = ledger.read_bytes()
    build_project(conf)
    assert ledger.read_bytes() == made
    left = [
        ledger.with_name(".ledger.jsonl.k1lled.tmp"),
        ledger.with_name("ledger-leaves") / f".{first['root']}.txt.k1lled.tmp",
    ]  # what a build killed while writing them leaves
    for path in left:
        path.write_text("half")
    shutil.rmtree(out)
    shutil.rmtree(tmp_path / "p" / "cache")
    build_project(conf)
    assert ledger.read_bytes() == made and (data / "ledger.jsonl").read_bytes() == made
    assert not [p for p in left if p.exists()]


def drop_post(root, post_id: str) -> None:
    """Take a post out of the store's month file by hand, as no task of ours would."""
    (month,) = (root / "content" / "archive" / "envoy").glob("*/*.jsonl")
    lines = month.read_text().splitlines(keepends=True)
    month.write_text("".join(line for line in lines if f'"id":"{post_id}"' not in line))


@pytest.mark.parametrize("cache", ["kept", "junk", "empty", "gone"])
def test_what_each_change_enters(tmp_path, cache):
    """Whatever became of the records' digests the cache keeps (cache/ledger.json)."""
    root = tmp_path / "p"
    conf = ledger_site(root)
    ledger = root / "content" / "ledger.jsonl"
    build_project(conf)
    kept = root / "cache" / "ledger.json"
    if cache == "junk":
        kept.write_bytes(b'{"envoy-2008.jsonl.gz": [1, 2, [["9", false, "00"]]]} junk')
    elif cache == "empty":
        kept.write_bytes(b"{}")
    elif cache == "gone":
        kept.unlink()
    store = Store(root / "content" / "archive")
    store.mark_deleted("envoy", {"2": ("2024-02-01T00:00:00Z", "api:lookup")})
    (root / "content" / "redactions.md").write_text("- 3: security, 2024-03-01\n")
    drop_post(root, "4")
    build_project(conf)
    entry = entries_of(ledger)[-1]
    assert entry["seq"] == 2 and entry["count"] == 2
    assert entry["deleted"] == ["2"] and entry["changed"] == [] and entry["added"] == []
    assert entry["withheld"] == [{"id": "3", "reason": "security"}]
    assert entry["removed"] == ["4"]  # neither withheld nor marked: unexplained
    assert "Third" not in ledger.read_text()  # the withheld post's text is not in it
    (root / "content" / "redactions.md").write_text("")
    build_project(conf)
    assert entries_of(ledger)[-1]["added"] == ["3"]  # published again


def test_a_post_found_never_public_leaves_no_id_in_the_ledger(tmp_path):
    root = tmp_path / "p"
    conf = ledger_site(root)
    build_project(conf)
    store = Store(root / "content" / "archive")
    (month,) = (root / "content" / "archive" / "envoy").glob("*/*.jsonl")
    records = store.read_file(month)
    records[0]["visibility"] = "circle"
    store.merge(records[:1])
    store.seal()
    out = build_project(conf)
    for path in (root / "content" / "ledger.jsonl", out / "-" / "data" / "ledger.jsonl"):
        text = path.read_text()
        assert '"1"' not in text, path
        assert chain_faults(entries_of(path), "ledger") == []
    assert entries_of(root / "content" / "ledger.jsonl")[-1]["removed"] == []


def test_an_edited_ledger_stops_the_build_in_one_line_and_is_left_as_it_is(tmp_path):
    root = tmp_path / "p"
    conf = ledger_site(root)
    build_project(conf)
    ledger = root / "content" / "ledger.jsonl"
    ledger.write_text(ledger.read_text().replace('"count":4', '"count":5'))
    edited = ledger.read_bytes()
    drop_post(root, "4")
    with pytest.raises(SystemExit, match=r"ledger\.jsonl:1: hash does not match"):
        build_project(conf)
    assert ledger.read_bytes() == edited


def test_a_ledger_on_a_full_disk_stops_the_build_in_one_line_and_the_next_is_a_clean_one(
    tmp_path, small_disk
):
    root = tmp_path / "p"
    conf = ledger_site(root)
    conf.write_text(conf.read_text() + f"LEDGER_PATH = {str(small_disk / 'ledger.jsonl')!r}\n")
    build_project(conf)
    ledger = (small_disk / "ledger.jsonl").read_bytes()
    drop_post(root, "4")
    with full(small_disk), pytest.raises(SystemExit) as failed:
        build_project(conf)
    assert re.fullmatch(rf"error: {small_disk}/\S+: No space left on device", str(failed.value))
    assert (small_disk / "ledger.jsonl").read_bytes() == ledger
    build_project(conf)  # room again
    assert (small_disk / "ledger.jsonl").read_bytes() != ledger  # the withholding entered
    built = snapshot(root / "output")
    shutil.rmtree(root / "output")
    shutil.rmtree(root / "cache")
    build_project(conf)
    assert snapshot(root / "output") == built


def test_a_lost_leaves_file_is_named(tmp_path):
    root = tmp_path / "p"
    conf = ledger_site(root)
    build_project(conf)
    for path in (root / "content" / "ledger-leaves").iterdir():
        path.unlink()
    drop_post(root, "4")
    with pytest.raises(SystemExit, match=r"ledger-leaves/[0-9a-f]{64}\.txt: cannot be read"):
        build_project(conf)


def test_a_record_that_changed_is_entered_changed(tmp_path):
    """A payload fetched again with other counts: the record published changes, and says so."""
    root = tmp_path / "p"
    conf = ledger_site(root)
    build_project(conf)
    store = Store(root / "content" / "archive")
    (month,) = (root / "content" / "archive" / "envoy").glob("*/*.jsonl")
    record = store.read_file(month)[1]
    record["raw"] = {**record["raw"], "favorite_count": "99"}
    record["provenance"] = {**record["provenance"], "sha256": sha256_of(record["raw"])}
    store.merge([record])
    build_project(conf)
    entry = entries_of(root / "content" / "ledger.jsonl")[-1]
    assert entry["changed"] == ["2"] and entry["count"] == 4
    assert entry["added"] == entry["removed"] == entry["deleted"] == []
