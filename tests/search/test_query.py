"""The query parser is pure: no database."""

from hypothesis import given
from hypothesis import strategies as st

from clinic.search import query as parser


def test_symbols_separate_words_and_never_survive():
    parsed = parser.parse("NEAR( acne* -scars AND:^ don't @x")
    assert parsed.text() == "near acne scars x"


def test_quotes_make_a_phrase_and_an_unbalanced_quote_runs_to_the_end():
    assert parser.parse('"stretch marks" pregnancy').text() == (
        '"stretch marks" pregnancy'
    )
    assert parser.parse('pregnancy "stretch marks').text() == (
        'pregnancy "stretch marks"'
    )


def test_accents_and_case_fold():
    assert parser.parse("CAFÉ Peeling").text() == "cafe peeling"


def test_stop_words_are_dropped_outside_phrases_only():
    assert parser.parse("the scars").text() == "scars"
    assert parser.parse('"marks after pregnancy"').text() == ('"marks after pregnancy"')
    assert not parser.parse("the and of")


def test_long_queries_are_cut_and_say_so():
    parsed = parser.parse("acne " * 3000)
    assert parsed.was_cut
    many = parser.parse(" ".join(f"word{i}" for i in range(20)))
    assert many.was_cut and len(many.units) == parser.MAX_UNITS


def test_synonym_expansion_matches_the_longest_name():
    groups = parser.synonym_groups(
        [["microneedling", "micro needling", "derma roller"], ["micro", "tiny"]]
    )
    expanded = parser.expand(parser.parse("micro needling scars"), groups)
    first = expanded.units[0]
    assert first.words == ("micro", "needling")
    assert ("microneedling",) in first.alternatives
    assert ("derma", "roller") in first.alternatives
    assert expanded.units[1].words == ("scars",)


def test_synonyms_fold_hyphens_and_case():
    groups = parser.synonym_groups([["Micro-Dermabrasion", "microderm"]])
    expanded = parser.expand(parser.parse("MICRODERM"), groups)
    assert ("micro", "dermabrasion") in expanded.units[0].alternatives


def test_best_correction_prefers_closest_then_most_frequent():
    candidates = [("microdermabrasion", 40), ("microneedling", 30)]
    assert parser.best_correction("micodermabrasion", candidates) == (
        "microdermabrasion"
    )
    assert parser.best_correction("laser", [("lasers", 9)]) is None
    assert parser.best_correction("xyzzy", candidates) is None
    assert parser.best_correction("acn", [("acne", 5)]) is None


def test_edit_distance():
    assert parser.edit_distance("kitten", "sitting") == 3
    assert parser.edit_distance("abc", "abc") == 0
    assert parser.edit_distance("abc", "abd", limit=3) == 1


def test_joins_offer_words_typed_apart():
    parsed = parser.parse("microderm abrasion")
    assert (0, 2, "microdermabrasion") in parser.joins(parsed)
    joined = parser.join(parsed, 0, 2, "microdermabrasion")
    assert joined.units[0].choices == (
        ("microdermabrasion",),
        ("microderm", "abrasion"),
    )


def test_corrected_text_replaces_only_corrected_words():
    parsed = parser.with_alternative(
        parser.parse("micodermabrasion scars"), "micodermabrasion", "microdermabrasion"
    )
    assert parser.corrected_text(parsed) == "microdermabrasion scars"


@given(st.text(max_size=400))
def test_parse_never_raises_and_emits_only_letters_and_digits(text):
    parsed = parser.parse(text)
    for word in parsed.words():
        assert word and all(c.isalnum() for c in word)
        assert len(word) <= parser.MAX_TOKEN_CHARS
    assert len(parsed.units) <= parser.MAX_UNITS
