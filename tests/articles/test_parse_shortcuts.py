"""
The parser's shortcuts, each compared with the plainer code it stands in for,
over texts made of what sources hold: treatment names and their misspellings,
the rules' words, sentence ends, list markers, odd spaces and characters that
case-insensitive matching folds (dotted and dotless i, long s, the Kelvin sign).
"""

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.importer import parse as parse_module
from articles.importer.parse import (
    _DEFINITION,
    _EXPLAINS,
    _OVERVIEW,
    _PERSONAL,
    _PERSONAL_FAST,
    _RUN_ON,
    _SENTENCE_SPLIT,
    _TRANSLATION,
    _WORD,
    TAG_MIN_MENTIONS,
    _definition_rank,
    _is_name,
    _overview_kinds,
    _pieces,
    _run_ons,
    _shingles,
    _words,
    normalise,
    parse,
)
from articles.importer.vocabulary import (
    _FOLDS,
    FACT_RULES,
    VOCABULARY,
    _first_letters,
    _trie,
    _trie_pattern,
)
from clinic.literals import finditer, lowered

SHORTCUT_SETTINGS = settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

NAMES = sorted(VOCABULARY.variants) + [
    "Microdermabrassion",
    "MICRONEEDLING",
    "Micro-Needling",
    "micro\nneedling",
    "Macro derm",
    # Spelt with letters IGNORECASE folds and lower() keeps (a KeyError in scan()
    # once): found as the plain spelling.
    "m\u0131croneedling",
    "M\u0130CRODERMABRASION",
    "microdermabra\u017fion",
    "micro \u017f\u212ain abrasion",
    "m\u0131coderm abrasion",
]
WORDS = (
    NAMES
    + sorted(set(re.findall(r"[a-z]{3,}", " ".join(r.pattern for r in FACT_RULES))))
    + sorted(
        set(re.findall(r"[a-z]{3,}", " ".join(p.pattern for p in _OVERVIEW.values())))
    )
    + ["The", "This", "It", "We", "You", "Many", "Most", "There", "Your", "I", "I'm"]
    + ["my", "me", "we", "our", "is a", "involves", "uses", "What is", "also known as"]
    + ["stretch marks", "scars", "acne", "at-home", "home kit", "pregnant", "2", "10"]
    + ["collagen", "nursing", "at home", "a baby", "wrinkles", "dark spots", "ABC"]
)
MARKS = [" ", " ", " ", "  ", ". ", "? ", "! ", "… ", ", ", '." ', ".) ", "-", "- "]
MARKS += ["\n", "\n\n", ":", "'", "_", "1. ", "\t", "\u00a0", "\u2019", "\x07", "\r\n"]
ODD = ["\u0130", "\u0131", "\u017f", "\u212a", "\u00e9", "\u00e0", "\u03a3", "\u200b"]


def _cased(word, case):
    return [word, word.upper(), word.title(), word.lower()][case]


def texts(max_size=30):
    """Text of the sources' kind: words in any case, marks and odd characters."""
    word = st.builds(_cased, st.sampled_from(WORDS), st.integers(0, 3))
    piece = word | st.sampled_from(MARKS) | st.sampled_from(ODD)
    return st.lists(piece, max_size=max_size).map("".join)


def lines():
    return st.lists(texts(12).map(lambda t: t.replace("\n", " ").strip()), max_size=8)


@SHORTCUT_SETTINGS
@given(texts())
def test_sentence_breaks_found_from_the_mark_are_the_lookbehind_splits(text):
    spans, start = [], 0
    for m in _SENTENCE_SPLIT.finditer(text):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    assert _pieces(text) == spans
    pieces = parse_module._sentence_spans(text)
    assert [text[a:b] for a, b in pieces] == parse_module.sentences(text)


@SHORTCUT_SETTINGS
@given(texts() | texts(4))
def test_personal_fast_matches_where_personal_does(text):
    assert bool(_PERSONAL_FAST.search(text)) == bool(_PERSONAL.search(text))


PERSONAL_CASES = ["I", "I'm", "my", "me", "we", "our", "Ours", "mean", "Iowa", "four"]
PERSONAL_CASES += ["sweden", "omy", "_me", "me_", "ééwe", "-our-", "I2", "2I"]


