"""Bytes to text: every encoding we accept, and a one-line reason for the rest."""

import codecs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from articles.importer.decode import _CONTROL_BYTES, MAX_BYTES, RejectedDocument, decode

TEXT = "Microdermabrasion \u2013 \u201cwhat\u2019s involved\u201d, caf\u00e9."


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8 with BOM"),
        (TEXT.encode("utf-16"), "utf-16"),
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16"),
        (TEXT.encode("cp1252"), "cp1252"),
    ],
)
def test_supported_encodings_decode_to_the_same_text(data, encoding):
    assert decode(data) == (TEXT, encoding)


HOSTILE = [
    (b"", "empty file"),
    (b"   \r\n\t\n  ", "blank file"),
    (b"Microneedling\x00 text", "NUL bytes"),
    ("no BOM".encode("utf-16-le"), "NUL bytes"),
    (b"%PDF-1.7\n binary", "binary file: looks like a PDF"),
    (b"\x89PNG\r\n\x1a\n....", "binary file: looks like a PNG image"),
    (bytes(range(1, 32)) * 20, "binary file: too many control characters"),
    (b"text \x81\x8d\x8f\x90\x9d more", "undecodable"),
    (codecs.BOM_UTF8 + b"\xff\xfe broken", "not valid UTF-8"),
    (b"a" * (MAX_BYTES + 1), "too large"),
]


@pytest.mark.parametrize(("data", "reason"), HOSTILE)
def test_hostile_input_is_refused_with_a_one_line_reason(data, reason):
    with pytest.raises(RejectedDocument) as excinfo:
        decode(data)
    message = str(excinfo.value)
    assert reason in message
    assert "\n" not in message


def test_file_at_the_size_limit_is_accepted():
    text, _ = decode(b"a" * MAX_BYTES)
    assert len(text) == MAX_BYTES


@settings(max_examples=300, deadline=None, database=None)
@given(
    st.binary(max_size=300)
    | st.lists(
        st.sampled_from([b"a", b"\x01", b"\t", b"\x7f", b"\x0b", b"\x1f", b"\x80"])
    ).map(b"".join)
)
def test_control_bytes_counted_in_one_pass_as_byte_by_byte(sample):
    by_byte = sum(sample.count(bytes([b])) for b in _CONTROL_BYTES)
    assert len(sample) - len(sample.translate(None, _CONTROL_BYTES)) == by_byte


@pytest.mark.parametrize("size", [100, 2000, 8192, 9000])
def test_control_bytes_up_to_one_percent_are_accepted(size):
    allowed = max(4, min(size, 8192) // 100)
    text = b"\x01" * allowed + b"a" * (size - allowed)
    assert decode(text)[1] == "utf-8"
    with pytest.raises(RejectedDocument, match="control characters"):
        decode(b"\x01" + text[:-1])
