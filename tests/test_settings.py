"""Settings are read once, from Pelican or from pelican.conf.py, into one typed object."""

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from communique.errors import CommuniqueError
from communique.settings import Settings, from_mapping, from_pelican, load, s3_target
from conftest import ROOT


def test_the_demo_settings_read_from_the_file_as_pelican_reads_them():
    from pelican.settings import read_settings

    mine = load(ROOT / "pelican.conf.py")
    pelicans = from_pelican(read_settings(str(ROOT / "pelican.conf.py")))
    assert mine.accounts == ("envoy_vale",) and mine.posts_per_page == 50
    assert mine.archive_path == ROOT / "content" / "archive"
    assert mine.key() == pelicans.key()


def test_every_default_is_in_one_place(tmp_path):
    settings = from_mapping({}, tmp_path)
    assert settings == Settings(
        base=tmp_path,
        archive_path=tmp_path / "content" / "archive",
        trips_path=tmp_path / "content" / "trips",
        redactions_path=tmp_path / "content" / "redactions.md",
        ledger_path=tmp_path / "content" / "ledger.jsonl",
        output_path=tmp_path / "output",
        cache_path=tmp_path / "cache",
        theme=tmp_path / "theme",
        syndicate_state=tmp_path / "content" / "syndicate.json",
        timestamps_path=tmp_path / "content" / "timestamps",
    )
    assert settings.site_base == "" and settings.search


def test_keys_that_are_not_ours_are_pelicans_and_left_alone(tmp_path):
    settings = from_mapping(
        {"SITEURL": "https://x.example/archive/", "DEFAULT_LANG": "en"}, tmp_path
    )
    assert settings.site_base == "/archive"
    assert "default_lang" not in settings.key()


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"HIDE_OTHER_HANDLES": "everyone"}, "HIDE_OTHER_HANDLES"),
        ({"POSTS_PER_PAGE": 0}, "POSTS_PER_PAGE"),
        ({"POSTS_PER_PAGE": "50"}, "POSTS_PER_PAGE"),
        ({"FEED_MAX_ITEMS": -1}, "FEED_MAX_ITEMS"),
        ({"AUDIENCES": {"friends": {"exclude": ["enemies"]}}}, "AUDIENCES"),
        ({"AUDIENCES": {"not a name": {}}}, "AUDIENCES"),
        ({"ACCOUNTS": "envoy_vale"}, "ACCOUNTS"),
        ({"ACCOUNTS": ["/some/abs/path"]}, "ACCOUNTS: '/some/abs/path' is not a handle"),
        ({"ACCOUNTS": ["../envoy_vale"]}, "ACCOUNTS: '../envoy_vale' is not a handle"),
        ({"ACCOUNTS": ["envoy vale"]}, "ACCOUNTS"),
        ({"ACCOUNTS": ["a_handle_of_16ch"]}, "ACCOUNTS"),
        ({"ACCOUNTS": [""]}, "ACCOUNTS"),
        ({"BUILD_DATE": "yesterday"}, "BUILD_DATE"),
        ({"MEDIA_HOSTS": ["https://pbs.twimg.com"]}, "MEDIA_HOSTS"),
        ({"MEDIA_HOSTS": []}, "MEDIA_HOSTS"),
        ({"MEDIA_HOSTS": "pbs.twimg.com"}, "MEDIA_HOSTS"),
        ({"MEDIA_MAX_MB": 0}, "MEDIA_MAX_MB"),
        ({"GITHUB_KEEP_HISTORY": "no"}, "GITHUB_KEEP_HISTORY"),
        ({"PUBLISH_TARGET": "gh-pages"}, "PUBLISH_TARGET: 'gh-pages'; use s3://bucket"),
        ({"PUBLISH_TARGET": "s3://"}, "PUBLISH_TARGET"),
        ({"PUBLISH_TARGET": "s3://My_Bucket/site"}, "PUBLISH_TARGET"),
        ({"PUBLISH_TARGET": "s3://site/a/../b"}, "PUBLISH_TARGET"),
        ({"PUBLISH_TARGET": "s3://site/a//b"}, "PUBLISH_TARGET"),
        ({"PUBLISH_TARGET": "s3://site/a\nb"}, "PUBLISH_TARGET"),
        ({"PUBLISH_TARGET": ["s3://site"]}, "PUBLISH_TARGET"),
        ({"S3_ENDPOINT_URL": "minio.local:9000"}, "S3_ENDPOINT_URL"),
        ({"S3_ENDPOINT_URL": "ftp://minio.local"}, "S3_ENDPOINT_URL"),
        ({"S3_ENDPOINT_URL": "http://minio.local:99999"}, "S3_ENDPOINT_URL"),
        ({"S3_ENDPOINT_URL": "http://[::1"}, "S3_ENDPOINT_URL"),
        ({"TIMEZONE": "Asia/Tokio"}, "TIMEZONE: 'Asia/Tokio' is not a time zone"),
        ({"TIMEZONE": "../../etc/passwd"}, "TIMEZONE"),
        ({"TIMEZONE": "Europe"}, "TIMEZONE"),  # a folder of zones
        ({"TIMEZONE": 9}, "TIMEZONE"),
        ({"TIMESTAMP_URL": "tsa.example/tsr"}, "TIMESTAMP_URL: 'tsa.example/tsr' is not an"),
        ({"TIMESTAMP_URL": "file:///etc/passwd"}, "TIMESTAMP_URL"),
        ({"TIMESTAMP_URL": "http://[::1"}, "TIMESTAMP_URL"),
        ({"TIMESTAMP_URL": 9}, "TIMESTAMP_URL"),
        ({"TIMESTAMP_URL": "https://user:pw@tsa.example/"}, "TIMESTAMP_URL: holds a user or pa"),
    ],
)
def test_a_setting_that_would_publish_the_wrong_thing_is_named(tmp_path, values, named):
    with pytest.raises(CommuniqueError, match=named):
        from_mapping(values, tmp_path)


