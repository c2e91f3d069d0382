"""Product images: type from content, size limits, bombs, re-encoding without metadata."""

from __future__ import annotations

import io
import os
import re
import struct
import time
import zlib
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin

from posapp.services.catalog.images import (
    MAX_BYTES,
    STORED_SIDE,
    THUMB_SIDE,
    ImageRejectedError,
    display_name,
    prepare_image,
    read_image_file,
    storage_name,
)


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def png(
    width: int = 64, height: int = 48, mode: str = "RGB", color: str | tuple[int, ...] = "red"
) -> bytes:
    return encode(Image.new(mode, (width, height), color), "PNG")


def bomb_png(width: int, height: int) -> bytes:
    """A tiny valid PNG whose header declares ``width`` × ``height`` pixels."""
    data = bytearray(png(1, 1))
    ihdr = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr) & 0xFFFFFFFF)
    return bytes(data)


def many_frame_gif(frames: int) -> bytes:
    """A real animated GIF of ``frames`` 1×1 frames (built by hand: Pillow merges them)."""
    head = b"GIF89a" + struct.pack("<HH", 1, 1) + b"\x80\x00\x00" + b"\x00\x00\x00\xff\xff\xff"
    frame = (
        b"\x21\xf9\x04\x00\x01\x00\x00\x00"
        + b"\x2c"
        + struct.pack("<HHHH", 0, 0, 1, 1)
        + b"\x00\x02\x02\x44\x01\x00"
    )
    return head + frame * frames + b"\x3b"


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


# --- accepted ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "source"), [("PNG", "PNG"), ("JPEG", "JPEG"), ("WEBP", "WebP")])
def test_png_jpeg_webp_are_accepted_and_reencoded(fmt: str, source: str) -> None:
    data = encode(Image.new("RGB", (300, 200), "navy"), fmt)
    prepared = prepare_image(data, "photo.bin")  # the name says nothing: content decides
    assert prepared.source_format == source
    assert prepared.content_type == "image/jpeg"
    assert (prepared.width, prepared.height) == (300, 200)
    assert decode(prepared.data).format == "JPEG"
    thumb = decode(prepared.thumbnail)
    assert max(thumb.size) == THUMB_SIDE


def test_transparency_is_kept_as_png() -> None:
    prepared = prepare_image(png(40, 40, "RGBA", (255, 0, 0, 128)))
    assert prepared.content_type == "image/png"
    assert decode(prepared.data).mode == "RGBA"
    palette = Image.new("P", (10, 10), 1)
    palette.info["transparency"] = 1
    assert prepare_image(encode(palette, "PNG")).content_type == "image/png"


def test_metadata_is_stripped_and_orientation_applied() -> None:
    image = Image.new("RGB", (80, 40), "green")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90°: the stored image must be upright
    exif[0x010E] = "secret description"
    exif[0x8825] = {2: (51.0, 30.0, 0.0)}  # GPS latitude
    data = encode(image, "JPEG", exif=exif.tobytes(), comment=b"secret comment")
    assert b"secret" in data
    prepared = prepare_image(data)
    assert (prepared.width, prepared.height) == (40, 80)
    assert b"secret" not in prepared.data
    assert b"Exif" not in prepared.data
    assert not decode(prepared.data).getexif()


def test_png_text_chunks_are_stripped() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret text chunk")
    data = encode(Image.new("RGBA", (8, 8)), "PNG", pnginfo=info)
    assert b"secret" in data
    assert b"secret" not in prepare_image(data).data


def test_cmyk_jpeg_becomes_rgb() -> None:
    data = encode(Image.new("CMYK", (50, 50), (0, 255, 255, 0)), "JPEG")
    prepared = prepare_image(data)
    image = decode(prepared.data)
    assert image.mode == "RGB"
    red, green, blue = image.getpixel((25, 25))  # type: ignore[misc]
    assert red > 200
    assert green < 60
    assert blue < 60


@pytest.mark.parametrize("mode", ["L", "LA", "I;16", "1", "P"])
def test_other_colour_modes_are_converted(mode: str) -> None:
    prepared = prepare_image(encode(Image.new(mode, (16, 16)), "PNG"))
    assert decode(prepared.data).mode in {"RGB", "RGBA"}


def test_animated_images_keep_their_first_frame() -> None:
    frames = [Image.new("RGB", (20, 20), color) for color in ("red", "green", "blue")]
    data = encode(frames[0], "PNG", save_all=True, append_images=frames[1:])
    prepared = prepare_image(data)
    assert getattr(decode(prepared.data), "n_frames", 1) == 1
    assert decode(prepared.data).getpixel((5, 5))[0] > 200  # type: ignore[index]


