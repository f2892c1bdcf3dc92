"""The floor writes the files it is given, of their sizes, and nothing outside its folder."""

import pytest

from tools.floor import listing, write


def test_the_floor_writes_the_same_paths_and_sizes_as_a_given_folder(tmp_path):
    given = tmp_path / "output"
    files = {"index.html": 300, "envoy/status/1/index.html": 4100, "envoy/status/2/index.html": 0,
             "-/tags/ísland/index.html": 77, "-/data/posts.csv.gz": 1}  # fmt: skip
    for rel, size in files.items():
        (given / rel).parent.mkdir(parents=True, exist_ok=True)
        (given / rel).write_bytes(b"<" * size)
    plan = listing(given)
    assert plan == sorted(files.items())
    assert write(plan, tmp_path / "floor") == sum(files.values())
    assert listing(tmp_path / "floor") == plan


@pytest.mark.parametrize("rel", ["../outside", "/etc/outside", "a/../../outside"])
def test_a_path_that_would_leave_the_folder_is_refused(tmp_path, rel):
    with pytest.raises(ValueError, match="not a path inside"):
        write([("inside", 1), (rel, 1)], tmp_path / "floor")
    assert not (tmp_path / "outside").exists()


def test_the_floor_starts_from_an_empty_folder(tmp_path):
    (tmp_path / "floor").mkdir()
    with pytest.raises(FileExistsError):
        write([("index.html", 1)], tmp_path / "floor")
