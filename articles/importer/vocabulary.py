"""
What the importer knows about clinic pages, kept apart from the parsing code so an
editor-minded engineer can extend it without reading the parser: treatment names and
their misspellings and synonyms, the controlled tag vocabulary, page chrome, and the
sentence patterns that state treatment facts and contraindications.

Everything is compiled once, at import time (`VOCABULARY`), and shared by every
document a run parses.
"""

import re
from dataclasses import dataclass, field

from clinic.literals import starts, words_test


@dataclass(frozen=True)
class TreatmentName:
    """A treatment the clinic offers and every way the sources spell it.

    `misspellings` are corrected wherever the importer writes prose (titles,
    headings, questions, answers, bodies) and each correction is reported.
    `synonyms` are other correct names: recognised as the treatment, left as written.
    Both are written to `Treatment.synonyms` so search finds the page by them.
    `fuzzy_key` is the name with letters only, used to catch misspellings that
    no list foresaw (bounded edit distance, see `parse.fuzzy_treatment`).
    """

    slug: str
    name: str
    misspellings: tuple[str, ...]
    synonyms: tuple[str, ...]
    fuzzy_key: str
    max_distance: int = 3


TREATMENTS = (
    TreatmentName(
        slug="microdermabrasion",
        name="Microdermabrasion",
        misspellings=(
            "micodermabrasion",
            "microdermabration",
            "microderm abrasian",
            "microderm abrasion",
            "micro derma brasion",
            "micro dermabrasion",
            "micro-dermabrasion",
            "micro dermabration",
            "microdermabasion",
            "macrodermabrasion",
            "microdermal abrasion",
            "micoderm abrasion",
            "microdermabrasian",
            "microdermibration",
            "microdermabrassion",
            "microdermabraision",
        ),
        synonyms=("microderm", "microabrasion", "micro skin abrasion"),
        fuzzy_key="microdermabrasion",
    ),
    TreatmentName(
        slug="microneedling",
        name="Microneedling",
        misspellings=(
            "micro needling",
            "micro-needling",
            "microneedeling",
            "micro needeling",
            "microneedleing",
            "micronedling",
        ),
        synonyms=(
            "collagen induction therapy",
            "derma roller",
            "derma rollers",
            "dermaroller",
            "derma rolling",
            "skin needling",
            "body needling",
        ),
        fuzzy_key="microneedling",
        max_distance=2,
    ),
)


@dataclass(frozen=True)
class Tag:
    """A tag of the controlled vocabulary and the phrases that signal it."""

    name: str
    patterns: tuple[str, ...]
    # Topic tags name what a page is about; the "<Treatment> for <Topic>" title rule
    # uses the most frequent one.
    topic: str = ""


TAGS = (
    Tag("stretch marks", (r"stretch[ -]?marks?", r"striae"), topic="Stretch Marks"),
    Tag("scars", (r"scars?", r"scarring", r"scar tissue"), topic="Scars"),
    Tag("acne", (r"acne", r"blackheads?", r"clogged pores?"), topic="Acne"),
    Tag("collagen", (r"collagen",)),
    Tag(
        "pregnancy",
        (r"pregnan\w*", r"nursing", r"breastfeeding", r"gave birth", r"a baby"),
    ),
    Tag(
        "at-home care",
        (
            r"at[ -]home",
            r"home (?:microdermabrasion )?kits?",
            r"personal[ -]use",
            r"over the counter",
        ),
    ),
    Tag(
        "anti-ageing",
        (r"wrinkles?", r"fine lines", r"ag(?:e)?ing process", r"younger[ -]looking"),
        topic="Ageing Skin",
    ),
    Tag(
        "pigmentation",
        (r"hyper ?pigmentation", r"liver spots", r"dark spots"),
        topic="Pigmentation",
    ),
)
# A tag is given when its phrases occur this often in a page (or once in its title).
TAG_MIN_MENTIONS = 2