def test_largest_accepted_image_is_stored_smaller() -> None:
    prepared = prepare_image(encode(Image.new("RGB", (4096, 4096), "white"), "JPEG"))
    assert (prepared.width, prepared.height) == (STORED_SIDE, STORED_SIDE)


# --- refused ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100, "a Windows program"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 100, "a Linux program"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "an SVG drawing"),
        (b"<svg><script>alert(1)</script></svg>", "an SVG drawing"),
        (b"<!DOCTYPE html><html><body>hi</body></html>", "an HTML page"),
        (b"8BPS\x00\x01" + b"\x00" * 100, "Photoshop"),
        (b"%PDF-1.7\n", "a PDF document"),
        (b"just some text", "this is not a PNG, JPEG or WebP image"),
        (many_frame_gif(10_000), "a GIF image"),
    ],
)
def test_non_images_are_refused_by_content(data: bytes, message: str) -> None:
    with pytest.raises(ImageRejectedError, match=message):
        prepare_image(data, "photo.jpg")


def test_tiff_is_refused() -> None:
    with pytest.raises(ImageRejectedError, match="a TIFF image"):
        prepare_image(encode(Image.new("RGB", (4, 4)), "TIFF"), "scan.png")


def test_truncated_jpeg_is_refused() -> None:
    data = encode(Image.new("RGB", (400, 400), "orange"), "JPEG", quality=95)
    with pytest.raises(ImageRejectedError, match="JPEG file is damaged or incomplete"):
        prepare_image(data[: len(data) // 2])


def test_truncated_png_is_refused() -> None:
    data = png(300, 300)
    with pytest.raises(ImageRejectedError, match="damaged or incomplete"):
        prepare_image(data[:60])


@pytest.mark.parametrize(("width", "height"), [(50_000, 50_000), (4097, 10), (10, 4097)])
def test_oversized_and_bomb_images_are_refused_at_once(width: int, height: int) -> None:
    data = bomb_png(width, height)
    assert len(data) < 100
    started = time.perf_counter()
    with pytest.raises(ImageRejectedError, match="4,096 × 4,096"):
        prepare_image(data)
    assert time.perf_counter() - started < 0.5


def test_over_five_megabytes_is_refused() -> None:
    with pytest.raises(ImageRejectedError, match="at most 5 MB"):
        prepare_image(b"\x89PNG\r\n\x1a\n" + b"\x00" * MAX_BYTES)


def test_a_200_mb_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.jpg"
    with path.open("wb") as stream:
        stream.truncate(200 * 1024 * 1024)  # sparse: no 200 MB written
    started = time.perf_counter()
    with pytest.raises(ImageRejectedError, match=r"huge\.jpg: the file is 200\.0 MB"):
        read_image_file(path)
    assert time.perf_counter() - started < 0.5


def test_reading_missing_files_and_folders(tmp_path: Path) -> None:
    with pytest.raises(ImageRejectedError, match="cannot read the file"):
        read_image_file(tmp_path / "nope.png")
    with pytest.raises(ImageRejectedError, match="not a file"):
        read_image_file(tmp_path)


# --- names ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("../../x.png", "x.png"),
        ("..\\..\\x.png", "x.png"),
        ("CON.png", "CON.png"),
        ("a\nb.png", "a\ufffdb.png"),
        ("x" * 100 + ".png", "x" * 59 + "…"),
    ],
)
def test_display_names_are_safe(name: str, shown: str) -> None:
    assert display_name(name) == shown


def test_non_utf8_file_names(tmp_path: Path) -> None:
    raw = os.fsencode(tmp_path) + b"/\xff\xfeimage.png"
    with open(raw, "wb") as stream:
        stream.write(png())
    path = os.fsdecode(raw)
    data = read_image_file(path)
    prepared = prepare_image(data, path)
    assert prepared.width == 64
    shown = display_name(path)
    shown.encode("utf-8")  # printable and encodable: no surrogates left
    assert shown.endswith("image.png")
    with pytest.raises(ImageRejectedError) as caught:
        prepare_image(b"not an image", path)
    str(caught.value).encode("utf-8")


def test_storage_names_are_generated() -> None:
    prepared = prepare_image(png(), "../../CON.png")
    names = {storage_name(prepared) for _ in range(100)}
    assert len(names) == 100
    assert all(re.fullmatch(r"[0-9a-f]{32}\.jpg", name) for name in names)
