"""Product images: check what was uploaded, re-encode it without metadata, make a thumbnail.

Rules:
    * The type comes from the content, never the file name: PNG, JPEG or WebP. Anything else
      (GIF, TIFF, PSD, SVG, HTML, a program…) is refused and named in the message.
    * At most 5 MB on disk (checked before reading the file) and 4,096 × 4,096 pixels once
      decoded. The pixel size is checked from the header before any decoding, so a tiny file
      declaring 50,000 × 50,000 pixels (a decompression bomb) is refused at once; Pillow's own
      guard (``Image.MAX_IMAGE_PIXELS``, set here to 4,096²) backs that up.
    * The image is decoded fully (a truncated file is refused), turned upright from its EXIF
      orientation, converted to sRGB (CMYK and ICC-tagged images too) and re-encoded: PNG when
      it has transparency, else JPEG. Nothing of the original file survives — no EXIF, GPS,
      comments or ICC profile. Animated images keep their first frame.
    * Stored images are at most ``STORED_SIDE`` pixels on their long side; the thumbnail at most
      ``THUMB_SIDE``. Stored names are generated (:func:`storage_name`); the uploaded file name
      is only ever shown, cleaned by :func:`display_name`.
"""

from __future__ import annotations

import io
import uuid
import warnings
from pathlib import Path
from typing import Final

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from posapp.i18n import N_, _
from posapp.services.catalog.dto import PreparedImage
from posapp.services.platform.errors import ValidationError

__all__ = [
    "MAX_BYTES",
    "MAX_SIDE",
    "STORED_SIDE",
    "THUMB_SIDE",
    "ImageRejectedError",
    "display_name",
    "prepare_image",
    "read_image_file",
    "sniff",
    "storage_name",
]

MAX_BYTES: Final = 5 * 1024 * 1024
MAX_SIDE: Final = 4096
STORED_SIDE: Final = 2048
THUMB_SIDE: Final = 160
JPEG_QUALITY: Final = 88
THUMB_QUALITY: Final = 82
_NAME_SHOWN: Final = 60

# Pillow's decompression-bomb guard: warn above this many pixels, refuse above twice as many.
Image.MAX_IMAGE_PIXELS = MAX_SIDE * MAX_SIDE

_ACCEPTED: Final = {"PNG": "PNG", "JPEG": "JPEG", "WEBP": "WebP"}
_FOREIGN: Final = (
    (b"GIF87a", N_("a GIF image")),
    (b"GIF89a", N_("a GIF image")),
    (b"II*\x00", N_("a TIFF image")),
    (b"MM\x00*", N_("a TIFF image")),
    (b"8BPS", N_("a Photoshop (PSD) file")),
    (b"BM", N_("a BMP image")),
    (b"MZ", N_("a Windows program")),
    (b"\x7fELF", N_("a Linux program")),
    (b"\xcf\xfa\xed\xfe", N_("a macOS program")),
    (b"#!", N_("a script")),
    (b"%PDF", N_("a PDF document")),
    (b"PK\x03\x04", N_("a ZIP archive")),
    (b"\x00\x00\x01\x00", N_("an icon (ICO) file")),
)


class ImageRejectedError(ValidationError):
    """The uploaded file is not an image posapp accepts; the message says why."""


def display_name(name: str | Path) -> str:
    """The last part of a file name, safe to show: undecodable bytes and controls replaced."""
    text = str(name).replace("\\", "/").rsplit("/", 1)[-1]
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    text = "".join(ch if ch.isprintable() else "\ufffd" for ch in text)
    return text if len(text) <= _NAME_SHOWN else text[: _NAME_SHOWN - 1] + "…"


def _prefix(name: str) -> str:
    shown = display_name(name) if name else ""
    return f"{shown}: " if shown else ""


def sniff(head: bytes) -> str | None:
    """Return ``"PNG"``, ``"JPEG"`` or ``"WEBP"`` from a file's first bytes, else None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    return None


def _what_is(head: bytes) -> str:
    """Name what a refused file appears to be, for the message ("" when unknown)."""
    for magic, label in _FOREIGN:
        if head.startswith(magic):
            return label
    if head[4:8] == b"ftyp":
        return N_("a HEIC/AVIF or video file")
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<svg") or (text.startswith(b"<?xml") and b"<svg" in head.lower()):
        return N_("an SVG drawing")
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<script")):
        return N_("an HTML page")
    if text.startswith(b"<"):
        return N_("an XML or HTML text")
    return ""


def storage_name(image: PreparedImage) -> str:
    """A fresh, unguessable name for a stored image (never the uploaded file's name)."""
    return f"{uuid.uuid4().hex}.{image.extension}"


def read_image_file(path: str | Path) -> bytes:
    """Read an image file for :func:`prepare_image`, refusing big files before reading them.

    Raises:
        ImageRejectedError: the file is missing, unreadable, empty or larger than 5 MB.
    """
    file = Path(path)
    prefix = _prefix(str(path))
    try:
        size = file.stat().st_size
        if not file.is_file():
            raise ImageRejectedError(_("{prefix}not a file.").format(prefix=prefix))
        if size > MAX_BYTES:
            raise ImageRejectedError(
                _("{prefix}the file is {size}; images may be at most 5 MB.").format(
                    prefix=prefix, size=_megabytes(size)
                )
            )
        with file.open("rb") as stream:
            data = stream.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ImageRejectedError(
            _("{prefix}cannot read the file ({strerror}).").format(
                prefix=prefix, strerror=exc.strerror
            )
        ) from exc
    if len(data) > MAX_BYTES:  # it grew while we looked
        raise ImageRejectedError(_("{prefix}the file is larger than 5 MB.").format(prefix=prefix))
    return data


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):,.1f} MB"


