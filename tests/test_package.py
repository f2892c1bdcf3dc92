"""`invoke package`: a BagIt bag and a WACZ that pass their own validators and hold nothing
the site withholds, scanned member by member as the site is scanned."""

import gc
import io
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from PIL import Image
from test_tasks import invoke
from test_withheld import (  # the site that withholds every kind of post, and its scan
    CUSTOMER_ID,
    ID,
    PLACEHOLDER_CARD,
    REDACTED,
    SECRETS,
    output_texts,
    project,  # noqa: F401 (a fixture)
    with_photo,
)
from warcio.archiveiterator import ArchiveIterator

from communique.console import said
from communique.errors import CommuniqueError, StoreError
from communique.ingest.export import import_archive
from communique.outbound.package import BAG, SHAPING, WACZ, content_type, package, public_url
from communique.records import tool
from communique.settings import load
from communique.site.search import index_site
from communique.store import Store
from conftest import build_project, full, js, snapshot, write_export

PUBLIC_PHOTO = "1500000000000000120"
SETTINGS = 'SOURCE_ORGANIZATION = "Office of the Envoy"\nCONTACT_EMAIL = "records@example.org"\n'


def copy_of(conf: Path, folder: Path, extra: str = SETTINGS) -> Path:
    """The withheld project's sources copied to ``folder``, one post redacted, ``extra``
    settings added; returns its settings file."""
    shutil.copytree(conf.parent, folder, ignore=shutil.ignore_patterns("output", "cache"))
    (folder / "content" / "redactions.md").write_text(
        f"Title: Withheld posts\n\n- {REDACTED[0]}: personal-data, 2009-01-15\n"
    )
    photo = with_photo(PUBLIC_PHOTO, "A public photo", 20, "PublicSnap")
    manifest = {"userInfo": {"userName": "envoy", "accountId": "42", "displayName": "E"},
                "archiveInfo": {"generationDate": "2009-02-01T10:00:00.000Z"}}  # fmt: skip
    export = write_export(folder / "more", [photo], **{
        f"data/tweets_media/{PUBLIC_PHOTO}-PublicSnap.jpg": gps_photo(),
        "data/manifest.js": js("__THAR_CONFIG", manifest)})  # fmt: skip
    import_archive(export, Store(folder / "content" / "archive"))
    conf = folder / "pelican.conf.py"
    conf.write_text(conf.read_text() + extra)
    return conf


def gps_photo() -> bytes:
    """A JPEG that says where it was taken, as a phone's does."""
    image = Image.new("RGB", (32, 24), "blue")
    exif = Image.Exif()
    exif[0x8825] = {2: (35.0, 39.0, 30.0), 1: "N"}  # GPSInfo: latitude
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def packaged(conf: Path):
    """The site of ``conf`` built, indexed and packaged, as `invoke package` does."""
    output = build_project(conf)
    index_site(output, output.parent / "cache")
    settings = load(conf)
    return package(settings, Store(settings.archive_path))


@pytest.fixture(scope="module")
def made(project, tmp_path_factory):  # noqa: F811
    return packaged(copy_of(project, tmp_path_factory.mktemp("package") / "site"))


def run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *command], capture_output=True, text=True)


def test_the_bag_and_the_wacz_pass_their_own_validators(made):
    bag = run("bagit", "--validate", str(made.bag))
    assert bag.returncode == 0 and "is valid" in bag.stderr, bag.stderr
    wacz = run("wacz", "validate", "-f", str(made.wacz))
    assert wacz.returncode == 0 and "the passed WACZ is valid" in wacz.stdout, wacz.stdout
    # The redacted post's page is its placeholder; the never-public posts have none.
    assert (made.posts, made.media, made.pages) == (6, 1, 7)


