"""Reading a response body safely: bounded decompression, binary sniffing, charset choice.

Bounded decompression: httpx's own decoders inflate each network chunk in full (one
64 KiB read of a gzip bomb can become 64 MB), so we read the raw bytes and inflate them
ourselves with `max_length`: at most max_bytes + 1 decoded bytes ever exist, whatever
the compression ratio.

Charset: labels lie (a page sent as latin-1 is often UTF-8), so the order is
  1. a byte-order mark;
  2. UTF-8, if the whole body is valid UTF-8 (text in a legacy 8-bit charset almost
     never forms valid multi-byte UTF-8 sequences, so this is the safest first guess);
  3. the HTTP header's charset, then the <meta charset>, each only if it decodes cleanly
     (latin-1 is read as windows-1252, as browsers do);
  4. charset-normalizer's guess; then windows-1252 with replacement characters.
"""

from __future__ import annotations

import re
import zlib
from typing import TYPE_CHECKING

from charset_normalizer import from_bytes
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

from scraped.engine.fetch.fetch_errors import FetchError

if TYPE_CHECKING:
    import httpx

__all__ = ["Inflater", "binary_reason", "decode_text", "make_decoder", "read_body", "refuse_binary",
           "sniff_type"]

SNIFF_BYTES = 1024


async def read_body(response: httpx.Response, url: str, max_bytes: int, *, robots: bool) -> bytes:
    """The decoded body, inflated a bounded amount at a time.

    A page past max_bytes is too_large and one whose first KB looks binary is refused as
    soon as that KB is in (not after downloading the rest); robots.txt is cut at max_bytes.
    """
    if response.is_stream_consumed:  # built in memory (httpx.MockTransport): already decoded
        body = response.content
        if len(body) > max_bytes and not robots:
            raise FetchError(url, f"body is over the cap of {max_bytes} bytes", "too_large")
        body = body[:max_bytes]
    else:
        decoder = make_decoder(url, response.headers.get("content-encoding", ""))
        buf = bytearray()
        sniff = not robots
        async for raw in response.aiter_raw():
            buf += decoder.decode(raw, max_bytes - len(buf) + 1)
            if len(buf) > max_bytes:
                break
            if sniff and len(buf) >= SNIFF_BYTES:
                sniff = False
                refuse_binary(url, buf)
        else:
            buf += decoder.flush()
        if len(buf) > max_bytes:
            if not robots:
                raise FetchError(url, f"body is over the cap of {max_bytes} bytes (decoded)",
                                 "too_large")
            del buf[max_bytes:]
        if not sniff:
            return bytes(buf)
        body = bytes(buf)
    if not robots:
        refuse_binary(url, body)
    return body


def refuse_binary(url: str, body: bytes | bytearray) -> None:
    reason = binary_reason(bytes(body[: SNIFF_BYTES]))
    if reason is not None:
        raise FetchError(url, reason, "content_type")


class Identity:
    __slots__ = ()

    def decode(self, data: bytes, limit: int) -> bytes:
        return data

    def flush(self) -> bytes:
        return b""


class Inflater:
    """gzip or deflate, never producing more than `limit` bytes per call."""

    __slots__ = ("_d", "_head", "url")

    def __init__(self, url: str, gzip: bool):
        self.url = url
        # "deflate" is meant to be zlib-wrapped but is often raw deflate: decided from the
        # first two bytes (a zlib header is method 8 and a multiple of 31), kept until then.
        self._d = zlib.decompressobj(zlib.MAX_WBITS | 16) if gzip else None
        self._head = b""

    def decode(self, data: bytes, limit: int) -> bytes:
        if self._d is None:
            self._head += data
            if len(self._head) < 2:
                return b""
            cmf, flg = self._head[0], self._head[1]
            zlib_wrapped = cmf & 0x0F == 8 and (cmf << 8 | flg) % 31 == 0
            self._d = zlib.decompressobj(zlib.MAX_WBITS if zlib_wrapped else -zlib.MAX_WBITS)
            data, self._head = self._head, b""
        if self._d.eof:
            return b""  # trailing bytes after the stream: ignored, as httpx does
        try:
            return self._d.decompress(data, limit)
        except zlib.error as exc:
            raise FetchError(self.url, f"corrupt compressed body: {exc}", "decode") from None

    def flush(self) -> bytes:
        if self._d is None:
            if self._head:
                raise FetchError(self.url, "compressed body cut short", "decode")
            return b""
        try:
            return self._d.flush()
        except zlib.error as exc:
            raise FetchError(self.url, f"corrupt compressed body: {exc}", "decode") from None


def make_decoder(url: str, content_encoding: str) -> Identity | Inflater:
    codings = [c.strip() for c in content_encoding.lower().split(",")]
    codings = [c for c in codings if c and c != "identity"]
    if not codings:
        return Identity()
    if len(codings) > 1:
        raise FetchError(url, f"stacked content encodings are not supported: {content_encoding!r}",
                         "decode")
    if codings[0] in ("gzip", "x-gzip"):
        return Inflater(url, gzip=True)
    if codings[0] == "deflate":
        return Inflater(url, gzip=False)
    raise FetchError(url, f"unsupported content encoding {codings[0]!r}", "decode")