def prepare_image(data: bytes, name: str = "") -> PreparedImage:
    """Check an uploaded image and re-encode it (see the module docstring).

    Args:
        data: The file's bytes.
        name: The uploaded file name, only to prefix messages.

    Raises:
        ImageRejectedError: with a message naming the problem.
    """
    prefix = _prefix(name)
    if not data:
        raise ImageRejectedError(_("{prefix}the file is empty.").format(prefix=prefix))
    if len(data) > MAX_BYTES:
        raise ImageRejectedError(
            _("{prefix}the file is {count}; images may be at most 5 MB.").format(
                prefix=prefix, count=_megabytes(len(data))
            )
        )
    kind = sniff(data[:16])
    if kind is None:
        what = _what_is(data[:512])
        raise ImageRejectedError(
            _("{prefix}this is {what}, not a PNG, JPEG or WebP image.").format(
                prefix=prefix, what=_(what)
            )
            if what
            else _("{prefix}this is not a PNG, JPEG or WebP image.").format(prefix=prefix)
        )
    image = _open(data, kind, prefix)
    try:
        return _reencode(image, kind, prefix)
    finally:
        image.close()


def _open(data: bytes, kind: str, prefix: str) -> Image.Image:
    too_big = ImageRejectedError(
        _("{prefix}the image is larger than {max_side:,} × {max_side:,} pixels.").format(
            prefix=prefix, max_side=MAX_SIDE
        )
    )
    damaged = ImageRejectedError(
        _("{prefix}the {accepted} file is damaged or incomplete.").format(
            prefix=prefix, accepted=_ACCEPTED[kind]
        )
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=[kind])  # reads the header only
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise too_big from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
            raise damaged from exc
        width, height = image.size
        if width > MAX_SIDE or height > MAX_SIDE:
            image.close()
            raise ImageRejectedError(
                _(
                    "{prefix}the image is {width:,} × {height:,} pixels; at most "
                    "{max_side:,} × {max_side:,} is accepted."
                ).format(prefix=prefix, width=width, height=height, max_side=MAX_SIDE)
            )
        if width < 1 or height < 1:
            image.close()
            raise damaged
        try:
            image.load()  # decodes the first frame only; animations keep it
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            image.close()
            raise too_big from exc
        except (OSError, SyntaxError, ValueError, EOFError, MemoryError) as exc:
            image.close()
            raise damaged from exc
    return image


def _to_srgb(image: Image.Image) -> Image.Image:
    """Convert to RGB or RGBA in sRGB, using the embedded ICC profile when there is one."""
    has_alpha = image.mode in {"RGBA", "LA", "PA", "RGBa", "La"} or (
        image.mode == "P" and "transparency" in image.info
    )
    target = "RGBA" if has_alpha else "RGB"
    profile = image.info.get("icc_profile")
    if profile and image.mode in {"RGB", "RGBA", "CMYK", "L"}:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            converted = ImageCms.profileToProfile(
                image, source, ImageCms.createProfile("sRGB"), outputMode=target
            )
            if converted is not None:
                return converted
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # a broken profile: fall back to a plain conversion
    if image.mode.startswith("I") or image.mode == "F":  # 16-bit or float greyscale
        image = image.convert("I").point(lambda value: value / 256).convert("L")
    return image.convert(target)


def _encode(image: Image.Image, *, quality: int) -> tuple[bytes, str]:
    buffer = io.BytesIO()
    if image.mode == "RGBA":
        image.save(buffer, "PNG", optimize=False, compress_level=6)
        return buffer.getvalue(), "image/png"
    image.save(buffer, "JPEG", quality=quality, optimize=True)
    return buffer.getvalue(), "image/jpeg"


def _reencode(image: Image.Image, kind: str, prefix: str) -> PreparedImage:
    try:
        upright = ImageOps.exif_transpose(image)
        rgb = _to_srgb(upright)
    except (OSError, ValueError, SyntaxError) as exc:
        raise ImageRejectedError(
            _("{prefix}the {accepted} image uses a colour format posapp cannot convert.").format(
                prefix=prefix, accepted=_ACCEPTED[kind]
            )
        ) from exc
    rgb.info = {}  # conversions copy the source's comments, EXIF and ICC: none must survive
    if max(rgb.size) > STORED_SIDE:
        rgb.thumbnail((STORED_SIDE, STORED_SIDE), Image.Resampling.LANCZOS)
    data, content_type = _encode(rgb, quality=JPEG_QUALITY)
    if len(data) > MAX_BYTES and rgb.mode == "RGBA":  # a noisy transparent image: flatten it
        flat = Image.new("RGB", rgb.size, "white")
        flat.paste(rgb, mask=rgb.getchannel("A"))
        rgb = flat
        data, content_type = _encode(rgb, quality=JPEG_QUALITY)
    thumb = rgb.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
    thumb_data, _unused = _encode(thumb, quality=THUMB_QUALITY)
    return PreparedImage(
        data=data,
        thumbnail=thumb_data,
        content_type=content_type,
        width=rgb.width,
        height=rgb.height,
        source_format=_ACCEPTED[kind],
    )
