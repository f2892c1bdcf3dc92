import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

from communique.errors import CommuniqueError, StoreError
from communique.files import UMASK, Staged, write_atomic
from communique.ingest.export import import_archive
from communique.records import provenance
from communique.store import Store, dumps, merge_record, sha256_of
from conftest import ROOT, full, js, snapshot, tweet, write_export


def record(id: str, month: str = "2008-11", **extra) -> dict:
    raw = {"id": id, **extra.pop("raw", {})}
    return {
        "id": id,
        "account": "envoy",
        "created_at": f"{month}-03T09:15:00Z",
        "text": f"post {id}",
        "media": [],
        "raw": raw,
        "provenance": {
            **provenance("export:data/tweets.js", None, "2024-01-01T00:00:00Z"),
            "sha256": sha256_of(raw),
        },
        **extra,
    }


def test_posts_land_in_month_files_sorted_by_integer_id(store):
    store.merge([record("100"), record("99"), record("1000", "2009-01")])
    assert [p.name for p in store.month_files("envoy")] == ["2008-11.jsonl", "2009-01.jsonl"]
    assert [r["id"] for r in store.posts("envoy")] == ["99", "100", "1000"]
    assert store.latest_id("envoy") == "1000"


def test_merging_the_same_records_twice_changes_no_byte(store):
    store.merge([record("1"), record("2")])
    before = store.month_path("envoy", "2008-11").read_bytes()
    later = [
        dict(
            record("1"),
            provenance={**record("1")["provenance"], "imported_at": "2030-01-01T00:00:00Z"},
        )
    ]
    result = store.merge(later)
    assert (result.new, result.unchanged, result.updated) == (0, 1, 0)
    assert result.files_written == []
    assert store.month_path("envoy", "2008-11").read_bytes() == before


def test_a_changed_payload_updates_but_never_removes(store):
    store.merge([record("1"), record("2")])
    result = store.merge([record("1", raw={"favorite_count": "9"})])
    assert (result.new, result.updated) == (0, 1)
    assert [r["id"] for r in store.posts("envoy")] == ["1", "2"]


def test_a_deletion_outlives_a_later_copy_of_the_post(store):
    store.merge([record("1")])
    assert store.mark_deleted("envoy", {"1": ("2020-01-01T00:00:00Z", "API lookup")}) == 1
    store.merge([record("1", raw={"favorite_count": "9"})])
    (post,) = store.posts("envoy")
    assert post["deleted_at"] == "2020-01-01T00:00:00Z"
    assert post["deleted_how"] == "API lookup"


def test_downloaded_media_stays_attached_when_a_new_payload_lacks_it():
    old = record("1", media=[{"id": "m", "file": "media/1-a.jpg"}])
    new = record("1", media=[{"id": "m", "file": None}], raw={"x": 1})
    assert merge_record(old, new)["media"][0]["file"] == "media/1-a.jpg"


def test_canonical_json_is_stable_and_keeps_unicode():
    assert dumps({"b": 1, "a": "Reykjavík 🇮🇸"}) == '{"a":"Reykjavík 🇮🇸","b":1}'


def test_no_temporary_file_is_left_behind(store, tmp_path):
    store.merge([record("1")])
    assert not list((tmp_path / "archive").rglob("*.tmp"))


def test_an_empty_store_has_no_accounts(tmp_path):
    assert Store(tmp_path / "nothing").accounts() == []
    assert Store(tmp_path / "nothing").latest_id("x") is None


def test_files_are_written_readable_by_a_web_server(tmp_path):
    write_atomic(tmp_path / "a" / "page.html", b"<p>hi</p>")
    assert (tmp_path / "a" / "page.html").stat().st_mode & 0o777 == 0o666 & ~UMASK  # not 0600


@pytest.mark.parametrize("text", ['{"username": "envoy"', "[]", "\xff"])
def test_a_corrupt_account_file_is_named(store, text):
    path = store.root / "envoy" / "account.json"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    with pytest.raises(StoreError, match="account.json: not a JSON object"):
        store.read_account("envoy")