def unpacked(wacz: Path, folder: Path) -> tuple[Path, Path]:
    """The WACZ's members unzipped into ``folder``/members, and each WARC record's body
    written at its URL's path under ``folder``/records (a folder's page as its index.html)."""
    members, records = folder / "members", folder / "records"
    with zipfile.ZipFile(wacz) as z:
        z.extractall(members)
    with (members / "archive" / "site.warc.gz").open("rb") as f:
        for record in ArchiveIterator(f):
            if record.rec_type != "response":
                continue
            path = unquote(urlsplit(record.rec_headers["WARC-Target-URI"]).path).lstrip("/")
            target = records / (path + "index.html" if path.endswith("/") or not path else path)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(record.content_stream().read())
    return members, records


def never_shown(name: str, text: str) -> None:
    """What no file of any package may hold: never-public posts (their text, ids and media),
    a withheld post's text and media, and the person whose handle the site hides."""
    for post_id, secret in SECRETS.items():
        assert secret.split(": ")[1] not in text, name
        assert post_id not in text, name
    for trace in ("CircleSnap", "LockedSnap", "RedactedSnap", "REDACTEDSECRET", "customer123",
                  CUSTOMER_ID, ID[99]):  # fmt: skip
        assert trace not in text, f"{trace} in {name}"


def test_the_wacz_holds_nothing_the_site_withholds(made, tmp_path):
    members, records = unpacked(made.wacz, tmp_path)
    scanned = dict(output_texts(members))  # the whole WARC, gunzipped, and the indexes
    assert {"archive/site.warc.gz", "indexes/index.cdx.gz", "pages/pages.jsonl"} <= set(scanned)
    for name, text in scanned.items():
        never_shown(name, text)
    log = {f"envoy/status/{REDACTED[0]}/index.html", "-/redactions/index.html",
           "-/data/redactions.csv", "-/data/ledger.jsonl", "-/data/pages.sha256"}  # fmt: skip
    for name, text in output_texts(records):  # each page as the site serves it
        never_shown(name, text)
        if name not in log:
            assert REDACTED[0] not in PLACEHOLDER_CARD.sub("", text), name
    assert (records / "envoy" / "status" / ID[100] / "index.html").is_file()


def test_the_bag_holds_the_published_store_and_nothing_withheld(made):
    for name, text in output_texts(made.bag):
        never_shown(name, text)
        if name not in ("data/redactions.csv", "data/ledger.jsonl"):  # say it is withheld, and why
            assert REDACTED[0] not in text, name
    data = made.bag / "data"
    lines = (data / "archive" / "envoy" / "2008" / "2008-11.jsonl").read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == [ID[100], ID[104], ID[105], ID[106],
                                                          ID[107], PUBLIC_PHOTO]  # fmt: skip
    assert json.loads((data / "archive" / "envoy" / "account.json").read_text())["username"]
    # Its media: the copy the site serves, not the original, which says where it was taken.
    (media,) = (data / "archive" / "envoy" / "media").iterdir()
    served = made.bag.parents[1] / "output" / "envoy" / "media" / media.name
    assert media.read_bytes() == served.read_bytes()
    assert not Image.open(media).getexif().get_ifd(0x8825)
    log = (data / "redactions.csv").read_text().splitlines()
    assert log[1].startswith(f"{REDACTED[0]},envoy,2008-11-07T09:15:00Z,2009-01-15,personal-data")
    # The ledger as the site publishes it: a later bag's must extend this one's.
    published = made.bag.parents[1] / "output" / "-" / "data" / "ledger.jsonl"
    assert (data / "ledger.jsonl").read_bytes() == published.read_bytes()


def bag_info(bag: Path) -> dict[str, str]:
    lines = (bag / "bag-info.txt").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines)


def test_bag_info_says_who_sent_it_what_it_spans_and_what_made_it(made):
    info = bag_info(made.bag)
    assert info["Source-Organization"] == "Office of the Envoy"
    assert info["Contact-Email"] == "records@example.org"
    assert "Contact-Name" not in info  # not set: left out, not made up
    assert info["Communique-Accounts"] == "@envoy"
    # The redacted post (7 November) is not in the bag; the earliest and latest published are.
    assert info["Communique-Posted"] == "2008-11-01T09:15:00Z/2008-11-20T09:15:00Z"
    assert info["Communique-Captured"] == "2009-02-01T10:00:00Z/2009-02-01T10:00:00Z"  # one export
    assert info["Bagging-Date"] == "2012-01-01"  # the build's clock, BUILD_DATE
    assert info["Bag-Software-Agent"] == tool()


