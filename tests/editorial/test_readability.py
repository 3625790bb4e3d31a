import pytest

from clinic.editorial.readability import count_syllables, readability

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