@pytest.mark.parametrize(
    ("target", "bucket", "prefix"),
    [
        ("s3://site", "site", ""),
        ("s3://site/", "site", ""),
        ("s3://my.site-1/a/b/", "my.site-1", "a/b"),
    ],
)
def test_a_publish_target_is_a_bucket_and_a_prefix(target, bucket, prefix):
    assert s3_target(target, "PUBLISH_TARGET") == (bucket, prefix)


@pytest.mark.parametrize(
    "url",
    [
        "https://key:hunter2@r2.example.org",
        "http://hunter2@127.0.0.1:9000/",
        "https://a:hunter2@[::1",
    ],
)
def test_credentials_in_the_endpoint_are_refused_and_never_shown(tmp_path, url):
    with pytest.raises(CommuniqueError, match="S3_ENDPOINT_URL: the address carries") as error:
        from_mapping({"S3_ENDPOINT_URL": url}, tmp_path)
    assert "hunter2" not in str(error.value)


def test_a_missing_settings_file_is_named(tmp_path):
    with pytest.raises(CommuniqueError, match="settings file not found"):
        load(tmp_path / "pelican.conf.py")


def test_the_build_clock_is_pinned_by_build_date(tmp_path):
    settings = from_mapping({"BUILD_DATE": "2012-01-01"}, tmp_path)
    assert settings.now().isoformat() == "2012-01-01T00:00:00+00:00"
    assert isinstance(settings.theme, Path)


def test_an_account_has_one_spelling_its_handle_in_lower_case(tmp_path):
    settings = from_mapping({"ACCOUNTS": ["Envoy_Vale", "envoy_vale", "PressOffice"]}, tmp_path)
    assert settings.accounts == ("envoy_vale", "pressoffice")


def test_a_timestamp_authority_s_password_is_refused_without_being_shown(tmp_path):
    with pytest.raises(CommuniqueError) as refused:
        from_mapping({"TIMESTAMP_URL": "https://archive:hunter22@tsa.example/"}, tmp_path)
    assert "hunter22" not in str(refused.value)


@pytest.mark.parametrize("name", ["UTC", "Asia/Tokyo", "Europe/Zagreb"])
def test_timezone_is_read_once_as_a_zone(tmp_path, name):
    assert from_mapping({"TIMEZONE": name}, tmp_path).timezone == ZoneInfo(name)


@pytest.mark.parametrize(
    "key, value",
    [("CONTACT_NAME", "Ann\nBagging-Date: 1999-01-01"), ("SOURCE_ORGANIZATION", 42)],
)
def test_who_keeps_the_archive_is_one_line_of_text(tmp_path, key, value):
    """Each is a line of a package's bag-info.txt: a line break would add a field to it."""
    with pytest.raises(CommuniqueError, match=rf"^{key}: .*use one line of text"):
        from_mapping({key: value}, tmp_path)


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"FEEDS": ["all", "hashtag"]}, "FEEDS: .* use some of"),
        ({"FEEDS": "all"}, "FEEDS"),
        ({"FEED_FORMATS": ["json"]}, "FEED_FORMATS"),
        ({"FEEDS": ["account"]}, "SYNDICATE_FEED: 'atom.xml' is not written .FEEDS has no 'all'"),
        ({"FEED_FORMATS": ["rss"]}, "SYNDICATE_FEED: 'atom.xml' is not written .FEED_FORMATS"),
    ],
)
def test_feeds_of_unknown_kinds_or_none_for_the_bridge_are_named(tmp_path, values, named):
    with pytest.raises(CommuniqueError, match=named):
        from_mapping(values, tmp_path)


def test_hashtags_have_no_feeds_unless_asked(tmp_path):
    assert "tag" not in from_mapping({}, tmp_path).feeds
    asked = from_mapping({"FEEDS": ["all", "tag"], "SYNDICATE_FEED": "rss.xml"}, tmp_path)
    assert asked.feeds == ("all", "tag") and asked.feed_formats == ("atom", "rss")
    assert from_mapping({"FEED_FORMATS": ["rss"], "SYNDICATE_FEED": "rss.xml"}, tmp_path)


def test_a_project_checked_out_elsewhere_keys_its_pages_alike(tmp_path):
    """Keys hold the paths as the project names them: a copy elsewhere is the same site."""
    conf = {"ACCOUNTS": ["envoy"], "THEME": "theme", "PATH": "content"}
    here = from_mapping(conf, tmp_path / "here").key()
    assert from_mapping(conf, tmp_path / "elsewhere").key() == here
    assert "base" not in here and here["archive_path"] == "content/archive"
    assert from_mapping(conf | {"THEME": "other"}, tmp_path / "here").key() != here