# Lines that are page furniture, not content; matched against a whole line,
# case-insensitively, after whitespace is normalised.
CHROME_LINES = (
    r"post a comment",
    r"leave a (?:comment|reply)",
    r"\d+ comments?",
    r"no comments?:?",
    r"\.?\s*[\w.-]+\.(?:com|net|org|co\.uk) theme by .*",
    r"(?:blog )?theme by .*",
    r"powered by (?:blogger|wordpress|wix|squarespace)\.?",
    r"get updated with beauty resources, tips,? and news\.?",
    r"subscribe(?: to (?:our|the) newsletter)?\.?",
    r"sign up for our newsletter\.?",
    r"(?:back to |go to )?top of (?:the )?page",
    r"back to top",
    r"read more(?: »| >>|\.\.\.|…)?",
    r"continue reading.*",
    r"share (?:this|on \w+).*",
    r"(?:tweet|pin it|like|share|email|print)",
    r"skip to (?:main )?content",
    r"(?:home|menu|search|contact us|about us)",
    r"(?:copyright )?© .*",
    r"copyright \d{4}.*",
    r"all rights reserved\.?",
    r"this site uses cookies.*",
    r"(?:previous|next|older|newer) (?:post|article|entry)s?.*",
    r"posted by .*",
    r"labels?: .*",
    r"related (?:posts|articles):?",
)
# Category lines ("Skin Care") are chrome only right after the title, where blog
# themes print them; elsewhere the same words may be a real section heading.
CATEGORY_LINES = (
    r"skin ?care",
    r"beauty",
    r"uncategori[sz]ed",
    r"health(?: & beauty| and beauty)?",
    r"treatments?",
    r"body care",
    r"face",
    r"news",
)
# "... Read more" glued to the end of a paragraph.
TRAILING_CHROME_WORDS = ("read more", "continue reading")
TRAILING_CHROME = (
    r"\s*(?:\.{3}|…)?\s*\b(?:" + "|".join(TRAILING_CHROME_WORDS) + r")\s*(?:»|>>)?$"
)

FAQ_HEADINGS = (
    r"(?:frequently asked questions|faqs?|common questions|questions and answers"
    r"|questions & answers|q ?& ?a|your questions answered)"
)
# Headings that never make a good page title (the title rule skips them).
GENERIC_HEADINGS = (
    r"(?:introduction|intro|conclusion|in conclusion|summary|overview|contents"
    r"|table of contents|final thoughts|the bottom line|bottom line)"
)
# Sections that close an article: kept last when repeated copies are merged.
CLOSING_HEADINGS = (
    r"(?:conclusion|in conclusion|summary|final thoughts|the bottom line|bottom line)"
)


@dataclass(frozen=True)
class FactRule:
    """A sentence pattern stating one structured fact. `value` is a format string
    over the pattern's named groups; a callable may normalise them first."""

    kind: str
    pattern: str
    value: str
    # The pattern runs only on text containing one of these (lower case): a
    # substring test is far cheaper than a regular expression over every page.
    keywords: tuple[str, ...] = ()


