"""
clinic.literals: the words a pattern's matches contain or start with, read from
the pattern, which the claims check and the importer use to skip work. Each
shortcut is compared with running the pattern itself, over patterns of every
shape the parser knows and texts made of their words, in any case, with the
characters IGNORECASE folds in odd ways.
"""

import importlib
import random
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.importer.parse import _DEFINITION, _OVERVIEW
from articles.importer.vocabulary import (
    CONTRAINDICATION_RULES,
    FACT_RULES,
    TAGS,
    VOCABULARY,
    _trie_pattern,
)
from clinic.literals import finditer, lowered, may_match, needs, starts, words_test

CLAIM_RULES = importlib.import_module(
    "clinic.editorial.migrations.0002_claim_rules_and_reviewers"
).CLAIM_RULES

# Shapes the engine's parser gives: choices, optional and repeated groups, groups
# that may be empty, lookarounds, flags, classes, references, non-ASCII letters.
ODD_PATTERNS = [
    r"(?:ab)*cd",
    r"x{0}yz|q",
    r"(?:a|)bc",
    r"(?>abc|de)f",
    r"(?:ab)++c",
    r"(?=ab)abc|(?<!x)de",
    r"\bno\s+(?:side|risk)s?\b",
    r"(?-i:Ab)c",
    r"(?x) pain \s* less",
    r"(\w+) \1",
    r"[ab]cd",
    r"\d+ days",
    r"caf\u00e9s?",
    r"stra\u00dfe",
    r"(?:x*)",
    r"",
    r"a|b|c|d|e|f|g|h|i|j",
    r"(?i:K)elvin",
    r"s?kin",
    r"(?:pre|post)?natal",
]
PATTERNS = (
    [pattern for _, pattern, _ in CLAIM_RULES]
    + [rule.pattern for rule in FACT_RULES + CONTRAINDICATION_RULES]
    + [r"\b(?:" + "|".join(tag.patterns) + r")\b" for tag in TAGS]
    + [pattern.pattern for pattern in _OVERVIEW.values()]
    + [_DEFINITION.pattern]
    + [rf"(?<![\w-])({_trie_pattern(VOCABULARY.variants)})(s?)(?![\w-])"]
    + ODD_PATTERNS
)
ODD_CHARACTERS = ["\u0130", "\u0131", "\u017f", "\u212a", "\u00e9", "\u03a3", "\u00df"]


def _texts(count, seed=7):
    """Texts made of the patterns' own words, cut, joined and cased at random."""
    rng = random.Random(seed)
    words = sorted(set(re.findall(r"[A-Za-z]+", " ".join(PATTERNS))))
    words += ["100%", "10 days", "3 to 6 sessions", "is a", "a b c d"]
    spacers = [" ", " ", " ", "-", ". ", ", ", "\n", "? ", "", "'", "_"]
    texts = []
    for _ in range(count):
        pieces = []
        for _ in range(rng.randint(1, 14)):
            word = rng.choice(words)
            if rng.random() < 0.2:
                word = word[: rng.randint(1, len(word))]
            case = rng.random()
            if case < 0.2:
                word = word.upper()
            elif case < 0.4:
                word = word.title()
            if rng.random() < 0.05:
                at = rng.randrange(len(word) + 1)
                word = word[:at] + rng.choice(ODD_CHARACTERS) + word[at:]
            pieces += [word, rng.choice(spacers)]
        texts.append("".join(pieces))
    return texts


TEXTS = _texts(3000) + ["ababcd", "abab cd", "xabcd", "ab", "yzq", "abbc", "abcdef"]


def test_ignorecase_folds_an_ascii_character_as_lower_does_but_for_three():
    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    for code in range(0x20, 0x7F):
        char = chr(code)
        folded = set(re.findall(re.escape(char), every, re.IGNORECASE))
        others = {c for c in folded if c.lower() != char.lower()}
        assert others <= {"\u0130", "\u0131", "\u017f"}, char
    # Nor does lower() change the length of a text but for dotted I.
    assert [c for c in every if len(c.lower()) != 1] == ["\u0130"]
    assert lowered("D\u0131e") is None and lowered("Die") == "die"


@pytest.mark.parametrize("pattern", PATTERNS)
def test_words_test_never_rules_out_a_text_the_pattern_matches(pattern):
    regex = re.compile(pattern, re.IGNORECASE)
    test = words_test(pattern)
    ruled_out = 0
    for text in TEXTS:
        if regex.search(text):
            assert may_match(text, test), text
        elif not may_match(text, test):
            ruled_out += 1
    if needs(pattern):
        assert ruled_out  # it does rule texts out


@pytest.mark.parametrize("pattern", PATTERNS)
def test_finditer_from_first_words_finds_what_the_pattern_finds(pattern):
    regex = re.compile(pattern, re.IGNORECASE)
    first_words = starts(pattern)
    rng = random.Random(pattern)
    for text in TEXTS:
        pos = rng.choice([0, 0, 1, len(text) // 2])
        expected = [(m.span(), m.groups()) for m in regex.finditer(text, pos)]
        found = finditer(regex, text, lowered(text), first_words, pos)
        assert [(m.span(), m.groups()) for m in found] == expected, text


def _with_matches(pattern):
    """Texts holding one to three matches of `pattern` (any case) among words
    of the patterns and characters that fold oddly."""
    match = st.from_regex(re.compile(pattern, re.IGNORECASE))
    filler = st.lists(
        st.sampled_from([" ", "-", ". ", "\n", "x", "No ", "Pain", *ODD_CHARACTERS])
        | st.sampled_from(TEXTS[:50]),
        max_size=4,
    ).map("".join)
    return st.lists(st.tuples(filler, match), min_size=1, max_size=3).map(
        lambda parts: "".join(a + b for a, b in parts)
    )


@pytest.mark.parametrize("pattern", PATTERNS)
@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(data=st.data())
def test_texts_with_matches_are_never_ruled_out_and_their_matches_found(pattern, data):
    text = data.draw(_with_matches(pattern))
    regex = re.compile(pattern, re.IGNORECASE)
    # (The filler before a match can join its first word: then it is none.)
    assert may_match(text, words_test(pattern)) or not regex.search(text)
    expected = [(m.span(), m.groups()) for m in regex.finditer(text)]
    found = finditer(regex, text, lowered(text), starts(pattern))
    assert [(m.span(), m.groups()) for m in found] == expected


def test_first_words_are_known_only_where_every_match_starts_with_a_word():
    assert starts(r"\bpain(less|[- ]free)\b") == ("pain",)
    assert starts(r"(?:ab)*cd") == ("ab", "cd")
    assert starts(r"(?:pre|post)?natal") == ("natal", "postnatal", "prenatal")
    assert starts(r"caf\u00e9") == ("caf",)  # the ASCII letters before
    for pattern in [r"[ab]cd", r"\d+ days", r"(?:x*)", r"", r"\u00e9t\u00e9", r"(\w+)"]:
        assert starts(pattern) is None, pattern
    assert starts("(unclosed") is None and needs("(unclosed") == ()


def test_a_text_with_an_odd_i_or_s_is_never_ruled_out():
    test = words_test(r"\bpainless\b")
    assert not may_match("It is PAINFUL.", test)
    assert may_match("It is PA\u0130NLESS.", test)
    assert re.search(r"\bpainless\b", "pa\u0131nle\u017fs", re.IGNORECASE)
    assert may_match("pa\u0131nle\u017fs", test)