def three_months(store) -> dict:
    store.merge([record("1"), record("2", "2009-01"), record("3", "2009-02")])
    return snapshot(store.root)


DEEP: list = []
for _ in range(1100):  # past the reader's 1024 levels
    DEEP = [DEEP]


@pytest.mark.parametrize(
    ("value", "named"),
    [
        (float("nan"), "nan"),
        (float("inf"), "inf"),
        (-float("inf"), "-inf"),
        (2**64, "18446744073709551616"),  # the reader makes it a float: not what was written
        (-(2**63) - 1, "-9223372036854775809"),
        ({1: "one"}, "{1: 'one'}"),  # read back, the key is "1"
        ("caf\udce9", "'caf\\udce9'"),  # a lone surrogate: no UTF-8 for it
        ({"caf\udce9": 1}, "{'caf\\udce9': 1}"),
        (DEEP, "[[[["),
    ],
)
def test_a_value_the_reader_would_not_read_back_is_refused_and_nothing_is_written(
    store, value, named
):
    before = three_months(store)
    batch = [
        record("1", raw={"favorite_count": "9"}),  # changes the first month
        record("4", "2009-01"),
        record("5", "2009-02", metrics={"likes": value}),
    ]
    with pytest.raises(StoreError) as refused:
        store.merge(batch)
    message = str(refused.value)
    assert message.startswith(
        f"{store.month_path('envoy', '2009-02')}: post 5 (from export:data/tweets.js):"
    )
    assert "metrics.likes" in message and named in message
    assert "\n" not in message
    assert snapshot(store.root) == before


def export(folder: Path, favorites: str, note_end: str = "", name_end: str = "") -> Path:
    """Posts in three months, the last a long post with its note; ``*_end`` end the note's
    text and the display name as written in the file (a JSON escape: "\\ud83d")."""
    long_text = "A long post " + "word " * 60
    march = "Tue Mar 03 09:15:00 +0000 2009"
    posts = [
        tweet("1", "one", favorite_count=favorites),
        tweet("2", "two", created_at="Sat Jan 03 09:15:00 +0000 2009"),
        tweet(
            "3", long_text[:270] + "… https://t.co/x", created_at=march, favorite_count=favorites
        ),
    ]
    note = {"noteTweetId": "5", "createdAt": "2009-03-03T09:15:00.000Z", "core": {"text": "@"}}
    notes = js("YTD.note_tweet.part0", [{"noteTweet": note}])
    folder = write_export(folder, posts, **{"data/note-tweet.js": notes})
    for name, old, new in [
        ("note-tweet.js", '"@"', f'"{long_text}{note_end}"'),
        ("account.js", '"E"', f'"E{name_end}"'),
    ]:
        path = folder / "data" / name
        path.write_text(path.read_text().replace(old, new))
    return folder


@pytest.mark.parametrize("where", ["note", "display name"])
def test_a_lone_surrogate_in_an_export_is_refused_and_no_month_changes(tmp_path, store, where):
    assert import_archive(export(tmp_path / "clean", "3"), store).notes == 1
    before = snapshot(store.root)
    half = "\\ud83d"  # half an emoji: no UTF-8 for it
    bad = export(tmp_path / "bad", "9", *((half, "") if where == "note" else ("", half)))
    with pytest.raises(CommuniqueError) as refused:
        import_archive(bad, store)  # refused as it is read, before any month is made
    message = str(refused.value)
    if where == "note":
        assert message.startswith(f"{bad}: data/note-tweet.js: note '5': core.text holds a lone")
    else:
        assert message.startswith(f"{bad}: data/account.js: ")
        assert "accountDisplayName holds a lone surrogate ('\\ud83d')" in message
    assert "\n" not in message
    assert snapshot(store.root) == before


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(st.characters() | st.characters(categories=["Cs"]), max_size=4),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.text(st.characters() | st.characters(categories=["Cs"]), max_size=3),
            inner,
            max_size=3,
        )
    ),
    max_leaves=8,
)