def test_the_settings_snapshot_holds_what_shapes_pages_and_no_local_path(made):
    text = (made.bag / "data" / "settings.json").read_text()
    snapshot = json.loads(text)
    assert set(snapshot) == set(SHAPING)
    assert snapshot["hide_other_handles"] == "support" and snapshot["timezone"] == "UTC"
    assert str(made.bag.parents[1]) not in text and "records@example.org" not in text


def test_packaging_again_changes_no_byte_but_the_wacz_dates(made, tmp_path):
    bag, members, _ = snapshot(made.bag), *unpacked(made.wacz, tmp_path / "first")
    settings = load(made.bag.parents[1] / "pelican.conf.py")
    again = package(settings, Store(settings.archive_path))
    assert snapshot(again.bag) == bag
    members_again, _ = unpacked(again.wacz, tmp_path / "again")
    for name in ("archive/site.warc.gz", "indexes/index.cdx.gz", "pages/pages.jsonl"):
        assert (members_again / name).read_bytes() == (members / name).read_bytes(), name
    first, second = (json.loads((m / "datapackage.json").read_text()) for m in
                     (members, members_again))  # fmt: skip
    assert {k: v for k, v in first.items() if k != "created"} == {
        k: v for k, v in second.items() if k != "created"
    }


def test_the_tag_manifest_lists_its_files_in_order_whatever_the_disk_lists(made):
    """The payload manifest bagit sorts; the tag files it lists as the disk lists them."""
    lines = (made.bag / "tagmanifest-sha256.txt").read_text().splitlines()
    names = [line.split(" ", 1)[1] for line in lines]
    assert names == sorted(names) and "bag-info.txt" in names and "manifest-sha256.txt" in names


def test_what_a_killed_run_left_is_cleared_by_the_next(made):
    left = made.bag.parent / ".package.killed.tmp"
    (left / "bag" / "data").mkdir(parents=True)
    settings = load(made.bag.parents[1] / "pelican.conf.py")
    package(settings, Store(settings.archive_path))
    assert sorted(p.name for p in made.bag.parent.iterdir()) == ["bag", "site.wacz"]


def test_a_damaged_store_is_named_and_the_last_package_kept(made, tmp_path):
    folder = tmp_path / "site"
    shutil.copytree(made.bag.parents[1], folder)
    before = snapshot(folder / "package")
    month = folder / "content" / "archive" / "envoy" / "2008" / "2008-11.jsonl"
    month.write_bytes(month.read_bytes() + b'{"id": "1", torn\n')
    settings = load(folder / "pelican.conf.py")
    with pytest.raises(StoreError, match=rf"^{month}:\d+: not a JSON record"):
        package(settings, Store(settings.archive_path))
    assert snapshot(folder / "package") == before


@pytest.mark.parametrize("room", [0, 32768, 262144])
def test_a_full_disk_is_one_line_naming_the_package_and_the_last_package_kept(
    made, tmp_path, small_disk, capsys, room
):
    subprocess.run(["mount", "-o", "remount,size=8m", str(small_disk)], check=True)
    folder = tmp_path / "site"
    shutil.copytree(made.bag.parents[1], folder, ignore=shutil.ignore_patterns("package"))
    shutil.copytree(made.bag.parent, small_disk, dirs_exist_ok=True)
    (folder / "package").symlink_to(small_disk)
    before = snapshot(small_disk)
    settings = load(folder / "pelican.conf.py")
    capsys.readouterr()
    with full(small_disk, room), pytest.raises(OSError) as failed:
        package(settings, Store(settings.archive_path))
    line = said(failed.value)
    assert f"{folder / 'package'}" in line and line.endswith(": No space left on device"), line
    assert capsys.readouterr() == ("", "")  # bagit's log of it, with its traceback: not shown
    del failed  # and with it the WACZ file that the wacz tool, failing, left open
    gc.collect()
    assert snapshot(small_disk) == before
    again = snapshot(package(settings, Store(settings.archive_path)).bag)
    for name in (BAG, WACZ):  # and what a package made afresh holds
        shutil.rmtree(small_disk / name) if name == BAG else (small_disk / name).unlink()
    assert snapshot(package(settings, Store(settings.archive_path)).bag) == again


