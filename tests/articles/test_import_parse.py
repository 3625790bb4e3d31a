"""The pure parser: text in, ParsedDocument out, no database."""

import re
from pathlib import Path

import pytest

from articles.importer import parse as parse_module
from articles.importer.decode import decode
from articles.importer.parse import (
    _FUZZY_START,
    _OVERVIEW,
    Names,
    Parser,
    _overview_kinds,
    _sentence_spans,
    escape_markdown,
    parse,
    sentences,
)
from articles.importer.vocabulary import VOCABULARY
from clinic.literals import finditer

DATA = Path(__file__).resolve().parent.parent / "data"
SOURCES = Path(__file__).resolve().parents[2] / "sources"


def parsed(name, folder=DATA):
    text, _ = decode((folder / name).read_bytes())
    return parse(text, name)


def seed(prefix):
    path = next(SOURCES.glob(f"{prefix}_*.txt"))
    return parsed(path.name, SOURCES)


# --- titles ----------------------------------------------------------------------

TITLES = [
    # (document, expected title, rule)
    ("000", "Is Microdermabrasion Effective On Stretch Marks?", "first line"),
    ("001", "Microdermabrasion for Stretch Marks", "first line"),
    ("002", "Understanding Microneedling for Stretch Marks", "first heading"),
    ("003", "Microneedling for Stretch Marks", "treatment for topic"),
    (
        "004",
        "This Simple At-Home Treatment Will Remove Your Stretch Marks & Body Scars",
        "first line",
    ),
]


@pytest.mark.parametrize(("prefix", "title", "rule"), TITLES)
def test_seed_title_follows_the_stated_rule(prefix, title, rule):
    document = seed(prefix)
    assert (document.title, document.title_rule) == (title, rule)


@pytest.mark.parametrize(
    ("text", "title", "rule"),
    [
        ("Short Title\n\nA paragraph of text.", "Short Title", "first line"),
        (
            "A long opening paragraph that says a lot. It has sentences.\n\n"
            "Introduction\n\nText.\n\nThe Real Heading\n\nMore text.",
            "The Real Heading",
            "first heading",
        ),
        (
            "Opening paragraph with no heading at all. Microneedling helps acne. "
            "Acne scars fade with microneedling.",
            "Microneedling for Acne",
            "treatment for topic",
        ),
        (
            "A plain paragraph about nothing in particular, really. And more.",
            "A plain paragraph about nothing in particular, really",
            "first sentence",
        ),
    ],
)
def test_title_derivation_rules(text, title, rule):
    document = parse(text, "doc.txt")
    assert (document.title, document.title_rule) == (title, rule)


def test_duplicated_title_line_is_dropped_and_reported():
    document = parsed("duplicated_title.txt")
    assert document.title == "Microneedling for Acne Scars"
    assert "Microneedling for Acne Scars" not in document.body
    assert any("repeated title line" in d for d in document.dropped)


def test_misspelt_title_is_corrected_and_reported():
    document = seed("000")
    assert document.title == "Is Microdermabrasion Effective On Stretch Marks?"
    assert any(
        c.wrong == "Micodermabrasion" and c.where == "title"
        for c in document.corrections
    )


# --- FAQ shapes --------------------------------------------------------------------

FAQ_SHAPES = [
    # (sample, number of questions, first question, start of its answer)
    (
        "faq_q_dot.txt",
        2,
        "How many microneedling sessions will I need?",
        "Most patients need 3 to 6 sessions",
    ),
    (
        "faq_question_lines.txt",
        3,
        "Is microdermabrasion safe during pregnancy?",
        "It is not recommended for pregnant",
    ),
]


@pytest.mark.parametrize(("sample", "count", "question", "answer"), FAQ_SHAPES)
def test_faq_shapes_become_question_and_answer_pairs(sample, count, question, answer):
    document = parsed(sample)
    assert len(document.faq) == count
    assert document.faq[0].question == question
    assert document.faq[0].answer.startswith(answer)
    assert [q.position for q in document.faq] == list(range(1, count + 1))


def test_faq_block_is_not_copied_into_the_body():
    document = seed("000")
    assert "Frequently Asked Questions" not in document.body
    assert "Q:" not in document.body
    assert "Best results are obtained" not in document.body


def test_seed_faq_block_gives_ten_corrected_questions_in_order():
    questions = [q.question for q in seed("000").faq]
    assert len(questions) == 10
    assert questions[0] == (
        "How Many Microdermabrasion Treatments Are Required Until You See A Difference?"
    )
    assert questions[6] == "Does Microdermabrasion Help For Young People?"
    assert questions[9] == "Can I Have Microdermabrasion On Blackheads?"
    for wrong in ("Dermabration", "Microdermal Abrasion", "Derma Brasion", "basion"):
        assert not any(wrong in q for q in questions)