_MAGIC = (
    (b"%PDF-", "PDF"), (b"\x89PNG\r\n\x1a\n", "PNG"), (b"GIF87a", "GIF"), (b"GIF89a", "GIF"),
    (b"\xff\xd8\xff", "JPEG"), (b"PK\x03\x04", "ZIP"), (b"PK\x05\x06", "ZIP"),
    (b"\x1f\x8b\x08", "gzip"), (b"BZh9", "bzip2"), (b"\xfd7zXZ\x00", "xz"),
    (b"7z\xbc\xaf\x27\x1c", "7z"), (b"Rar!\x1a\x07", "RAR"), (b"\x7fELF", "ELF"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "OLE document"), (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"wOFF", "WOFF"), (b"wOF2", "WOFF2"), (b"\x00asm", "WebAssembly"), (b"OggS", "Ogg"),
    (b"fLaC", "FLAC"), (b"%!PS", "PostScript"),
)
_UNICODE_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_MAGIC_FIRST = frozenset(m[:1] for m, _ in _MAGIC) | {b[:1] for b in _UNICODE_BOMS}
# WHATWG MIME sniffing's "binary data bytes": control characters no text format uses.
_BINARY_BYTE = re.compile(rb"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]")
_BINARY_BYTES = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x1B), *range(0x1C, 0x20)])


def binary_reason(head: bytes) -> str | None:
    """Why the first bytes of a body show it is not text, or None if they may be text."""
    if head[:1] in _MAGIC_FIRST:
        if head.startswith(_UNICODE_BOMS):
            return None
        for magic, name in _MAGIC:
            if head.startswith(magic):
                return f"binary content ({name}) served as text"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "binary content (MP4/QuickTime) served as text"
    if len(head) >= 12 and head[:4] == b"RIFF":
        return "binary content (RIFF media) served as text"
    head = head[:SNIFF_BYTES]
    if len(head.translate(None, _BINARY_BYTES)) == len(head):  # C speed; the regex is 5x slower
        return None
    match = _BINARY_BYTE.search(head)
    if match is not None:
        return f"binary content (control byte 0x{head[match.start()]:02x} at {match.start()}) served as text"
    return None


def sniff_type(head: bytes) -> str:
    """A content type for a body whose response had none."""
    start = head.lstrip()[:1]
    return "text/html" if start == b"<" else "text/plain"


def decode_text(body: bytes, content_type: str) -> tuple[str, str]:
    """The body as text, and the encoding used (see the module docstring for the order)."""
    bom, mark = read_bom(body)
    if bom is not None and mark is not None:
        return body[len(mark):].decode(bom, "replace"), bom
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    tried = {"utf-8"}
    for label in (http_content_type_encoding(content_type), html_body_declared_encoding(body)):
        if label is None or label in tried:
            continue
        tried.add(label)
        try:
            return body.decode(label), label
        except (UnicodeDecodeError, LookupError):
            continue
    guess = _guess(body[:_GUESS_BYTES])
    try:
        return body.decode(guess, "replace"), guess
    except LookupError:
        return body.decode("cp1252", "replace"), "cp1252"


_GUESS_BYTES = 16 * 1024
_SHORT = 256  # bytes below which a statistical guess is noise
_NEAR = 0.1  # chaos (0..1) within which a more common encoding beats the first pick
# Legacy encodings roughly by how common they are on the web (Python codec names).
_WEB_RANK = {enc: i for i, enc in enumerate((
    "cp1252", "cp1251", "cp1250", "gb18030", "gbk", "gb2312", "shift_jis", "cp932", "euc_jp",
    "euc_kr", "cp949", "big5", "cp1256", "cp1253", "cp1254", "cp1255", "cp1257", "cp1258",
    "koi8_r", "koi8_u", "iso8859_2", "iso8859_15", "iso8859_5", "iso8859_7", "iso8859_9",
    "tis_620", "cp874", "windows_1252"))}


def _guess(sample: bytes) -> str:
    """charset-normalizer's guess, nudged towards the encodings the web actually uses.

    Among its candidates about as good as its first pick, the most common on the web
    wins: on Western text it often picks a Baltic code page by a hair, on Russian
    mac_cyrillic over windows-1251, and anything at all for a few bytes, while
    windows-1252 is the usual unlabelled legacy encoding (WHATWG's fallback). UTF-16/32
    without a BOM cannot get here (their NUL bytes are refused as binary).
    """
    matches = [m for m in from_bytes(sample) if not m.encoding.startswith(("utf_16", "utf_32"))]
    if len(sample) < _SHORT or not matches:
        try:
            sample.decode("cp1252")
            return "cp1252"
        except UnicodeDecodeError:
            pass
    if not matches:
        return "cp1252"
    near = [m.encoding for m in matches if m.chaos <= matches[0].chaos + _NEAR]
    return min(near, key=lambda enc: _WEB_RANK.get(enc, len(_WEB_RANK)))