@given(
    st.lists(
        st.tuples(st.sampled_from(["2008-11", "2009-01", "2009-03"]), JSON), min_size=1, max_size=4
    )
)
def test_what_the_store_takes_reads_back_equal_and_what_it_refuses_changes_no_byte(batch):
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "archive")
        before = three_months(store)
        records = [record(str(10 + i), month, note=value) for i, (month, value) in enumerate(batch)]
        try:
            store.merge(records)
        except StoreError:
            assert snapshot(store.root) == before
        else:
            kept = [record("1"), record("2", "2009-01"), record("3", "2009-02"), *records]
            assert list(store.posts("envoy")) == sorted(
                kept, key=lambda r: r["created_at"] + r["id"].zfill(3)
            )


@pytest.mark.parametrize("name", ["{outside}", "../outside", "envoy/x", "", "a" * 16, "Envoy"])
def test_a_name_that_is_no_lowercase_handle_makes_no_folder(tmp_path, store, name):
    name = name.format(outside=tmp_path / "outside")
    with pytest.raises(StoreError, match="is not an account name"):
        store.merge([{**record("1"), "account": name}])
    with pytest.raises(StoreError, match="is not an account name"):
        store.write_account(name, {"username": name})
    assert [p.name for p in tmp_path.iterdir()] == [".archive.lock"]


@pytest.mark.parametrize("room", [0, 4096])
def test_a_full_disk_names_the_file_it_could_not_write_and_changes_nothing(small_disk, room):
    store = Store(small_disk / "archive")
    store.merge([record("1")])
    before = snapshot(small_disk)
    lock, month = small_disk / ".archive.lock", small_disk / "archive" / "envoy" / "2008"
    lock.unlink()  # a fresh clone's: the lock's first write needs room too
    with full(small_disk, room), pytest.raises(OSError) as failed:
        store.merge([record(str(n), text="words " * 500) for n in range(2, 40)])
    assert failed.value.strerror == "No space left on device"
    assert Path(failed.value.filename) in (lock, month / "2008-11.jsonl"), failed.value
    assert {k: v for k, v in snapshot(small_disk).items() if k.name != lock.name} == {
        k: v for k, v in before.items() if k.name != lock.name
    }
    store.merge([record("2")])  # room again
    assert [p["id"] for p in store.posts("envoy")] == ["1", "2"]


def test_a_mixed_case_folder_beside_its_twin_is_named_not_built(store):
    """An older `invoke archive` with ACCOUNTS = ["Envoy"] made a second folder for envoy,
    holding the same posts: the build died on their ids with an sqlite3.IntegrityError."""
    store.merge([record("1")])
    twin = store.root / "Envoy" / "2008"
    shutil.copytree(store.root / "envoy" / "2008", twin)
    with pytest.raises(StoreError, match=r"'Envoy' is not an account name .*spell it 'envoy'"):
        store.accounts()


KILLED = """
import os, signal, sys
sys.path.insert(0, {plugins!r})
sys.path.insert(0, {tests!r})
from communique.store import Store
from test_store import record

store = Store(sys.argv[1])
os.replace = lambda *args: os.kill(os.getpid(), signal.SIGKILL)  # killed as it replaces a file
store.merge([record("1", raw={{"favorite_count": "9"}}), record("2", "2009-01")])
"""


def test_a_killed_merge_leaves_nothing_git_commits_and_the_next_writer_clears_it(tmp_path):
    shutil.copy(ROOT / ".gitignore", tmp_path / ".gitignore")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    store = Store(tmp_path / "content" / "archive")
    store.merge([record("1")])
    script = KILLED.format(plugins=str(ROOT / "plugins"), tests=str(ROOT / "tests"))
    killed = subprocess.run([sys.executable, "-c", script, str(store.root)])
    assert killed.returncode == -9
    left = [p.name for p in store.root.rglob("*") if p.is_file() and p.suffix != ".jsonl"]
    assert len(left) == 2, left  # a temporary file for each month, neither moved in
    git = ["git", "-C", str(tmp_path)]
    subprocess.run([*git, "add", "content"], check=True)  # as the scheduled workflow does
    added = subprocess.run(
        [*git, "diff", "--cached", "--name-only"], capture_output=True, text=True
    )
    assert added.stdout.split() == ["content/archive/envoy/2008/2008-11.jsonl"]
    store.merge([])  # the next run
    assert [p.name for p in store.root.rglob("*") if p.is_file()] == ["2008-11.jsonl"]


