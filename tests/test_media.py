"""Published media carry nothing but their picture and sound: images re-encoded, videos remuxed
by ffmpeg, GIFs rewritten block by block; and an image too large to decode is refused unread."""

import io
import shutil
import struct
import subprocess
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from communique.ingest.export import import_archive
from communique.site import media
from communique.site.check import image_metadata, run_checks, video_metadata
from communique.store import Store
from conftest import (
    build_project,
    gif,
    make_project,
    make_video,
    snapshot,
    tweet,
    write_export,
)

FFPROBE = shutil.which("ffprobe")
needs_ffmpeg = pytest.mark.skipif(
    not (shutil.which("ffmpeg") and FFPROBE), reason="ffmpeg is not installed (.ci/run installs it)"
)
SECRETS = [b"35.6586", b"Apple", b"iPhone", b"Embassy garden", b"xmpmeta", b"Lavf"]


def packets(path) -> str:
    """A hash of every packet of picture and sound, with the streams' timing and shape."""
    done = subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-map", "0:V", "-map", "0:a?",
         "-c", "copy", "-f", "framemd5", "-"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout


def streams(path) -> list[str]:
    done = subprocess.run(
        [FFPROBE, "-v", "error", "-show_entries", "stream=codec_type", "-of", "csv=p=0",
         str(path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout.split()


@pytest.fixture(scope="module")
def phone_video(tmp_path_factory):
    return make_video(tmp_path_factory.mktemp("video") / "phone.mp4")


@needs_ffmpeg
def test_a_video_is_published_without_its_metadata_and_every_packet_as_it_was(
    phone_video, tmp_path
):
    source = tmp_path / "store" / "30-clip.mp4"
    source.parent.mkdir()
    source.write_bytes(phone_video)
    assert {"tag location", "tag make", "tag xmp"} <= set(video_metadata(source, FFPROBE))
    target, size = media.publish_media(source, tmp_path / "out" / "30-clip", "video")
    assert (target.name, size) == ("30-clip.mp4", (0, 0))
    assert video_metadata(target, FFPROBE) == []
    data = target.read_bytes()
    assert [s for s in SECRETS if s in data] == []
    assert packets(target) == packets(source) and streams(target) == ["video", "audio"]
    assert source.read_bytes() == phone_video  # the store keeps the original
    assert [p.name for p in target.parent.iterdir()] == ["30-clip.mp4"]


@needs_ffmpeg
@pytest.mark.parametrize(
    "content",
    [
        b"<!doctype html><p>Not Found</p>",
        b"#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:1.0,\nfile:///etc/hostname\n#EXT-X-ENDLIST\n",
    ],
    ids=["an error page", "a playlist of a local file"],
)
def test_a_video_that_is_not_an_mp4_is_not_published(tmp_path, content):
    source = tmp_path / "30-clip.mp4"
    source.write_bytes(content)
    assert media.publish_media(source, tmp_path / "out" / "30-clip", "video") is None
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def frames(data: bytes) -> list[tuple[bytes, int]]:
    with Image.open(io.BytesIO(data)) as image:
        found = []
        for n in range(image.n_frames):
            image.seek(n)
            found.append((image.convert("RGBA").tobytes(), image.info.get("duration")))
        return found


def test_a_gif_keeps_every_frame_and_its_loop_and_loses_comments_and_application_blocks():
    original = gif(after=b"hidden after the end")
    assert media.gif_metadata(original) == ["after the end", "application", "comment"]
    clean = media.clean_gif(original)
    assert media.gif_metadata(clean) == []
    assert b"embassy" not in clean and b"xmpmeta" not in clean and b"hidden" not in clean
    assert frames(clean) == frames(original)
    with Image.open(io.BytesIO(clean)) as image:
        assert image.info["loop"] == 0
    picture = {"control", "image"}
    assert [b for k, b in media.gif_blocks(clean) if k in picture] == [
        b for k, b in media.gif_blocks(original) if k in picture
    ]


@given(st.binary(max_size=300), st.sampled_from([b"", gif()]))
def test_a_gif_is_cut_into_blocks_that_are_all_of_it_or_refused(tail, start):
    data = (start or b"GIF89a\x08\x00\x06\x00\x00\x00\x00") + tail
    try:
        blocks = list(media.gif_blocks(data))
    except ValueError:
        return
    assert b"".join(block for _, block in blocks) == data


def png_header(width: int, height: int) -> bytes:
    """A PNG that says how large it is, and whose pixels are not there: decoding it fails."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I4s", len(body), kind) + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", b"not pixels")


@pytest.mark.parametrize("side", [11_000, 20_000], ids=["121 MP", "400 MP"])
def test_an_image_of_too_many_pixels_is_refused_before_it_is_decoded(side):
    with pytest.raises(media.Refused, match="more than 64,000,000 pixels, refused before decoding"):
        media.clean_image(png_header(side, side))


def export_site(folder, *posts, files=None):
    """A project whose export holds ``posts`` and ``files``; returns its settings file."""
    conf = make_project(folder)
    export = write_export(folder / "export", list(posts), **(files or {}))
    import_archive(export, Store(folder / "content" / "archive"))
    return conf


def video_post(id: str, name: str, kind: str = "video") -> dict:
    item = {
        "id_str": f"8{id}",
        "type": kind,
        "media_url_https": f"https://pbs.twimg.com/tweet_video_thumb/{name}.jpg",
        "video_info": {
            "variants": [
                {
                    "bitrate": "832000",
                    "content_type": "video/mp4",
                    "url": f"https://video.twimg.com/ext_tw_video/8{id}/pu/vid/{name}.mp4",
                }
            ]
        },
    }
    return tweet(id, f"A {kind}", extended_entities={"media": [item]})


STILL = (200, 30, 30)  # the export's thumbnail: a colour no frame of the test video has


def still_with_gps() -> bytes:
    """A video's thumbnail as the export has it, with a phone's EXIF (GPS, make) in it."""
    exif = Image.Exif()
    exif[0x010F] = "Apple"
    exif[0x8825] = {1: "N", 2: (35.0, 39.0, 30.0)}
    out = io.BytesIO()
    Image.new("RGB", (64, 48), STILL).save(out, "JPEG", exif=exif, comment=b"Embassy garden")
    return out.getvalue()


@pytest.fixture(scope="module")
def site(tmp_path_factory, phone_video):
    """A site of a video, an animated GIF as Twitter keeps one (an MP4 without sound), and a
    real GIF file."""
    folder = tmp_path_factory.mktemp("media")
    real_gif = tweet(
        "32",
        "A real GIF",
        extended_entities={
            "media": [
                {
                    "id_str": "832",
                    "type": "animated_gif",
                    "media_url_https": "https://pbs.twimg.com/tweet_video_thumb/real.gif",
                }
            ]
        },
    )
    conf = export_site(
        folder,
        video_post("30", "clip"),
        video_post("31", "loop", "animated_gif"),
        real_gif,
        files={
            "data/tweets_media/30-clip.mp4": phone_video,
            "data/tweets_media/30-clip.jpg": still_with_gps(),
            "data/tweets_media/31-loop.mp4": make_video(folder / "loop.mp4", sound=False),
            "data/tweets_media/32-real.gif": gif(),
        },
    )
    return build_project(conf)


@needs_ffmpeg
def test_the_site_publishes_videos_and_gifs_with_only_their_picture_and_sound(site):
    store = site.parent / "content" / "archive" / "envoy" / "media"
    published = sorted(p.name for p in (site / "envoy" / "media").iterdir())
    assert published == [
        "30-clip-poster.jpg", "30-clip.mp4", "31-loop-poster.jpg", "31-loop.mp4", "32-real.gif"
    ]  # fmt: skip
    for name in ("30-clip.mp4", "31-loop.mp4"):
        assert packets(site / "envoy" / "media" / name) == packets(store / name)
    assert frames((site / "envoy/media/32-real.gif").read_bytes()) == frames(gif())
    assert (
        '<video src="/envoy/media/30-clip.mp4"' in (site / "envoy/status/30/index.html").read_text()
    )
    # A GIF file is a picture: a <video> would show nothing of it.
    gif_page = (site / "envoy/status/32/index.html").read_text()
    assert '<img src="/envoy/media/32-real.gif"' in gif_page
    (videos,) = [r for r in run_checks(site, skip=("html",)) if r.name == "videos"]
    assert (videos.checked, videos.failures) == (3, [])


@needs_ffmpeg
@pytest.mark.parametrize(("name", "made_from"), [("30-clip", "the export's thumbnail"),
                                                 ("31-loop", "its first frame")])  # fmt: skip
def test_a_video_has_a_poster_without_metadata_and_its_box_has_a_size(site, name, made_from):
    poster = site / "envoy" / "media" / f"{name}-poster.jpg"
    assert image_metadata(poster) == []
    assert not any(secret in poster.read_bytes() for secret in SECRETS)
    with Image.open(poster) as image:
        assert image.size == (64, 48)
        colour = image.convert("RGB").resize((1, 1)).getpixel((0, 0))
    if made_from == "the export's thumbnail":
        assert all(abs(a - b) < 16 for a, b in zip(colour, STILL, strict=True))
    else:
        assert max(colour) > 40 and all(abs(a - b) > 40 for a, b in zip(colour, STILL, strict=True))
    page = (site / "envoy" / "status" / name[:2] / "index.html").read_text()
    assert (
        f'<video src="/envoy/media/{name}.mp4" poster="/envoy/media/{name}-poster.jpg"'
        ' width="64" height="48" controls'
    ) in page
    (links,) = [r for r in run_checks(site, skip=("html",)) if r.name == "links"]
    assert links.failures == []


@needs_ffmpeg
def test_a_withheld_video_takes_its_poster_with_it_as_a_clean_build_would(tmp_path, phone_video):
    conf = export_site(
        tmp_path,
        video_post("30", "clip"),
        tweet("33", "Kept"),
        files={
            "data/tweets_media/30-clip.mp4": phone_video,
            "data/tweets_media/30-clip.jpg": still_with_gps(),
        },
    )
    output = build_project(conf)
    assert (output / "envoy" / "media" / "30-clip-poster.jpg").is_file()
    (tmp_path / "content" / "redactions.md").write_text(
        "Title: Withheld\n\nPosts withheld.\n\n- 30: personal-data, 2024-05-02\n"
    )
    build_project(conf)
    assert list((output / "envoy").glob("media/30-clip*")) == []
    after = snapshot(output)
    shutil.rmtree(output)
    shutil.rmtree(tmp_path / "cache")
    assert snapshot(build_project(conf)) == after


@needs_ffmpeg
def test_a_video_and_its_poster_are_made_once_and_kept_until_the_original_changes(site):
    published = [site / "envoy" / "media" / name for name in ("30-clip.mp4", "30-clip-poster.jpg")]
    made = [path.stat().st_mtime_ns for path in published]
    build_project(site.parent / "pelican.conf.py")
    assert [path.stat().st_mtime_ns for path in published] == made


@needs_ffmpeg
def test_without_ffmpeg_a_video_is_not_published_and_the_build_says_to_install_it(
    tmp_path, phone_video, monkeypatch
):
    conf = export_site(
        tmp_path, video_post("30", "clip"), files={"data/tweets_media/30-clip.mp4": phone_video}
    )
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))
    with pytest.raises(SystemExit) as stopped:
        build_project(conf)
    message = str(stopped.value)
    assert message.startswith("error: ") and "\n" not in message
    assert "30-clip.mp4: post 30: a video" in message and "install it" in message
    assert list(tmp_path.glob("output/**/*.mp4")) == []


def test_an_image_of_121_megapixels_stops_the_build_naming_its_file_and_post(tmp_path):
    big = io.BytesIO()
    Image.new("1", (11_000, 11_000)).save(big, "PNG")
    photo = {"id_str": "840", "type": "photo", "media_url_https": "https://pbs.twimg.com/m/Big.png"}
    conf = export_site(
        tmp_path,
        tweet("40", "A panorama", extended_entities={"media": [photo]}),
        files={"data/tweets_media/40-Big.png": big.getvalue()},
    )
    with pytest.raises(SystemExit) as stopped:
        build_project(conf)
    assert str(stopped.value) == (
        f"error: {tmp_path / 'content/archive/envoy/media/40-Big.png'}: post 40: an image of"
        " more than 64,000,000 pixels, refused before decoding; replace it in the store with a"
        " smaller copy"
    )
    assert list(tmp_path.glob("output/envoy/media/*")) == []