FACT_RULES = (
    FactRule(
        "sessions",
        r"(?P<a>\d+)\s*(?:to|-|–)\s*(?P<b>\d+)\s+(?:professional\s+)?"
        r"(?:sessions|treatments|abrasions|procedures)",
        "{a} to {b} sessions",
    ),
    FactRule(
        "sessions",
        r"\b(?P<w>multiple|several|a series of)\s+(?:sessions|treatments)",
        "{W} sessions",
        ("multiple", "several", "series"),
    ),
    FactRule(
        "interval",
        r"(?:spaced|every|once every)\s+(?P<a>\d+)\s*(?:to|-|–)\s*(?P<b>\d+)\s+"
        r"(?P<u>weeks|days|months)(?: apart)?",
        "Every {a} to {b} {u}",
        ("spaced", "every"),
    ),
    FactRule(
        "session_length",
        r"\b(?:takes?|lasts?)\s+(?:from\s+|about\s+|around\s+)?(?P<a>\d+)\s*"
        r"(?:to|-|–)\s*(?P<b>\d+)\s+(?P<u>minutes|hours)",
        "{a} to {b} {u}",
        ("take", "last"),
    ),
    FactRule(
        "downtime",
        r"\b(?:redness|symptoms)\b[^.!?]{0,200}?"
        r"\b(?:fades?|subsides?|resolves?|goes away)\b[^.!?]{0,80}?\b(?:in|within)\s+"
        r"(?P<span>a few (?:hours|days)|\d+\s*(?:to\s*\d+\s*)?(?:hours|days))",
        "Redness fades within {span}",
        ("redness", "symptoms"),
    ),
    FactRule(
        "downtime",
        r"redness\b[^.]*\bexpected\b[^.]*\bdays following",
        "Some redness for a few days",
        ("expected",),
    ),
    FactRule("results", r"\binstant results\b", "Instant", ("instant",)),
    FactRule(
        "results",
        r"results (?:may|might|will) not be immediate",
        "Gradual, not immediate",
        ("immediate",),
    ),
    FactRule(
        "results",
        r"one month of use for a personal",
        "About one month with a home kit",
        ("one month",),
    ),
    FactRule(
        "discomfort", r"numbing cream", "A numbing cream is applied first", ("numbing",)
    ),
    FactRule(
        "discomfort",
        r"(?:painless|minimal discomfort|mild discomfort)",
        "Minimal discomfort",
        ("painless", "discomfort"),
    ),
    FactRule(
        "discomfort",
        r"\bis not painful\b",
        "Not painful when superficial",
        ("not painful",),
    ),
    FactRule(
        "aftercare",
        r"(?:sun protection|direct sun exposure|avoid(?:ing)? (?:the )?sun)",
        "Protect the skin from the sun",
        ("sun",),
    ),
    FactRule(
        "aftercare",
        r"cream is applied to the treated area",
        "A healing cream is applied after the session",
        ("cream is applied",),
    ),
)


@dataclass(frozen=True)
class ContraindicationRule:
    """A sentence pattern stating who should not have a treatment. The reason is
    the sentence's own "because ..." clause when it has one."""

    condition: str
    pattern: str
    keywords: tuple[str, ...] = ()


CONTRAINDICATION_RULES = (
    ContraindicationRule(
        "Chemical peel within the last {days} days",
        r"(?:chemical peel|acid peel|peeling)\b[^.!?]{0,200}?\blast (?P<days>\d+) days",
        ("peel",),
    ),
    ContraindicationRule(
        "Pregnant or nursing",
        r"(?:not recommended for pregnant|during pregnancy and nursing"
        r"|while (?:pregnant|nursing|breastfeeding)|wait until you deliver)",
        ("pregnan", "nursing", "breastfeeding", "deliver"),
    ),
    ContraindicationRule(
        "Under {age} years old",
        r"\b(?:aged|age of) (?P<age>\d+) (?:and|or) older",
        ("older",),
    ),
    ContraindicationRule(
        "On the {area}",
        r"except for the (?P<area>feet|eyelids|lips|neck|hands)\b",
        ("except for",),
    ),
    ContraindicationRule(
        "Active skin infection or open wounds",
        r"(?:active (?:acne|infection|skin infection)|open wounds?)\b[^.]*"
        r"\b(?:should not|shouldn't|avoid|not suitable|not recommended)",
        ("wound", "infection"),
    ),
)