def old_store(store) -> list[dict]:
    """A store as it was before capture times were kept: provenance {source, retrieved_at,
    sha256}, an export's source beginning with the name of the user's zip file. Three months,
    one post fetched from the API, one never made public (kept out of the month files)."""
    records = [
        record("1", "2008-11"),
        record("2", "2008-12", visibility="circle"),
        record("3", "2009-01"),
        record("4", "2009-01"),
    ]
    for r in records:
        r["provenance"] = {
            "source": "jane-doe-backup.zip:data/tweets.js",
            "retrieved_at": "2024-01-01T00:00:00Z",
            "sha256": r["provenance"]["sha256"],
        }
    records[3]["provenance"]["source"] = "api:GET /2/users/:id/tweets"
    store.merge(records)
    return records


def test_an_old_store_is_upgraded_once_and_no_payload_changes(store):
    old = old_store(store)
    assert store.upgrade() == 4
    upgraded = {r["id"]: r for r in store.posts("envoy")}
    for before in old:
        after = upgraded[before["id"]]
        assert dumps(after["raw"]) == dumps(before["raw"])
        assert after["provenance"]["sha256"] == before["provenance"]["sha256"]
        assert {k: v for k, v in after.items() if k != "provenance"} == {
            k: v for k, v in before.items() if k != "provenance"
        }
    assert upgraded["1"]["provenance"] == {
        "captured_at": None,  # the old store never kept the export's date
        "imported_at": "2024-01-01T00:00:00Z",
        "captured_by": "export:data/tweets.js",
        "tool": None,
        "sha256": old[0]["provenance"]["sha256"],
    }
    fetched = upgraded["4"]["provenance"]
    assert (fetched["captured_at"], fetched["captured_by"]) == (
        "2024-01-01T00:00:00Z",  # a fetch was stamped when its page arrived
        "api:GET /2/users/:id/tweets",
    )
    files = snapshot(store.root)
    assert not any(b"jane-doe" in data or b"retrieved_at" in data for data in files.values())
    assert store.upgrade() == 0
    assert snapshot(store.root) == files


def test_an_interrupted_upgrade_leaves_the_old_store_and_a_rerun_finishes(store, monkeypatch):
    old_store(store)
    before = snapshot(store.root)
    write = Staged.write
    calls = []

    def full_disk(self, path, data):
        calls.append(path)
        if len(calls) == 3:
            raise OSError(28, "No space left on device", str(path))
        return write(self, path, data)

    monkeypatch.setattr(Staged, "write", full_disk)
    with pytest.raises(OSError, match="No space left"):
        store.upgrade()
    assert snapshot(store.root) == before
    monkeypatch.undo()
    assert store.upgrade() == 4
    assert not any(b"jane-doe" in data for data in snapshot(store.root).values())


def test_an_upgrade_killed_between_its_files_is_finished_by_the_next(tmp_path):
    clean, killed = Store(tmp_path / "clean"), Store(tmp_path / "killed")
    old_store(clean)
    old_store(killed)
    clean.upgrade()
    replace = os.replace
    moved = []

    def killed_after_one(tmp, path):
        if moved:
            raise KeyboardInterrupt  # as a kill would, after the first month is in place
        moved.append(path)
        replace(tmp, path)

    with mock.patch.object(os, "replace", killed_after_one), pytest.raises(KeyboardInterrupt):
        killed.upgrade()
    assert killed.upgrade() == 3
    assert snapshot(killed.root) == snapshot(clean.root)