def test_personal_fast_matches_each_personal_word_alone():
    for word in PERSONAL_CASES:
        for text in (word, f"So {word}.", f"x{word} y", f"{word}y"):
            expected = bool(_PERSONAL.search(text))
            assert bool(_PERSONAL_FAST.search(text)) == expected, text


@SHORTCUT_SETTINGS
@given(texts())
def test_run_ons_are_the_run_on_pattern_matches(text):
    expected = [(m.start(), m.end(), m.group("word")) for m in _RUN_ON.finditer(text)]
    assert list(_run_ons(text)) == expected


def test_run_ons_need_no_word_character_before_the_lower_case_word():
    for before in ["", " ", "X", "1", "_", "\u00e9", "-", "'", "ab ", "The "]:
        for text in (
            f"{before}abc The rest",
            f"{before}ab The x",
            f"{before}abcd It  ",
        ):
            expected = [(m.span(), m.group("word")) for m in _RUN_ON.finditer(text)]
            found = [((start, end), word) for start, end, word in _run_ons(text)]
            assert found == expected, text


def _normalise_in_steps(text):
    """normalise() as it was: translation, then control characters, then spaces
    line by line."""
    import unicodedata

    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n\n")
    text = "".join(_TRANSLATION.get(c, c) for c in text)
    text = re.sub(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]", "", text)
    return "\n".join(re.sub(r" {2,}", " ", line).strip() for line in text.split("\n"))


@SHORTCUT_SETTINGS
@given(texts() | st.text(max_size=60))
def test_normalise_in_one_pass_is_the_steps_it_replaces(text):
    assert normalise(text) == _normalise_in_steps(text)


@SHORTCUT_SETTINGS
@given(texts() | st.text(max_size=60))
def test_words_are_what_the_word_pattern_finds(text):
    lower = text.lower()
    assert _words(lower) == _WORD.findall(lower)


@SHORTCUT_SETTINGS
@given(st.lists(st.sampled_from(["a", "b", "c", "it's", "1"]), max_size=12), st.data())
def test_shingles_as_tuples_compare_as_the_joined_runs(words, data):
    other = data.draw(st.lists(st.sampled_from(["a", "b", "c", "it's"]), max_size=12))

    def joined(ws):
        return {" ".join(ws[i : i + 3]) for i in range(max(1, len(ws) - 2))}

    assert len(_shingles(words)) == len(joined(words))
    shared = len(_shingles(words) & _shingles(other))
    assert shared == len(joined(words) & joined(other))


def test_first_letters_class_holds_every_character_ignorecase_matches_them():
    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    for letter in sorted(char for char in _trie(VOCABULARY.variants) if char):
        matched = set(re.findall(letter, every, re.IGNORECASE))
        assert matched == set(letter + letter.upper() + _FOLDS.get(letter, ""))
    assert _first_letters(["x y", "1ab"]).startswith("(?=")  # not letters: as before


PLAIN_VARIANT_RE = re.compile(
    rf"(?<![\w-])({_trie_pattern(VOCABULARY.variants)})(s?)(?![\w-])", re.IGNORECASE
)


@SHORTCUT_SETTINGS
@given(texts())
def test_variant_pattern_and_its_first_words_find_what_the_plain_trie_finds(text):
    expected = [(m.span(), m.groups()) for m in PLAIN_VARIANT_RE.finditer(text)]
    fast = VOCABULARY.variant_re
    assert [(m.span(), m.groups()) for m in fast.finditer(text)] == expected
    found = finditer(fast, text, lowered(text), VOCABULARY.variant_starts)
    assert [(m.span(), m.groups()) for m in found] == expected
    lower = lowered(text)
    if expected and lower is not None:  # a hint is in every text with a name
        assert any(hint in lower for hint in VOCABULARY.variant_hints)
    assert (parse_module.Names().known(text) > 0) == bool(expected)


@SHORTCUT_SETTINGS
@given(lines())
def test_names_of_lines_are_the_names_of_the_lines_joined(lines_):
    names = parse_module.Names()
    with names.remembering():
        assert names.mentions_of_lines(lines_) == names.mentions("\n".join(lines_))


