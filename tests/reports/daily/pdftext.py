"""The text of a PDF that reportlab wrote, for tests, without a PDF library: each content stream
decoded (ASCII85 then Flate, reportlab's default filters), then every string shown by Tj or TJ in
reading order, decoded as the font it is set in gives it (UTF-16BE for the CID font of the Chinese
text, Latin-1 for a standard font). Enough for reportlab's output; not a general PDF parser."""

from __future__ import annotations

import base64
import re
import zlib

STREAM = re.compile(rb"/Filter\s*\[\s*/ASCII85Decode\s*/FlateDecode\s*\][^>]*>>\s*stream\r?\n(.*?)endstream", re.S)
CID_FONT = re.compile(rb"/Encoding\s*/UniGB-UCS2-H\s*/Name\s*/(\w+)")
# A font selection, or a literal string (escapes and balanced parentheses kept inside), then what shows it.
TOKEN = re.compile(rb"/(\w+)\s+[\d.]+\s+Tf|\(((?:\\.|[^\\()])*)\)", re.S)
ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _unescape(literal: bytes) -> bytes:
    def one(m: re.Match[bytes]) -> bytes:
        code = m.group(1)
        if code[:1].isdigit():
            return bytes([int(code, 8)])
        return ESCAPES.get(code, code)

    return re.sub(rb"\\([0-7]{1,3}|.)", one, literal, flags=re.S)


def content_streams(pdf: bytes) -> list[bytes]:
    out = []
    for m in STREAM.finditer(pdf):
        encoded = m.group(1).strip()
        encoded = encoded[: encoded.rindex(b"~>")] if b"~>" in encoded else encoded
        out.append(zlib.decompress(base64.a85decode(encoded)))
    return out


def pdf_strings(pdf: bytes) -> list[str]:
    """Every string the PDF shows, in the order its content streams show them."""
    cid = {name.decode() for name in CID_FONT.findall(pdf)}
    shown: list[str] = []
    for stream in content_streams(pdf):
        font = ""
        for m in TOKEN.finditer(stream):
            if m.group(1) is not None:
                font = m.group(1).decode()
                continue
            raw = _unescape(m.group(2))
            shown.append(raw.decode("utf-16-be", errors="replace") if font in cid else raw.decode("latin-1"))
    return shown