def test_question_heading_with_several_paragraphs_is_a_section_not_faq():
    document = parsed("question_heading_section.txt")
    assert document.faq == ()
    assert "## How Does Microdermabrasion Help Acne Scars?" in document.body
    assert "Deeper scars need other treatments" in document.body


def test_seed_question_heading_is_a_section():
    document = seed("000")
    headings = [s.heading for s in document.sections]
    assert "How Does Microdermabrasion Get Rid Of Stretch Marks?" in headings
    assert all("Get Rid Of" not in q.question for q in document.faq)


def test_single_question_line_outside_faq_block_is_a_heading():
    document = parse("Title Here\n\nIntro text.\n\nIs It Safe?\n\nYes, mostly.", "x")
    assert document.faq == ()
    assert "## Is It Safe?" in document.body


def test_faq_questions_attach_to_the_treatment_they_name():
    document = parsed("faq_q_dot.txt")
    assert {q.treatment for q in document.faq} == {"microneedling"}


# --- chrome, repeats, encodings ------------------------------------------------------


@pytest.mark.parametrize(
    "chrome",
    [
        "top of page",
        "Read more",
        "Share this",
        "Post a Comment",
        "Skin Care",
        "Get updated with beauty resources, tips, and news",
        ". BELLEMOCHA.com Theme by STS.",
    ],
)
def test_page_chrome_is_removed(chrome):
    documents = [parsed("duplicated_title.txt"), seed("002"), seed("004")]
    for document in documents:
        assert chrome not in document.body
        assert chrome not in document.title


def test_read_more_glued_to_a_paragraph_is_removed():
    document = parsed("duplicated_title.txt")
    assert "The procedure can take from 15 to 60 minutes." in document.body
    assert "Read more" not in document.body


def test_repeated_sections_collapse_to_one_and_are_reported():
    document = seed("002")
    headings = [s.heading for s in document.sections]
    assert headings.count("Conclusion") == 1
    assert headings.count("Preparing for Microneedling Treatment") == 1
    assert headings[-1] == "Conclusion"
    assert "Understanding Microneedling for Stretch Marks" not in document.body
    assert sum("repeated section" in d for d in document.dropped) == 8


@pytest.mark.parametrize(
    ("sample", "title"),
    [
        ("crlf.txt", "Microneedling for Stretch Marks"),
        ("cp1252.txt", 'Microdermabrasion – "what\'s involved"'),
        ("utf16.txt", "Microneedling for Scars"),
    ],
)
def test_line_endings_and_encodings_are_read(sample, title):
    document = parsed(sample)
    assert document.title == title
    assert "\r" not in document.body
    assert document.body


def test_no_break_spaces_and_curly_quotes_are_normalised():
    document = parse("Title\n\nIt\u2019s\u00a0a \u201ctest\u201d of text.", "x")
    assert document.body == 'It\'s a "test" of text.'


# --- treatments, facts, warnings ---------------------------------------------------

MISSPELLINGS = [
    "Micodermabrasion",
    "Microdermabration",
    "microderm abrasian",
    "Micro Derma Brasion",
    "Microdermabasion",
    "Macrodermabrasion",
    "Microdermal Abrasion",
    "micro dermabrasion",
    "Microdermabrassion",  # not in any list: caught by the edit-distance match
]


@pytest.mark.parametrize("wrong", MISSPELLINGS)
def test_misspelt_treatment_names_are_corrected(wrong):
    document = parse(f"About {wrong} Today\n\nText about it.", "x")
    assert "microdermabrasion" in document.title.lower()
    assert wrong not in document.title
    assert document.treatments == ("microdermabrasion",)


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("microderm", "microdermabrasion"),
        ("micro needling", "microneedling"),
        ("micro-needling", "microneedling"),
        ("collagen induction therapy", "microneedling"),
        ("derma roller", "microneedling"),
    ],
)
def test_synonyms_are_recognised_as_the_treatment(name, slug):
    document = parse(f"Title\n\nI tried {name} last year.", "x")
    assert document.primary_treatment == slug


def test_synonyms_are_not_corrected():
    document = parse("Title\n\nI tried microderm and a derma roller.", "x")
    assert document.body == "I tried microderm and a derma roller."


# Characters re.IGNORECASE matches to i, s and k, which str.lower() leaves alone:
# dotted and dotless i, long s, the Kelvin sign.
FOLDED = {"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"}


