"""Published images are re-encoded from their pixels: no EXIF, GPS, XMP or comment survives.

The store keeps originals as received (they are the record); what the site serves is a copy
made from pixels only, scaled down to a size a page needs.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from communique.files import write_atomic

MAX_SIDE = 1600
Image.MAX_IMAGE_PIXELS = 64_000_000  # refuse decompression bombs


def clean_image(data: bytes) -> tuple[bytes, str, tuple[int, int]]:
    """Re-encoded bytes, their extension and size, from an image's bytes; metadata dropped."""
    with Image.open(io.BytesIO(data)) as image:
        image = ImageOps.exif_transpose(image)  # keep the orientation the EXIF asked for
        image.thumbnail((MAX_SIDE, MAX_SIDE))
        has_alpha = image.mode in ("RGBA", "LA") or "transparency" in image.info
        pixels = Image.new(image.mode, image.size)  # pixels only: no info, EXIF or comment
        pixels.paste(image)
    out = io.BytesIO()
    if has_alpha:
        pixels.convert("RGBA").save(out, "PNG", optimize=True)
        return out.getvalue(), ".png", pixels.size
    pixels.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue(), ".jpg", pixels.size


def publish_media(
    source: Path, target_stem: Path, kind: str
) -> tuple[Path, tuple[int, int]] | None:
    """Publish one stored media file next to ``target_stem``; None when it is not usable.

    Done once per file: a file already published and newer than its source is kept.
    """
    if kind != "photo":
        target = target_stem.with_suffix(source.suffix.lower() or ".mp4")
        if not target.exists() or target.stat().st_mtime < source.stat().st_mtime:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        return target, (0, 0)
    for suffix in (".jpg", ".png"):
        target = target_stem.with_suffix(suffix)
        if target.exists() and target.stat().st_mtime >= source.stat().st_mtime:
            with Image.open(target) as image:
                return target, image.size
    try:
        data, suffix, size = clean_image(source.read_bytes())
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError):
        return None
    target = target_stem.with_suffix(suffix)
    write_atomic(target, data, sync=False)  # the store keeps the original
    return target, size
