import pytest

from communique.errors import StoreError
from communique.files import UMASK, write_atomic
from communique.store import Store, dumps, merge_record, sha256_of


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
            "source": "test",
            "retrieved_at": "2024-01-01T00:00:00Z",
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
            provenance={**record("1")["provenance"], "retrieved_at": "2030-01-01T00:00:00Z"},
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
