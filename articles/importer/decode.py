"""
Bytes to text, or a one-line reason why not.

Sources arrive as files on disk or uploads in the admin. Both go through `decode()`:
UTF-8 with or without a byte-order mark, UTF-16 (and UTF-32) with a byte-order mark,
and cp1252 as the fallback for old Windows exports. Anything else is refused with a
`RejectedDocument` whose message fits on one line of the import summary.
"""

import codecs
import re

MAX_BYTES = 5 * 1024 * 1024

# File signatures of formats people mistake for text.
_MAGIC = (
    (b"%PDF", "a PDF"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive or Office document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\x7fELF", "a program"),
    (b"MZ", "a Windows program"),
    (b"\xd0\xcf\x11\xe0", "an old Office document"),
    (b"{\\rtf", "an RTF document"),
)
_BOMS = (
    # UTF-32 first: its little-endian mark starts with UTF-16's.
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# C0 controls other than tab, line feed, form feed and carriage return.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_CONTROL_BYTES = bytes(range(0, 9)) + b"\x0b" + bytes(range(0x0E, 0x20)) + b"\x7f"


class RejectedDocument(Exception):
    """A document the importer will not read; str() is the one-line reason."""


def decode(data, limit=MAX_BYTES):
    """Return the text of `data` (bytes), or raise RejectedDocument.

    Returns a tuple (text, encoding name) so the summary can say what was read.
    """
    if len(data) > limit:
        raise RejectedDocument(
            f"too large: {len(data):,} bytes, the limit is {limit // (1024 * 1024)} MB"
        )
    if not data:
        raise RejectedDocument("empty file")
    for signature, kind in _MAGIC:
        if data.startswith(signature):
            raise RejectedDocument(f"binary file: looks like {kind}, not text")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise RejectedDocument(
                    f"not valid {encoding.upper().replace('-SIG', '')} "
                    f"despite its byte-order mark (byte {exc.start})"
                ) from None
            return _checked(text, encoding.replace("-sig", " with BOM"))
    if b"\x00" in data:
        raise RejectedDocument(
            "contains NUL bytes: binary, or UTF-16 without a byte-order mark"
        )
    sample = data[:8192]
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    if controls > max(4, len(sample) // 100):
        raise RejectedDocument("binary file: too many control characters for text")
    try:
        return _checked(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return _checked(data.decode("cp1252"), "cp1252")
    except UnicodeDecodeError:
        raise RejectedDocument(
            "undecodable: not UTF-8, UTF-16 with a byte-order mark, or cp1252"
        ) from None


def _checked(text, encoding):
    if "\x00" in text:
        raise RejectedDocument("contains NUL characters")
    if not text.strip():
        raise RejectedDocument("blank file: only whitespace")
    if len(_CONTROL.findall(text[:8192])) > max(4, len(text[:8192]) // 100):
        raise RejectedDocument("binary file: too many control characters for text")
    return text, encoding
