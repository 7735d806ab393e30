"""Small valid scans for paper ballots and proxy mandates (voting.services.scans checks content, not names)."""

import base64
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile


def _png_1x1() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # 1×1, 8-bit greyscale
    pixels = zlib.compress(b"\x00\xff")  # one scanline: no filter, a white pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


PNG = _png_1x1()
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n%%EOF\n"


def png_scan(name: str = "ballot.png") -> SimpleUploadedFile:
    """A fresh upload of a 1×1 PNG (each request needs its own file object)."""
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def pdf_scan(name: str = "mandate.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def scan_json(content: bytes = PNG, filename: str = "ballot.png") -> dict[str, str]:
    """The scan as a JSON client sends it."""
    return {"filename": filename, "content_base64": base64.b64encode(content).decode()}