@dataclass
class Vocabulary:
    """The compiled vocabulary: build once, share across documents."""

    treatments: tuple[TreatmentName, ...] = TREATMENTS
    tags: tuple[Tag, ...] = TAGS
    by_slug: dict = field(init=False)
    variant_re: re.Pattern = field(init=False)
    variants: dict = field(init=False)
    canonical_re: re.Pattern = field(init=False)
    variant_starts: tuple = field(init=False)
    variant_hints: tuple = field(init=False)
    leading_words: frozenset = field(init=False)
    tag_res: tuple = field(init=False)
    chrome_re: re.Pattern = field(init=False)
    category_re: re.Pattern = field(init=False)
    trailing_chrome_re: re.Pattern = field(init=False)
    faq_heading_re: re.Pattern = field(init=False)
    generic_heading_re: re.Pattern = field(init=False)
    closing_heading_re: re.Pattern = field(init=False)
    fact_res: tuple = field(init=False)
    contraindication_res: tuple = field(init=False)

    def __post_init__(self):
        self.by_slug = {t.slug: t for t in self.treatments}
        # variant (lower case, single spaces) -> (slug, is_misspelling)
        self.variants = {}
        for t in self.treatments:
            self.variants[t.name.lower()] = (t.slug, False)
            for s in t.synonyms:
                self.variants[s.lower()] = (t.slug, False)
            for m in t.misspellings:
                self.variants[m.lower()] = (t.slug, True)
        # One trie-shaped pattern (about 3x faster than a flat alternation: the
        # parser scans every sentence with it); the longest variant wins, so
        # "microderm abrasion" over "microderm". Spaces and hyphens in a variant
        # match any run of either. It starts with the variants' first letters, so
        # the engine skips to them (see _first_letters()).
        self.variant_re = re.compile(
            rf"({_first_letters(self.variants)})(s?)(?![\w-])", re.IGNORECASE
        )
        # The words its matches start with (clinic.literals.finditer()), read
        # from the plainly written pattern, which matches the same.
        self.variant_starts = starts(
            rf"(?<![\w-])({_trie_pattern(self.variants)})(s?)(?![\w-])"
        )
        self.canonical_re = self.variant_re
        # In lower-cased text, a few letters one of which every variant contains
        # (in one of its words): where none occurs, variant_re cannot match and
        # need not run. A few substring tests are faster than a pattern.
        self.variant_hints = _hints(self.variants)
        # Words another word follows in a variant ("micro" of "micro needling"):
        # only after one of these can a variant_re match run over a line break.
        self.leading_words = frozenset(
            word for v in self.variants for word in re.split(r"[\s-]+", v)[:-1]
        )
        self.tag_res = tuple(
            (
                tag,
                # Run on lower-cased text: faster than IGNORECASE.
                _words_pattern(tag.patterns),
                # False for lower-cased text the pattern cannot match, and the
                # words its matches start with (see clinic.literals).
                words_test(_words_source(tag.patterns), 0),
                starts(_words_source(tag.patterns), 0),
            )
            for tag in self.tags
        )
        self.chrome_re = re.compile(
            r"(?:" + "|".join(CHROME_LINES) + r")", re.IGNORECASE
        )
        self.category_re = re.compile(
            r"(?:" + "|".join(CATEGORY_LINES) + r")", re.IGNORECASE
        )
        self.trailing_chrome_re = re.compile(TRAILING_CHROME, re.IGNORECASE)
        self.faq_heading_re = re.compile(FAQ_HEADINGS + r":?", re.IGNORECASE)
        self.generic_heading_re = re.compile(GENERIC_HEADINGS + r":?", re.IGNORECASE)
        self.closing_heading_re = re.compile(CLOSING_HEADINGS + r":?", re.IGNORECASE)
        # (rule, pattern, its words_test() and starts(): see clinic.literals)
        self.fact_res = tuple(
            (
                rule,
                re.compile(rule.pattern, re.IGNORECASE),
                words_test(rule.pattern),
                starts(rule.pattern),
            )
            for rule in FACT_RULES
        )
        self.contraindication_res = tuple(
            (
                rule,
                re.compile(rule.pattern, re.IGNORECASE),
                words_test(rule.pattern),
                starts(rule.pattern),
            )
            for rule in CONTRAINDICATION_RULES
        )

    def synonym_lines(self, slug, seen=()):
        """The lines for `Treatment.synonyms`: every known variant, then any
        misspelling found in the sources that no list had, lower case, sorted."""
        t = self.by_slug[slug]
        known = {*(m.lower() for m in t.misspellings), *(s.lower() for s in t.synonyms)}
        return sorted(known | {s.lower() for s in seen})


