"""
Readability for editors: Flesch reading ease and Flesch-Kincaid grade of a page's
text. Pure functions; syllables are counted with the usual vowel-group heuristic,
which is within a syllable or so per word for English, enough for a guide.

Target: plain English for a reading age of 11 to 12 (UK), which is a Flesch-Kincaid
grade of about 6 to 7 and a reading ease of 60 or more.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

TARGET_EASE = 60
TARGET_GRADE = 7
# A US grade plus five is roughly a UK reading age.
READING_AGE_OFFSET = 5

_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
_SENTENCE_END = re.compile(r"[.!?]+(?:\s|$)|\n\s*\n")
_MARKDOWN = re.compile(r"[#>*_`\[\]()|]|^\s*[-+]\s+|^\s*\d+\.\s+", re.MULTILINE)
# Faster forms, the same matches (tests compare them): a pattern that starts with
# a class lets the engine skip to the characters in it instead of trying every
# position (see _stripped() for _MARKUP).
_SENTENCE_END_FAST = re.compile(r"[.!?\n](?:(?<=[.!?])[.!?]*(?:\s|$)|(?<=\n)\s*\n)")
_MARKUP = re.compile(r"[#>*_`\[\]()|]")
_LETTER = re.compile(r"[A-Za-z]")


@dataclass(frozen=True)
class Readability:
    reading_ease: float
    grade: float
    words: int
    sentences: int

    @property
    def reading_age(self):
        return round(self.grade + READING_AGE_OFFSET)

    @property
    def meets_target(self):
        return self.reading_ease >= TARGET_EASE and self.grade <= TARGET_GRADE


# Words repeat a great deal across pages (and imports check thousands of pages).
@lru_cache(maxsize=50_000)
def count_syllables(word):
    return _syllables(word.lower().strip("'-"))


@lru_cache(maxsize=50_000)
def _syllables(word):
    if len(word) <= 3:
        return 1
    word = re.sub(r"(?:[^laeiouy]es|ed|[^laeiouy]e)$", "", word)
    word = re.sub(r"^y", "", word)
    return max(1, len(re.findall(r"[aeiouy]{1,2}", word)))


def readability(text):
    """Scores for `text` (Markdown is stripped first), or None for too little text."""
    plain = _stripped(text or "")
    words = _WORD.findall(plain)
    if len(words) < 10:
        return None
    pieces = _SENTENCE_END_FAST.split(plain)
    sentences = max(1, len([s for s in pieces if _LETTER.search(s)]))
    syllables = sum(map(count_syllables, words))
    words_per_sentence = len(words) / sentences
    syllables_per_word = syllables / len(words)
    ease = 206.835 - 1.015 * words_per_sentence - 84.6 * syllables_per_word
    grade = 0.39 * words_per_sentence + 11.8 * syllables_per_word - 15.59
    return Readability(
        reading_ease=round(ease, 1),
        grade=round(max(grade, 0), 1),
        words=len(words),
        sentences=sentences,
    )


def _stripped(text):
    """_MARKDOWN.sub(" ", text). Its list markers start a line, after spaces
    (\\s is isspace(), as lstrip() strips), with "-", "+" or a digit (\\d is
    isdecimal(), which isdigit() includes): without such a line, the markup
    characters are all it replaces."""
    for line in text.split("\n"):
        first = line.lstrip()[:1]
        if first in ("-", "+") or first.isdigit():
            return _MARKDOWN.sub(" ", text)
    return _MARKUP.sub(" ", text)