@pytest.mark.parametrize(
    "odd",
    ["m\u0131crodermabrasion", "microdermabra\u017fion", "M\u0130CRODERMABRASION"],
)
def test_treatment_name_with_dotless_i_or_long_s_is_imported(odd):
    text, _ = decode(next(SOURCES.glob("001_*.txt")).read_bytes())
    document = parse(text.replace("microdermabrasion", odd, 1), "001.txt")
    assert document.primary_treatment == "microdermabrasion"
    assert odd in document.body  # the listed name, left as written


def test_misspelling_with_dotless_i_is_corrected_as_the_plain_misspelling():
    document = parse("Title\n\nI tried m\u0131codermabrasion last year.", "x")
    assert document.body == "I tried microdermabrasion last year."
    assert document.treatments == ("microdermabrasion",)


def test_no_folded_letter_in_or_around_a_treatment_name_makes_the_parser_raise():
    parser = Parser()
    for variant in sorted(VOCABULARY.variants):
        spellings = set()
        for odd, plain in FOLDED.items():
            for at in range(len(variant) + 1):
                spellings.add(variant[:at] + odd + variant[at:])
                spellings.add(variant[:at] + odd + variant[at + 1 :])
            spellings.add(variant.replace(plain, odd))
            spellings.add(variant.title().replace(plain.upper(), odd))
        for name in sorted(spellings):
            text = f"{name.title()} Guide\n\nI tried {name} and {name}s. {name}."
            document = parser.parse(text, "x")  # raises nothing
            assert document.title


def test_treatment_facts_keep_their_sentence():
    facts = {(f.treatment, f.kind, f.value): f.quote for f in seed("003").facts}
    assert facts[("microneedling", "interval", "Every 4 to 6 weeks")].startswith(
        "Multiple sessions, usually spaced 4-6 weeks apart"
    )
    assert ("microneedling", "session_length", "15 to 60 minutes") in facts


def test_contraindications_are_found_with_their_reason():
    found = {c.condition: c for c in seed("000").contraindications}
    assert set(found) >= {
        "Chemical peel within the last 14 days",
        "Pregnant or nursing",
        "Under 14 years old",
    }
    peel = found["Chemical peel within the last 14 days"]
    assert "in the last 14 days" in peel.quote
    assert peel.reason.startswith("The two exfoliating procedures")


def test_missing_list_is_a_warning_not_a_fix():
    document = seed("000")
    assert any(
        "Here's a list of possible stretch marks treatments:" in w
        for w in document.warnings
    )
    assert "Here's a list of possible stretch marks treatments:" in document.body


def test_cut_off_sentence_is_a_warning():
    document = parse("Title\n\nThis sentence stops in the middle of a thought and", "x")
    assert any("sentence cut off" in w for w in document.warnings)
    answer_8 = seed("000").faq[7]
    assert any('before "Your"' in w for w in answer_8.warnings)


def test_tags_come_from_the_controlled_vocabulary():
    assert seed("001").tags == ("stretch marks",)
    assert "pregnancy" in seed("000").tags


# --- markup is text -------------------------------------------------------------------


def test_markup_in_a_source_is_escaped_in_markdown():
    document = parsed("hostile_markup.txt")
    assert "<script>" not in document.body
    assert "&lt;script&gt;" in document.body
    assert "&lt;img src=x onerror=alert(2)&gt;" in document.body
    assert "\\[click\\]" in document.body
    assert "\\# Not a heading" in document.body


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("a < b & c > d", "a &lt; b &amp; c &gt; d"),
        ("# hash", "\\# hash"),
        ("1. one", "1\\. one"),
        ("*bold* _it_", "\\*bold\\* \\_it\\_"),
    ],
)
def test_escape_markdown(text, escaped):
    assert escape_markdown(text) == escaped


def test_overview_sentences_are_clinical_statements_not_first_person():
    from articles.importer.parse import parse

    text = (
        "Microneedling for Scars\n\n"
        "I tried microneedling and it helped my scars a lot.\n\n"
        "The procedure involves a device with fine needles that make tiny wounds. "
        "Microneedling can improve the texture of scars over several sessions.\n"
    )
    overview = parse(text, "doc.txt").overview["microneedling"]
    assert overview["how"] == (
        "The procedure involves a device with fine needles that make tiny wounds.",
    )
    assert overview["helps"] == (
        "Microneedling can improve the texture of scars over several sessions.",
    )


def test_merge_overview_adds_each_sentence_once_and_escapes_markup():
    from articles.importer.parse import merge_overview

    overview = {"how": ("A device <script>x</script> is rolled over the skin.",)}
    once = merge_overview("", overview)
    assert "## How it is done" in once
    assert "<script>" not in once
    assert merge_overview(once, overview) == once
    twice = merge_overview(once, {"helps": ("It can improve the tone of scars.",)})
    assert twice.index("What it can help with") < twice.index("How it is done")