@pytest.mark.parametrize(
    "extra, built, message",
    [
        ("", False, "output: no finished build there; run `invoke build` first"),
        ("", True, "no posts of @envoy stored; import an export first"),
    ],
)
def test_what_cannot_be_packaged_is_refused_in_one_line(
    project,  # noqa: F811
    tmp_path,
    extra,
    built,
    message,
):
    conf = copy_of(project, tmp_path / "site", extra)
    if built:  # a site built without a store: the store is gone, or was never made
        shutil.rmtree(tmp_path / "site" / "content" / "archive")
        (tmp_path / "site" / "content" / "redactions.md").unlink()
        build_project(conf)
    settings = load(conf)
    with pytest.raises(CommuniqueError, match=message):
        package(settings, Store(settings.archive_path))
    assert not (tmp_path / "site" / "package").exists() or not any(
        (tmp_path / "site" / "package").iterdir()
    )


def test_a_link_in_the_built_site_is_refused_not_followed(made, tmp_path):
    """The build makes no link: one would put what it points at, anywhere, in the WACZ."""
    folder = tmp_path / "site"
    shutil.copytree(made.bag.parents[1], folder)
    vault = next((folder / "content" / "archive" / "envoy").glob("never-public*"))
    (folder / "output" / "envoy" / "media" / "leak.jpg").symlink_to(next(vault.rglob("*.jpg")))
    settings = load(folder / "pelican.conf.py")
    with pytest.raises(CommuniqueError, match=r"envoy/media/leak\.jpg: not a file the build"):
        package(settings, Store(settings.archive_path))


HTML = "text/html; charset=utf-8"


@pytest.mark.parametrize(
    "rel, path, kind",
    [
        ("index.html", "/", HTML),
        ("envoy/status/1/index.html", "/envoy/status/1/", HTML),
        ("-/tags/日本/index.html", "/-/tags/%E6%97%A5%E6%9C%AC/", HTML),
        ("-/data/envoy-2008.jsonl", "/-/data/envoy-2008.jsonl", "application/jsonl"),
        ("-/data/envoy-2008.jsonl.gz", "/-/data/envoy-2008.jsonl.gz", "application/gzip"),
        ("-/data/posts.csv.gz", "/-/data/posts.csv.gz", "application/gzip"),
        ("envoy/media/1-a b.jpg", "/envoy/media/1-a%20b.jpg", "image/jpeg"),
        ("envoy/atom.xml", "/envoy/atom.xml", "application/xml; charset=utf-8"),
    ],
)
def test_each_file_is_recorded_at_the_address_the_site_serves_it_from(rel, path, kind):
    site = "https://a.example/archive"
    assert (public_url(site, rel), content_type(rel)) == (site + path, kind)


@pytest.mark.parametrize(
    ("extra", "at"),
    [("", "https://archive.example.org"), ('SITEURL = ""\n', "http://localhost:8000")],
)
def test_the_task_builds_then_packages(project, tmp_path, extra, at):  # noqa: F811
    """A site with no SITEURL yet (the demo) is recorded where `invoke serve` shows it."""
    conf = copy_of(project, tmp_path / "site", extra)
    process = invoke("package", "--config", str(conf))
    output = process.communicate(timeout=300)[0]
    assert process.returncode == 0, output
    assert output.splitlines()[-1].startswith("packaged 6 posts and 1 media in "), output
    assert output.splitlines()[-1].endswith(f" at {at}"), output
    with zipfile.ZipFile(tmp_path / "site" / "package" / "site.wacz") as wacz:
        assert f"{at}/envoy/status/" in wacz.read("pages/pages.jsonl").decode()
    assert (tmp_path / "site" / "output" / "-" / "pagefind").is_dir()  # built as `invoke build`
    assert (tmp_path / "site" / "package" / "bag" / "bagit.txt").is_file()
