import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinic.editorial.readability import (
    _LETTER,
    _MARKDOWN,
    _SENTENCE_END,
    _SENTENCE_END_FAST,
    _WORD,
    _stripped,
    count_syllables,
    readability,
)

PLAIN = (
    "Stretch marks are common. They often fade with time. A doctor can tell you "
    "which treatment may help. Most people need a few sessions. Your skin may be "
    "red for a day."
)
DENSE = (
    "Microdermabrasion constitutes a minimally invasive dermatological procedure "
    "facilitating exfoliation of the stratum corneum, consequently stimulating "
    "fibroblastic collagen biosynthesis and ameliorating cutaneous irregularities "
    "attributable to dermal architectural disorganisation."
)


@pytest.mark.parametrize(
    ("word", "syllables"),
    [("skin", 1), ("collagen", 3), ("treatment", 2), ("microneedling", 4), ("red", 1)],
)
def test_syllable_counts_are_close_for_common_words(word, syllables):
    assert abs(count_syllables(word) - syllables) <= 1


def test_plain_text_meets_the_reading_age_target():
    result = readability(PLAIN)
    assert result.meets_target
    assert result.reading_ease >= 60
    assert result.reading_age <= 12


def test_dense_clinical_text_misses_the_target():
    result = readability(DENSE)
    assert not result.meets_target
    assert result.grade > readability(PLAIN).grade + 5


def test_markdown_syntax_does_not_count_as_words():
    assert readability("## Heading\n\n" + PLAIN).words == readability(PLAIN).words + 1


def test_too_little_text_gets_no_score():
    assert readability("Short.") is None
    assert readability("") is None


# --- faster forms of the patterns, compared with the patterns -----------------

MARKDOWN_PIECES = [
    "word", "Word", " ", "  ", "\n", "\n\n", "\n \n", "# ", "## ", "- ", "+ ", "-",
    "1. ", "12.", "\u0663. ", "\u00b2 ", "* ", "_", "`", "[a]", "(b)", "|", ">",
    ". ", "! ", "?", "...", "\t", "\u00a0", "\u2003", "\x1c", "e.g. x", "'s", "-ish",
]  # fmt: skip


@settings(max_examples=500, deadline=None, database=None)
@given(st.lists(st.sampled_from(MARKDOWN_PIECES), max_size=30).map("".join))
def test_fast_markdown_strip_and_sentence_split_match_the_patterns(text):
    plain = _MARKDOWN.sub(" ", text)
    assert _stripped(text) == plain
    assert _SENTENCE_END_FAST.split(plain) == _SENTENCE_END.split(plain)
    for piece in _SENTENCE_END.split(plain):
        assert bool(_LETTER.search(piece)) == bool(_WORD.search(piece))


def test_list_markers_are_read_as_lstrip_and_isdigit_read_them():
    # _stripped() finds list markers with lstrip() and isdigit(): \s is what
    # isspace() says, and \d never more than isdigit() does.
    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    assert set(re.findall(r"\s", every)) == {c for c in every if c.isspace()}
    assert all(c.isdigit() for c in re.findall(r"\d", every))