def test_names_of_lines_cover_a_name_cut_by_a_line_break_and_many_names():
    names = parse_module.Names()
    for lines_ in (
        ["Ask about micro", "needling today."],
        ["derma -", "- roller"],
        ["Micro", "derma", "brasion is fine"],
        ["microdermabrassion and microneedling. " * 30, "microdermabrassion"],
        ["\u00e9micro", "needling"],
    ):
        assert names.mentions_of_lines(lines_) == names.mentions("\n".join(lines_))


def _definition_rank_plainly(sentence, following, names):
    """_definition_rank() without the tests that rule sentences out early."""
    m = sentence.endswith("?") and parse_module._WHAT_IS.search(sentence)
    if m and _EXPLAINS.match(following) and _is_name(m.group("name"), names):
        return 1
    m = _DEFINITION.match(sentence)
    if not m or not _is_name(m.group("name"), names):
        return None
    if m.group("aka"):
        return 0
    return parse_module._DEFINITION_VERB_RANK.get(m.group("verb").lower(), 3)


@SHORTCUT_SETTINGS
@given(texts(8), texts(4))
def test_definition_rank_is_the_plain_rank(sentence, following):
    names = parse_module.Names()
    expected = _definition_rank_plainly(sentence, following, names)
    assert _definition_rank(sentence, following, names) == expected


def test_definition_rank_still_finds_definitions():
    names = parse_module.Names()
    for sentence in (
        "Microneedling is a procedure.",
        "Micro-needling, also known as collagen induction therapy, uses needles.",
        "MICRODERMABRASSION involves crystals.",
    ):
        assert _definition_rank(sentence, "", names) is not None, sentence


def _tags_plainly(title, text, min_mentions=TAG_MIN_MENTIONS):
    """Parser._tags() with each tag's plainly written pattern, counting all."""
    found, best_topic, best = [], "", 0
    text, title = text.lower(), title.lower()
    for tag in VOCABULARY.tags:
        pattern = re.compile(r"\b(?:" + "|".join(tag.patterns) + r")\b")
        count = len(pattern.findall(text))
        if title and pattern.search(title):
            count += min_mentions
        if count >= min_mentions:
            found.append(tag.name)
            if tag.topic and count > best:
                best_topic, best = tag.topic, count
    return tuple(sorted(found)), best_topic


@SHORTCUT_SETTINGS
@given(texts(12), texts(), st.sampled_from([1, 2]))
def test_tags_are_those_the_plain_patterns_give(title, text, min_mentions):
    parser = parse_module.Parser()
    expected = _tags_plainly(title, text, min_mentions)
    assert parser._tags(title, text, min_mentions) == expected


def test_tags_that_are_not_topics_need_enough_mentions():
    parser = parse_module.Parser()
    for text in ("Collagen.", "Collagen and collagen.", "nursing, a baby", "at home"):
        for title in ("", "Collagen"):
            for min_mentions in (1, 2):
                expected = _tags_plainly(title, text, min_mentions)
                assert parser._tags(title, text, min_mentions) == expected


@SHORTCUT_SETTINGS
@given(texts())
def test_overview_kinds_never_rule_out_a_kind_whose_pattern_matches(text):
    kinds = _overview_kinds(text)
    for kind, pattern in _OVERVIEW.items():
        if pattern.search(text):
            assert kind in kinds


def test_a_document_parsed_twice_is_parsed_the_same_and_nothing_is_kept():
    parser = parse_module.Parser()
    text = (
        "Micro Needling Guide\n\nMicro needling is a treatment. It helps fade "
        "scars. The device is gently pressed on the skin.\n\nFAQ\n\nQ: Does it "
        "hurt?\n\nA: It is painless. Spaced 4-6 weeks apart."
    )
    first = parser.parse(text, "a.txt")
    assert parser._split is None and parser.names._scans is None
    assert parser.parse(text, "a.txt") == first == parse(text, "a.txt")


@SHORTCUT_SETTINGS
@given(texts(12), st.lists(texts(3), max_size=12).map(" ".join))
def test_no_text_of_names_and_folded_letters_makes_the_parser_raise(title, text):
    document = parse(f"{title}\n\n{text}", "x.txt")
    assert set(document.treatments) <= set(VOCABULARY.by_slug)