def _words_source(patterns):
    return r"\b(?:" + "|".join(patterns) + r")\b"


def _words_pattern(patterns):
    """`\\b(?:a|b)\\b` over `patterns`, compiled so that the engine can skip to
    their first letters: the leading `\\b` is checked after the first letter,
    as "not a word character before it", which means the same there."""
    alternatives = []
    for pattern in patterns:
        first, second = pattern[:1], pattern[1:2]
        if not first.isalnum() or second in ("?", "*", "+", "{") or "|" in pattern:
            return re.compile(_words_source(patterns))
        alternatives.append(first + r"(?<!\w.)" + pattern[1:])
    return re.compile("(?:" + "|".join(alternatives) + r")\b")


def _hints(variants, size=4):
    """Strings of `size` letters (or whole shorter words), one of which is in a
    word of each variant: picked greedily, the one in most variants first."""
    pieces = {}
    for variant in variants:
        pieces[variant] = {
            word[i : i + size] if len(word) > size else word
            for word in re.split(r"[\s-]+", variant)
            for i in range(max(1, len(word) - size + 1))
        }
    left, hints = set(variants), []
    while left:
        counts = {}
        for variant in left:
            for piece in pieces[variant]:
                counts[piece] = counts.get(piece, 0) + 1
        best = max(sorted(counts), key=counts.get)
        hints.append(best)
        left = {variant for variant in left if best not in pieces[variant]}
    return tuple(hints)


def _trie(words):
    trie = {}
    for word in words:
        node = trie
        for char in re.sub(r"[\s-]+", " ", word.lower()):
            node = node.setdefault(char, {})
        node[""] = {}
    return trie


def _trie_pattern(words, trie=None):
    """A regular expression matching any of `words`, shaped as a trie so the engine
    never tries two alternatives that share a prefix; greedy, so it prefers the
    longest word, then backtracks. A space or hyphen matches any run of either."""
    if trie is None:
        trie = _trie(words)

    def pattern(node):
        branches = [
            (r"[\s-]+" if char == " " else re.escape(char)) + pattern(child)
            for char, child in sorted(node.items())
            if char
        ]
        if not branches:
            return ""
        if "" in node:
            return "(?:" + "|".join(branches) + ")?"
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return pattern(trie)


# What IGNORECASE matches to an ASCII letter besides its two cases (every
# character is checked in tests/articles/test_parse_shortcuts.py).
_FOLDS = {"i": "\u0130\u0131", "k": "\u212a", "s": "\u017f"}
# For str.translate(): each of those characters as the letter it matches, so that a
# variant_re match spelt with one is found in `variants` (str.lower() keeps "ı"
# and "ſ", and makes "İ" two characters).
UNFOLD = str.maketrans({c: letter for letter, chars in _FOLDS.items() for c in chars})


def _first_letters(words):
    """(?<![\\w-])_trie_pattern(words) (IGNORECASE) as the engine can run fast.

    That form makes the engine try every position of a text. This one starts
    with a case-sensitive class of every character the first letters match, so
    the engine skips to those; it consumes the letter, checks the character
    before it (the same boundary), then follows the trie below the letter it
    took ((?<=m) checks which)."""
    trie = _trie(words)
    firsts = sorted(char for char in trie if char)
    if not all(char.isascii() and char.isalpha() for char in firsts):
        first = re.escape("".join(firsts))
        return rf"(?=[{first}])(?<![\w-]){_trie_pattern(words, trie)}"
    letters = "".join(c + c.upper() + _FOLDS.get(c, "") for c in firsts)
    below = "|".join(f"(?<={char}){_trie_pattern((), trie[char])}" for char in firsts)
    return rf"(?-i:[{letters}])(?<![\w-].)(?:{below})"


VOCABULARY = Vocabulary()