# --- shortcuts that must not change the result -----------------------------------

PARAGRAPHS = [
    "Microdermabrasion works. Does micro derma brasion hurt? (Not much.) Fine!",
    '"Microneedling helps." It is also called collagen induction therapy… Mikro',
    "Many patients ask about microdermabrasian. Then micodermabrasion. 1 to 2 days.",
    "  Leading space. Trailing space.  ",
    " ".join(["Microdermabrasion."] * 55 + ["Then microdermabrasian helps."]),
]


@pytest.mark.parametrize("text", PARAGRAPHS)
def test_sentence_spans_cut_the_sentences_sentences_cuts(text):
    spans = _sentence_spans(text)
    assert [text[start:end] for start, end in spans] == sentences(text)


@pytest.mark.parametrize("text", PARAGRAPHS)
def test_names_in_a_sentence_are_those_found_in_the_sentence_alone(text):
    names = Names()
    for start, end in _sentence_spans(text):
        expected = names.mentions(text[start:end])
        assert names.mentions_in(text, start, end) == expected
        with names.remembering():
            assert names.mentions_in(text, start, end) == expected


@pytest.mark.parametrize(
    "line",
    ["Good for skin. Read More »", "Good. CONTINUE READING", "Good. Contınue reading"],
)
def test_trailing_read_more_is_removed_in_any_case(line):
    document = parse(f"Title\n\n{line}")
    assert document.sections[0].blocks[0].text.startswith("Good")
    assert "read" not in document.body.lower()


def test_tag_patterns_count_what_word_bounded_alternations_count():
    text = (
        "stretchmarks, stretch-marks and striae; scarring, scar tissue, xscars "
        "clogged pores. at-home kits, home microdermabrasion kit; agingprocess, "
        "hyper pigmentation, darkspots. breastfeeding_ nursing pregnant"
    )
    for tag, pattern, has_words, first_words in VOCABULARY.tag_res:
        plain = re.compile(r"\b(?:" + "|".join(tag.patterns) + r")\b")
        assert pattern.findall(text) == plain.findall(text), tag.name
        found = finditer(pattern, text, text, first_words)
        assert [m.span() for m in found] == [m.span() for m in plain.finditer(text)]
        for match in pattern.finditer(text):  # each holds the words the tag needs
            assert has_words(match.group())


def test_fuzzy_start_finds_what_the_plainly_written_pattern_finds():
    plain = re.compile(r"(?<![\w-])m[aiy][ck][a-z]*(?:[ -][a-z]+){0,2}", re.IGNORECASE)
    texts = PARAGRAPHS + [
        "Mic. MYKRO derm, mac-micro xmicro -micro _micro micro_ m\u0131cro Mıkro",
        "micro",
        "Ma",
    ]
    for text in texts:
        assert [m.span() for m in _FUZZY_START.finditer(text)] == [
            m.span() for m in plain.finditer(text)
        ]
    # (?-i:[Mm]) is IGNORECASE's "m": no other character folds to it.
    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    assert re.findall("m", every, re.IGNORECASE) == ["M", "m"]


OVERVIEW_TEXTS = [
    "The device is gently pressed on the skin. It helps fade stretch marks.",
    "Microneedling improves the texture of acne scars over a few months.",
    "Tiny needles create micro-injuries. The session usually begins with a cream.",
    "A wand is passed over the face. Nothing else here.",
    "It evens out skin tone. It reduces the appearance of fine lines.",
    "It helps. Scars remain.",  # both word groups, no match in one sentence
    "Th\u0130s procedure begins. It \u0130mproves \u017fcars.",  # what lower() misses
    "Nothing to see here at all.",
]


@pytest.mark.parametrize("text", OVERVIEW_TEXTS + PARAGRAPHS)
def test_overview_kinds_never_rule_out_a_pattern_that_matches(text):
    kinds = _overview_kinds(text)
    for kind, pattern in _OVERVIEW.items():
        if pattern.search(text):
            assert kind in kinds, kind


def test_overview_words_rule_out_paragraphs_with_none_of_them():
    assert _overview_kinds("Nothing to see here at all.") == set()
    assert _overview_kinds("It helps. Scars remain.") == {"helps"}
    assert parse_module._lowered("\u0130") is None  # then nothing is ruled out
    assert _overview_kinds("\u0130") == set(_OVERVIEW)


def test_body_is_rendered_once_and_the_same_as_render_body():
    document = parse("Title\n\nHeading\n\nSome text here. And more.\n\n- an item")
    assert document.body == parse_module.render_body(document.sections)
    assert document.body is document.body
