"""
The pure parser: the text of one source document in, a `ParsedDocument` out. No
database, no Django models: everything here is testable with strings.

The rules (docs/importer.md explains them for editors):

- Text is normalised first: line endings, no-break and zero-width spaces, curly
  quotes, control characters, runs of spaces. Every non-empty line is a block; a
  line that does not end a sentence joins the next when the next starts in lower
  case (hard-wrapped text).
- Page chrome (vocabulary.CHROME_LINES) is removed wherever it stands; a category
  line ("Skin Care") only right after the title.
- Title: the first line when it is heading-shaped (short, no full stop), with a
  repeat of it on the next line dropped; otherwise the first heading that is not
  generic ("Conclusion") or an FAQ heading; otherwise "<Treatment> for <Topic>"
  from the most-mentioned treatment and topic tag; otherwise the first sentence,
  cut to 80 characters; otherwise the file name.
- FAQ: an FAQ heading ("Frequently Asked Questions", "FAQ", ...) or a `Q:` / `Q.`
  line starts an FAQ block. Inside it every `Q:`/`Q.` line or line ending in "?"
  is a question and everything up to the next question is its answer (`A:`/`A.`
  stripped); a heading-shaped line that is not a question ends the block, except
  right after a question, where it is the answer. Outside an FAQ block a line
  ending in "?" is a section heading, unless it starts a run of at least two
  "?"-line-plus-one-paragraph pairs (an FAQ page without an FAQ heading). So a
  question-shaped heading followed by several paragraphs is an article section.
- Sections whose heading repeats an earlier heading (or the title) are dropped, as
  are paragraphs that repeat an earlier one (same words, or 60% of their
  three-word shingles); when copies were merged, a closing section ("Conclusion")
  moves to the end. Each drop is reported.
- Treatment misspellings are corrected in titles, headings, questions, answers and
  body text, each correction reported; quotes cited for facts keep the source's own
  words.
"""

import re
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from itertools import islice
from pathlib import PurePath

from articles.importer.vocabulary import (
    TAG_MIN_MENTIONS,
    TRAILING_CHROME_WORDS,
    UNFOLD,
    VOCABULARY,
)
from clinic.literals import finditer, may_match, words_test
from clinic.literals import lowered as _lowered
from clinic.search.query import edit_distance

# Bump when a change to the rules changes what an import produces: rows imported by
# an older version are then re-evaluated (and updated when staff have not edited
# them) even though their source is unchanged.
PARSER_VERSION = "1.1"

MAX_TITLE = 200
MAX_QUESTION = 300
SUMMARY_CHARS = 300
OVERVIEW_PER_KIND = 3
# "How it is done": the procedure, the device, what is applied.
_OVERVIEW = {
    "how": re.compile(
        r"\b(crystals?|diamond[- ]tipped|tiny (grains|needles)|fine needles|needles? "
        r"(is|are)|device|wand|numbing cream|lubricating gel|sandblast\w*|abrades?|"
        r"vacuum|(is|are) (gently )?(pressed|glided|rolled|passed)|micro-?injuries|"
        r"procedure (begins|involves|can take)|session .{0,40}begins)\b",
        re.IGNORECASE,
    ),
    # "What it can help with": a result on a skin concern.
    "helps": re.compile(
        r"\b(helps?|improv\w*|reduc\w*|fades?|fading|diminish\w*|lightens?|"
        r"evens? out|smooth\w*|eliminat\w*)\b.{0,80}\b(stretch marks?|scars?|"
        r"texture|tone|pores|wrinkles|fine lines|blackheads|pigmentation|"
        r"appearance|elasticity)\b",
        re.IGNORECASE,
    ),
}
_PERSONAL = re.compile(r"\b(I|I'[a-z]+|my|me|we|our)\b")
# Whether _PERSONAL matches, found from the first letters (the engine skips to
# them; (?<!\w.) after the letter is the \b before it). "I'm" matches as "I",
# so I'[a-z]+ adds nothing to whether there is a match.
_PERSONAL_FAST = re.compile(r"[Imwo](?<!\w.)(?:(?<=I)|(?<=m)[ye]|(?<=w)e|(?<=o)ur)\b")


@dataclass(frozen=True)
class Correction:
    """A misspelt treatment name and what it became, and where."""

    wrong: str
    right: str
    where: str

    def __str__(self):
        return f'"{self.wrong}" -> "{self.right}" ({self.where})'


@dataclass(frozen=True)
class Block:
    """A paragraph ("p") or a list item ("li") of article text."""

    kind: str
    text: str


@dataclass(frozen=True)
class Section:
    heading: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class FaqEntry:
    """One question and its answer (Markdown), in source order."""

    position: int
    question: str
    answer: str
    treatment: str | None
    tags: tuple[str, ...]
    corrections: tuple[Correction, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Fact:
    treatment: str
    kind: str
    value: str
    quote: str


@dataclass(frozen=True)
class ContraindicationFact:
    treatment: str
    condition: str
    reason: str
    quote: str


@dataclass(frozen=True)
class ParsedDocument:
    """Everything one source document yields, ready for the writer."""

    name: str
    title: str
    title_rule: str
    summary: str
    sections: tuple[Section, ...]
    faq: tuple[FaqEntry, ...]
    treatments: tuple[str, ...]
    primary_treatment: str | None
    tags: tuple[str, ...]
    facts: tuple[Fact, ...]
    contraindications: tuple[ContraindicationFact, ...]
    definitions: dict
    corrections: tuple[Correction, ...]
    warnings: tuple[str, ...]
    dropped: tuple[str, ...]
    chrome: tuple[str, ...]
    misspellings: dict = field(default_factory=dict)
    # {treatment slug: {"helps": (sentence, ...), "how": (sentence, ...)}}: what the
    # treatment page's "What it can help with" and "How it is done" are built from.
    overview: dict = field(default_factory=dict)

    # Cached: the workers render and check it, the writer stores it (sections are
    # immutable, so it cannot go stale).
    @cached_property
    def body(self):
        """The article body as Markdown: `## ` headings, paragraphs, `- ` lists."""
        return render_body(self.sections)

    def notes(self):
        """The editor's notes kept on the article row (`import_notes`)."""
        notes = {"title_rule": self.title_rule}
        if self.corrections:
            notes["corrections"] = [str(c) for c in self.corrections]
        if self.warnings:
            notes["warnings"] = list(self.warnings)
        if self.dropped:
            notes["dropped"] = list(self.dropped)
        if self.chrome:
            notes["chrome_removed"] = list(self.chrome)
        return notes


# --- normalising -----------------------------------------------------------------

_SPACE_CHARS = dict.fromkeys(
    map(ord, "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
             "\u2009\u200a\u202f\u205f\u3000\t\x0b\x0c"),
    " ",
)  # fmt: skip
_DROP_CHARS = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_QUOTES = {
    ord("\u2018"): "'",
    ord("\u2019"): "'",
    ord("\u201a"): "'",
    ord("\u201b"): "'",
    ord("\u2032"): "'",
    ord("\u201c"): '"',
    ord("\u201d"): '"',
    ord("\u201e"): '"',
    ord("\u201f"): '"',
    ord("\u2033"): '"',
}
_TRANSLATION = {
    chr(code): replacement or ""
    for code, replacement in {**_SPACE_CHARS, **_DROP_CHARS, **_QUOTES}.items()
}
_CONTROL = "\x00-\x08\x0e-\x1f\x7f-\x9f"  # characters normalise() removes
# A substitution of the few characters found: str.translate() with a dict is slow
# (about 0.7 ms a document) once the text has any non-ASCII character. One pass
# for both: no control character is translated, and none is a translation.
_TRANSLATED = re.compile("[" + re.escape("".join(_TRANSLATION)) + _CONTROL + "]")
_SPACES = re.compile(r" {2,}")


def normalise(text):
    """Plain text with one kind of line ending, space and quote."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n\n")
    text = _TRANSLATED.sub(lambda m: _TRANSLATION.get(m.group(), ""), text)
    if "  " in text:  # runs of spaces never span lines: one pass for all of them
        text = _SPACES.sub(" ", text)
    return "\n".join(line.strip() for line in text.split("\n"))


# --- shapes ----------------------------------------------------------------------

Q_PREFIX = re.compile(r"^(?:Q|Question)\s*\d*\s*[:.)]\s+(?P<rest>\S.*)$", re.IGNORECASE)
A_PREFIX = re.compile(r"^(?:A|Answer|Ans)\s*[:.)]\s*(?P<rest>.*)$", re.IGNORECASE)
LIST_ITEM = re.compile(r"^(?:[-*•·▪‣◦–]|\d{1,2}[.)])\s+(?P<rest>\S.*)$")
TERMINAL = ".!?…"
_CLOSERS = "\"')]»"
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?…])[\"')\]]*\s+(?=[\"'(]?[A-Z0-9])")
# The same breaks found from the mark before them (group 1 is what _SENTENCE_SPLIT
# matches): the engine skips from mark to mark instead of trying the lookbehind
# at every position.
_SENTENCE_BREAK = re.compile(r"[.!?…]([\"')\]]*\s+)(?=[\"'(]?[A-Z0-9])")
_INNER_SENTENCE_END = re.compile(r"[.!?]\s+[A-Z]")
_RUN_ON = re.compile(
    r"\b[a-z]{3,} (?P<word>Your|The|This|These|They|It|We|You|Most|Many|There)\b "
)
# _RUN_ON from the space on (see _run_ons()): a pattern that starts with a space
# lets the engine skip from space to space instead of trying every position.
_RUN_ON_TAIL = re.compile(
    r" (?<=[a-z]{3} )(?P<word>Your|The|This|These|They|It|We|You|Most|Many|There)\b "
)
_LIST_LEAD = re.compile(
    r"^(?:next|below|here are|here is|here's|the following)\b", re.IGNORECASE
)
_WORD = re.compile(r"[a-z0-9']+")
# ASCII characters _WORD leaves out, as spaces: for ASCII text, translate() and
# split() find its words in about half the time.
_NOT_WORD = {code: " " for code in range(128) if not _WORD.fullmatch(chr(code))}


_DANGLING = frozenset(
    "and or but the a an of to with for that which because as in on at by".split()
)


def _ends_sentence(text):
    return text.rstrip(_CLOSERS)[-1:] in TERMINAL


def is_heading(text):
    """Short, one sentence, and not ending like a sentence (a "?" or a short ":"
    line still counts)."""
    if len(text) > 120 or LIST_ITEM.match(text) or Q_PREFIX.match(text):
        return False
    words = text.split()
    if len(words) > 16 or not (text[0].isupper() or text[0].isdigit()):
        return False
    if _INNER_SENTENCE_END.search(text):
        return False
    # Headings do not end on a joining word; such a line is a cut-off sentence.
    if words[-1].lower() in _DANGLING:
        return False
    last = text[-1]
    if last in ".,;" or last == "…":
        return False
    if last == ":":
        return len(words) <= 6
    return True


def is_question(text):
    return text.endswith("?") and len(text) <= MAX_QUESTION


def _may_contain(text, words):
    """False only when no IGNORECASE match of any of `words` is in `text`."""
    lowered = _lowered(text)
    return lowered is None or any(word in lowered for word in words)


def _same(a, b):
    return _key(a) == _key(b)


def _key(text):
    return " ".join(_words(text.lower()))


def _words(lower):
    """_WORD.findall(lower)."""
    if lower.isascii():
        return lower.translate(_NOT_WORD).split()
    return _WORD.findall(lower)


# --- treatment names -------------------------------------------------------------


def _match_case(wrong, right):
    if wrong.isupper() and len(wrong) > 3:
        return right.upper()
    if wrong[:1].isupper():
        return right[:1].upper() + right[1:]
    return right.lower()


_NOT_LETTERS = re.compile(r"[^a-z]")
# Words that start like a treatment name; only these are tried by the fuzzy match.
# The same as r"(?<![\w-])m[aiy][ck]..." with IGNORECASE, written so the engine
# skips to each "m" or "M" (no other character is an "m" to IGNORECASE) instead of
# trying every position: about twice as fast.
_FUZZY_START = re.compile(
    r"(?-i:[Mm])(?<![\w-].)[aiy][ck][a-z]*(?:[ -][a-z]+){0,2}", re.IGNORECASE
)
_FUZZY_HINT = re.compile(r"m[aiy][ck]")  # on lower-cased text


class Names:
    """Finds and corrects treatment names in text, with one vocabulary."""

    def __init__(self, vocabulary=VOCABULARY):
        self.vocabulary = vocabulary
        self._fuzzy_cache = {}
        self._span_cache = {}
        self._known = set(vocabulary.variants)
        self._scans = None
        # The first three letters (lower case) a name found by scan() can start
        # with: a variant's, or a fuzzy match's (_FUZZY_START). None when a
        # variant's first word is shorter.
        firsts = [re.split(r"[\s-]+", v)[0] for v in vocabulary.variants]
        self._starts = None
        if all(len(word) >= 3 for word in firsts):
            fuzzy = {"m" + a + c for a in "aiy" for c in "ck"}
            self._starts = frozenset(word[:3] for word in firsts) | fuzzy

    @contextmanager
    def remembering(self):
        """Within the block, each text is scanned once: parsing one document asks
        about the same paragraphs, headings and sentences several times."""
        self._scans = {}
        try:
            yield
        finally:
            self._scans = None

    def fuzzy(self, span):
        """The treatment slug a misspelling no list foresaw stands for, or None.

        Only letter runs of 12 or more are tried, against each treatment's letters
        with its own bound; a plural of the right name is not a misspelling."""
        letters = _NOT_LETTERS.sub("", span.lower())
        if letters in self._fuzzy_cache:
            return self._fuzzy_cache[letters]
        found = None
        if len(letters) >= 12:
            for t in self.vocabulary.treatments:
                key = t.fuzzy_key
                if letters in (key, key + "s"):
                    break
                if edit_distance(letters, key, t.max_distance + 1) <= t.max_distance:
                    found = t.slug
                    break
        self._fuzzy_cache[letters] = found
        return found

    def scan(self, text):
        """Yield (start, end, slug, is_misspelling, plural) for each name in text."""
        return self._scan(text)[0]

    def _scan(self, text):
        """(scan(text), how many of its names are known variants)."""
        scans = self._scans
        if scans is None:
            return self._scan_text(text)
        if text not in scans:
            scans[text] = self._scan_text(text)
        return scans[text]

    def _scan_text(self, text):
        taken = []
        voc = self.vocabulary
        variants = voc.variants
        # Most sentences name no treatment: rule that out before the patterns.
        lowered = _lowered(text)
        if lowered is None or any(map(lowered.__contains__, voc.variant_hints)):
            for m in finditer(voc.variant_re, text, lowered, voc.variant_starts):
                name = m.group(1)
                # IGNORECASE matched "ı", "İ", "ſ" and "K" as i, i, s and k, as a
                # reader does ("mıcrodermabrasion"): look up the plain spelling,
                # corrected only when that is a misspelling, like any odd case.
                if not name.isascii():
                    name = name.translate(UNFOLD)
                name = name.lower()
                slug, wrong = variants.get(name) or variants[_key_spaces(name)]
                taken.append((m.start(), m.end(), slug, wrong, m.group(2)))
        known = len(taken)
        if known < 50 and (lowered is None or _FUZZY_HINT.search(lowered)):
            starts = {start for start, *_ in taken}
            for m in _FUZZY_START.finditer(text):
                if m.start() in starts:
                    continue
                found = self._fuzzy_span(m.group(0))
                if found:
                    length, slug = found
                    taken.append((m.start(), m.start() + length, slug, True, ""))
        taken.sort()
        return taken, known

    def _fuzzy_span(self, words):
        """(length, slug) of the misspelt name `words` (a _FUZZY_START match)
        starts with, or None. Cached: the same few words recur on every page."""
        if words in self._span_cache:
            return self._span_cache[words]
        if len(self._span_cache) >= 20_000:
            self._span_cache.clear()  # memory stays flat over long runs
        found = None
        # Try the longest span first: "micro derma brasion" before "micro".
        parts = _WORD_ENDS.split(words)
        for n in range(len(parts), 0, -1):
            span = "".join(parts[:n])
            if _key_spaces(span) in self._known:
                break
            slug = self.fuzzy(span)
            if slug:
                found = (len(span), slug)
                break
        self._span_cache[words] = found
        return found

    def may_start(self, text):
        """False when no name scan() finds can start where text does."""
        if self._starts is None:
            return True
        head = text[:3]
        return not head.isascii() or head.lower() in self._starts

    def known(self, text):
        """How many listed variants (vocabulary.variant_re matches) text has."""
        return self._scan(text)[1]

    def mentions(self, text):
        """Treatment slugs named in text, in order, repeats kept."""
        return [slug for _, _, slug, _, _ in self.scan(text)]

    def mentions_of_lines(self, lines):
        """mentions("\\n".join(lines)), from the scan of each line (each is
        scanned anyway, to be corrected) where that gives the same: a name
        runs over a line break only after one of vocabulary.leading_words,
        and 50 known names in the whole text turn the fuzzy match off."""
        scans = [self._scan(line) for line in lines]
        if (
            sum(known for _, known in scans) >= 50
            or any("\n" in line for line in lines)
            or any(self._leads_on(line) for line in lines[:-1])
        ):
            return self.mentions("\n".join(lines))
        return [hit[2] for taken, _ in scans for hit in taken]

    def _leads_on(self, line):
        """Whether a line ends with a word a variant could continue after a
        line break: its last word (\\w, then only spaces and hyphens), which is
        where a match's word must start, is a leading word or not plain ASCII."""
        end = len(line)
        while end and (line[end - 1] == "-" or line[end - 1].isspace()):
            end -= 1
        start = end
        while start and (line[start - 1].isalnum() or line[start - 1] == "_"):
            start -= 1
        word = line[start:end]
        if not word:
            return False
        return not word.isascii() or word.lower() in self.vocabulary.leading_words

    def mentions_in(self, text, start, end):
        """mentions(text[start:end]) for a sentence of `text` (see
        _sentence_spans), from one scan of the whole paragraph: a name never
        spans a sentence end, which is a full stop, "?", "!" or "…"."""
        taken, known = self._scan(text)
        if known >= 50:  # scan() skips fuzzy matches then; the sentence may not
            return self.mentions(text[start:end])
        return [hit[2] for hit in taken if start <= hit[0] and hit[1] <= end]

    def correct(self, text, where):
        """Text with misspelt treatment names corrected, and the corrections."""
        found = [hit for hit in self.scan(text) if hit[3]]
        if not found:
            return text, []
        out, corrections, last = [], [], 0
        for start, end, slug, _, plural in found:
            if start < last:
                continue
            wrong = text[start:end]
            right = _match_case(wrong, self.vocabulary.by_slug[slug].name) + plural
            out.append(text[last:start])
            out.append(right)
            corrections.append(Correction(wrong, right, where))
            last = end
        out.append(text[last:])
        return "".join(out), corrections


def _key_spaces(text):
    return _SPACES_OR_HYPHENS.sub(" ", text.lower()).strip()


_SPACES_OR_HYPHENS = re.compile(r"[\s-]+")
_WORD_ENDS = re.compile(r"(?<=[a-zA-Z])(?=[ -])")


# --- Markdown --------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]])")
_MD_LEADING = re.compile(r"^(#|[-+=]|\d+(?=[.)]\s))")


def escape_markdown(text):
    """Source text as literal Markdown: markup characters become entities or
    backslash escapes, so `<script>` in a source is shown, never run."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return _MD_LEADING.sub(
        lambda m: m.group(1) + "\\" if m.group(1)[0].isdigit() else "\\" + m.group(1),
        text,
    )


def render_blocks(blocks):
    parts, items = [], []
    for block in blocks:
        if block.kind == "li":
            items.append("- " + escape_markdown(block.text))
            continue
        if items:
            parts.append("\n".join(items))
            items = []
        parts.append(escape_markdown(block.text))
    if items:
        parts.append("\n".join(items))
    return parts


OVERVIEW_HEADINGS = {"helps": "What it can help with", "how": "How it is done"}
OVERVIEW_MAX_ITEMS = 6


def _bullets(markdown):
    """{heading: [item, ...]} of a body made of `## ` headings and `- ` items."""
    sections, current = {}, None
    for line in markdown.splitlines():
        if line.startswith("## "):
            current = line[3:].strip()
            sections.setdefault(current, [])
        elif line.startswith("- ") and current is not None:
            sections[current].append(line[2:].strip())
    return sections


def merge_overview(body, overview):
    """A treatment body with this document's overview sentences added under
    "What it can help with" and "How it is done", each sentence once, at most
    OVERVIEW_MAX_ITEMS per section. Pure and idempotent: merging the same
    sentences again changes nothing. Sentences are Markdown-escaped."""
    sections = _bullets(body)
    for kind, heading in OVERVIEW_HEADINGS.items():
        items = sections.setdefault(heading, [])
        known = {_key(item) for item in items}
        for sentence in overview.get(kind, ()):
            item = escape_markdown(sentence)
            if len(items) < OVERVIEW_MAX_ITEMS and _key(item) not in known:
                items.append(item)
                known.add(_key(item))
    fixed = list(OVERVIEW_HEADINGS.values())
    order = fixed + [heading for heading in sections if heading not in fixed]
    return "\n\n".join(
        f"## {heading}\n\n" + "\n".join(f"- {item}" for item in sections[heading])
        for heading in order
        if sections[heading]
    )


def merge_list(markdown, sentences_):
    """A `- ` list with these sentences added once each (aftercare)."""
    items = [
        line[2:].strip() for line in markdown.splitlines() if line.startswith("- ")
    ]
    known = {_key(item) for item in items}
    for sentence in sentences_:
        item = escape_markdown(sentence)
        if _key(item) not in known and len(items) < OVERVIEW_MAX_ITEMS:
            items.append(item)
            known.add(_key(item))
    return "\n".join(f"- {item}" for item in items)


def render_body(sections):
    parts = []
    for section in sections:
        if section.heading:
            parts.append("## " + escape_markdown(section.heading))
        parts.extend(render_blocks(section.blocks))
    return "\n\n".join(parts)


# --- the parser ------------------------------------------------------------------


def sentences(text):
    return [s.strip() for s in _SENTENCE_SPLIT.split(text) if s.strip()]


def _pieces(text):
    """(start, end) of the text between sentence breaks, unstripped."""
    spans, start = [], 0
    for m in _SENTENCE_BREAK.finditer(text):
        spans.append((start, m.start(1)))
        start = m.end()
    spans.append((start, len(text)))
    return spans


def _stripped(text, start, end):
    """(start, end) of text[start:end].strip()."""
    piece = text[start:end]
    start += len(piece) - len(piece.lstrip())
    return start, start + len(piece.strip())


def _sentence_spans(text, pieces=None):
    """(start, end) of each of sentences(text) in text (from its _pieces)."""
    if pieces is None:
        pieces = _pieces(text)
    spans = (_stripped(text, start, end) for start, end in pieces)
    return [(start, end) for start, end in spans if start < end]


class _Sentences:
    """The sentence of a paragraph around a position, split only when asked."""

    def __init__(self, text, split=_pieces):
        self.text = text
        self.split = split
        self.spans = None

    def around(self, position):
        """(start, end) of the stripped sentence around `position`, or None: the
        whole text is the sentence."""
        if self.spans is None:
            self.spans = self.split(self.text)
        for start, end in self.spans:
            if start <= position < end:
                return _stripped(self.text, start, end)
        return None


def _shingles(words):
    """The three-word runs of words (all of them when there are fewer), as
    tuples: words have no spaces, so they compare as the joined runs would."""
    if len(words) < 3:
        return {tuple(words)}
    return set(zip(words, words[1:], words[2:], strict=False))


def _near_repeat(shingles, seen):
    """Whether 60% of the shingles of a paragraph and of one seen before are
    shared (Jaccard). A pair whose sizes differ too much cannot be, so most
    pairs are ruled out without building their intersection."""
    size = len(shingles)
    for other in seen:
        other_size = len(other)
        if min(size, other_size) / max(size, other_size) < 0.6:
            continue
        shared = len(shingles & other)
        if shared / (size + other_size - shared) >= 0.6:
            return True
    return False


class Parser:
    """Parses documents with one compiled vocabulary; reuse it across documents."""

    def __init__(self, vocabulary=VOCABULARY):
        self.vocabulary = vocabulary
        self.names = Names(vocabulary)
        self._split = None

    # Lines to blocks --------------------------------------------------------------

    def _blocks(self, text, chrome):
        blocks = []
        previous_blank = True
        for line in text.split("\n"):
            if not line:
                previous_blank = True
                continue
            if self.vocabulary.chrome_re.fullmatch(line):
                chrome.append(line)
                continue
            # The pattern is slow on every line, and needs its words.
            if _may_contain(line, TRAILING_CHROME_WORDS):
                stripped = self.vocabulary.trailing_chrome_re.sub("", line)
                if stripped != line:
                    chrome.append(line[len(stripped) :].strip())
                    line = stripped.rstrip()
                    if not line:
                        continue
            if (
                blocks
                and not previous_blank
                and line[0].islower()
                and len(blocks[-1]) >= 40
                and not _ends_sentence(blocks[-1])
                and not is_question(blocks[-1])
            ):
                blocks[-1] = f"{blocks[-1]} {line}"
            else:
                blocks.append(line)
            previous_blank = False
        return blocks

    def parse(self, text, name=""):
        """Parse one document's text (str) into a ParsedDocument."""
        # Several steps split the same paragraph into sentences: once will do.
        self._split = {}
        try:
            with self.names.remembering():
                return self._parse(text, name)
        finally:
            self._split = None

    def _pieces(self, text):
        """_pieces(text), worked out once per text of the document."""
        split = self._split
        if split is None:
            return _pieces(text)
        pieces = split.get(text)
        if pieces is None:
            pieces = split[text] = _pieces(text)
        return pieces

    def _spans(self, text):
        """_sentence_spans(text), split once per text of the document."""
        return _sentence_spans(text, self._pieces(text))

    def _sentences(self, text):
        """sentences(text), split once per text of the document."""
        return [text[start:end] for start, end in self._spans(text)]

    def _parse(self, text, name):
        text = normalise(text)
        chrome, dropped, warnings, corrections = [], [], [], []
        blocks = self._blocks(text, chrome)
        voc = self.vocabulary

        title, title_rule = "", ""
        if (
            blocks
            and is_heading(blocks[0])
            and not voc.faq_heading_re.fullmatch(blocks[0])
        ):
            title, title_rule = blocks.pop(0), "first line"
            if blocks and _same(blocks[0], title):
                blocks.pop(0)
                dropped.append(f'repeated title line "{title}"')
            if blocks and voc.category_re.fullmatch(blocks[0]):
                chrome.append(blocks.pop(0))

        sections, faq_raw = self._structure(blocks)

        if not title:
            for index, section in enumerate(sections):
                heading = section.heading
                if heading and not voc.generic_heading_re.fullmatch(heading):
                    title, title_rule = heading, "first heading"
                    sections[index] = Section("", section.blocks)
                    break

        sections = self._collapse(sections, title, dropped)
        faq_raw = self._dedupe_faq(faq_raw, dropped)

        # Mentions decide the linked treatments and the primary one.
        parts = (
            [title]
            + [s.heading for s in sections]
            + [b.text for s in sections for b in s.blocks]
            + [q for q, _ in faq_raw]
            + [a for _, answer in faq_raw for a in answer]
        )
        all_text = "\n".join(parts)
        mentions = self.names.mentions_of_lines(parts)
        counts = {}
        for slug in mentions:
            counts[slug] = counts.get(slug, 0) + 1
        title_mentions = set(self.names.mentions(title))
        primary = max(
            counts, key=lambda s: (counts[s], -mentions.index(s)), default=None
        )
        treatments = tuple(
            s for s in counts if counts[s] >= 2 or s in title_mentions or s == primary
        )
        tags, topic = self._tags(title, all_text)

        if not title:
            if primary and topic:
                title = f"{voc.by_slug[primary].name} for {topic}"
                title_rule = "treatment for topic"
            else:
                first = next((b.text for s in sections for b in s.blocks), "")
                first = self._sentences(first)[0] if first else ""
                if first:
                    title = _truncate(first.rstrip(".!"), 80)
                    title_rule = "first sentence"
                else:
                    title = PurePath(name).stem or "Untitled document"
                    title_rule = "file name"

        title, fixed = self.names.correct(title, "title")
        corrections += fixed
        title = _truncate(title, MAX_TITLE)

        warnings += self._warnings(sections)
        facts, contraindications, definitions = self._facts(sections, faq_raw, primary)
        misspellings = {}
        corrected_sections = []
        for section in sections:
            heading, fixed = self.names.correct(section.heading, "heading")
            corrections += fixed
            new_blocks = []
            for block in section.blocks:
                text_, fixed = self.names.correct(block.text, "body")
                corrections += fixed
                new_blocks.append(Block(block.kind, text_))
            corrected_sections.append(Section(heading, tuple(new_blocks)))
        sections = corrected_sections

        faq = []
        for position, (question, answer) in enumerate(faq_raw, 1):
            faq.append(self._faq_entry(position, question, answer, primary))
        for entry in faq:
            corrections += entry.corrections
        for c in corrections:
            slug = self.names.mentions(c.right)
            if slug:
                misspellings.setdefault(slug[0], set()).add(_key_spaces(c.wrong))
        for slug, sentence in definitions.items():
            definitions[slug], _ = self.names.correct(sentence, "summary")

        summary = self._summary(sections)
        overview = self._overview(sections, primary)
        return ParsedDocument(
            name=name,
            title=title,
            title_rule=title_rule,
            summary=summary,
            sections=tuple(sections),
            faq=tuple(faq),
            treatments=treatments,
            primary_treatment=primary,
            tags=tags,
            facts=tuple(facts),
            contraindications=tuple(contraindications),
            definitions=definitions,
            corrections=tuple(corrections),
            warnings=tuple(warnings),
            dropped=tuple(dropped),
            chrome=tuple(dict.fromkeys(chrome)),
            misspellings=misspellings,
            overview=overview,
        )

    # Blocks to sections and FAQ ---------------------------------------------------

    def _structure(self, blocks):
        voc = self.vocabulary
        sections = [["", []]]
        faq = []
        in_faq = False
        i, n = 0, len(blocks)

        def starts_question(j):
            b = blocks[j]
            return bool(Q_PREFIX.match(b)) or (is_question(b) and is_heading(b))

        while i < n:
            b = blocks[i]
            if voc.faq_heading_re.fullmatch(b):
                in_faq = True
                i += 1
                continue
            explicit = Q_PREFIX.match(b)
            if not in_faq and not explicit and is_question(b) and is_heading(b):
                in_faq = self._faq_run_starts(blocks, i)
            if explicit or (in_faq and is_question(b) and is_heading(b)):
                in_faq = True
                question = explicit.group("rest") if explicit else b
                answer = []
                j = i + 1
                while j < n and not starts_question(j):
                    nxt = blocks[j]
                    if voc.faq_heading_re.fullmatch(nxt):
                        break
                    if (
                        answer
                        and is_heading(nxt)
                        and not A_PREFIX.match(nxt)
                        and not LIST_ITEM.match(nxt)
                    ):
                        break
                    if not answer:
                        m = A_PREFIX.match(nxt)
                        nxt = m.group("rest") if m else nxt
                    if nxt:
                        answer.append(nxt)
                    j += 1
                faq.append((question, answer))
                i = j
                continue
            if is_heading(b):
                in_faq = False
                sections.append([b, []])
            else:
                item = LIST_ITEM.match(b)
                sections[-1][1].append(
                    Block("li", item.group("rest")) if item else Block("p", b)
                )
            i += 1
        return [Section(h, tuple(bs)) for h, bs in sections], faq

    @staticmethod
    def _faq_run_starts(blocks, i):
        """At least two "?" lines in a row each followed by exactly one paragraph."""
        pairs, j, n = 0, i, len(blocks)
        while j + 1 < n and is_question(blocks[j]) and is_heading(blocks[j]):
            if is_heading(blocks[j + 1]):
                break
            if j + 2 < n and not (
                is_question(blocks[j + 2]) or is_heading(blocks[j + 2])
            ):
                break
            pairs += 1
            j += 2
        return pairs >= 2

    def _collapse(self, sections, title, dropped):
        voc = self.vocabulary
        seen_headings = {_key(title)} if title else set()
        kept, repeated = [], False
        for section in sections:
            key = _key(section.heading)
            if section.heading and key in seen_headings:
                words = sum(len(b.text.split()) for b in section.blocks)
                dropped.append(f'repeated section "{section.heading}" ({words} words)')
                repeated = True
                continue
            if section.heading:
                seen_headings.add(key)
            kept.append(section)

        # Paragraph repeats: exact always; near-repeats when the page is small
        # enough for pairwise comparison to stay cheap.
        seen_exact, seen_shingles = set(), []
        compare = sum(len(s.blocks) for s in kept) <= 300
        result = []
        for section in kept:
            blocks = []
            for block in section.blocks:
                words = _words(block.text.lower())
                key = " ".join(words)
                shingles = _shingles(words) if compare and block.kind == "p" else None
                duplicate = key in seen_exact
                if not duplicate and shingles and len(shingles) >= 8:
                    duplicate = _near_repeat(shingles, seen_shingles)
                if duplicate and block.kind == "p":
                    dropped.append(f'repeated paragraph "{_truncate(block.text, 60)}"')
                    repeated = True
                    continue
                seen_exact.add(key)
                if shingles and len(shingles) >= 8:
                    seen_shingles.append(shingles)
                blocks.append(block)
            if section.heading and not blocks:
                dropped.append(f'heading with no text "{section.heading}"')
                continue
            if blocks or section.heading:
                result.append(Section(section.heading, tuple(blocks)))
        if repeated:
            closing = [s for s in result if voc.closing_heading_re.fullmatch(s.heading)]
            if closing:
                result = [s for s in result if s not in closing] + closing[:1]
        return result

    @staticmethod
    def _dedupe_faq(faq, dropped):
        seen, kept = set(), []
        for question, answer in faq:
            key = _key(question)
            if key in seen:
                dropped.append(f'repeated question "{question}"')
                continue
            seen.add(key)
            kept.append((question, answer))
        return kept

    # What the text says -----------------------------------------------------------

    def _tags(self, title, text, min_mentions=TAG_MIN_MENTIONS):
        found, best_topic, best = [], "", 0
        text, title = text.lower(), title.lower()
        for tag, pattern, has_words, first_words in self.vocabulary.tag_res:
            # Substring tests rule most tags out far faster than the pattern
            # (case-sensitive, on lower-cased text: exact).
            count = 0
            if has_words(text):
                hits = finditer(pattern, text, text, first_words)
                if not tag.topic:  # only a topic's count is compared: enough will do
                    hits = islice(hits, min_mentions)
                count = sum(1 for _ in hits)
            if title and has_words(title) and pattern.search(title):
                count += min_mentions
            if count >= min_mentions:
                found.append(tag.name)
                if tag.topic and count > best:
                    best_topic, best = tag.topic, count
        return tuple(sorted(found)), best_topic

    def _warnings(self, sections):
        warnings = []
        flat = [(s, k, b) for s in sections for k, b in enumerate(s.blocks)]
        for section, k, block in flat:
            if block.kind != "p":
                continue
            text = block.text
            next_block = section.blocks[k + 1] if k + 1 < len(section.blocks) else None
            ends_section = next_block is None
            if text.endswith(":") and (next_block is None or next_block.kind != "li"):
                warnings.append(
                    f'missing list: "{_truncate(self._sentences(text)[-1], 80)}" '
                    "announces a list that is not there"
                )
            elif ends_section and len(text) < 120 and _LIST_LEAD.match(text):
                warnings.append(
                    f'missing list: "{_truncate(text, 80)}" announces something '
                    "that does not follow"
                )
            warnings.extend(_cut_off(text))
        return warnings

    def _faq_entry(self, position, question, answer_blocks, primary):
        corrections = []
        question, fixed = self.names.correct(question, f"question {position}")
        corrections += fixed
        question = _truncate(question, MAX_QUESTION)
        answer_text = []
        warnings = []
        for text in answer_blocks:
            fixed_text, fixed = self.names.correct(text, f"answer {position}")
            corrections += fixed
            answer_text.append(fixed_text)
            warnings.extend(_cut_off(text))
        if not answer_text:
            warnings.append("question without an answer in the source")
        mentioned = self.names.mentions(question) or self.names.mentions(
            " ".join(answer_text)
        )
        treatment = mentioned[0] if mentioned else primary
        blocks = [
            Block("li", m.group("rest")) if (m := LIST_ITEM.match(t)) else Block("p", t)
            for t in answer_text
        ]
        tags, _ = self._tags("", question + "\n" + "\n".join(answer_text), 1)
        return FaqEntry(
            position=position,
            question=question,
            answer="\n\n".join(render_blocks(blocks)),
            treatment=treatment,
            tags=tags,
            corrections=tuple(corrections),
            warnings=tuple(warnings),
        )

    def _facts(self, sections, faq, primary):
        """Facts, contraindications and definitions, each from one sentence."""
        voc = self.vocabulary
        passages = []
        for section in sections:
            context = (self.names.mentions(section.heading) or [primary])[0]
            passages += [(b.text, context) for b in section.blocks]
        for question, answer in faq:
            context = (
                self.names.mentions(question + " " + " ".join(answer)) or [primary]
            )[0]
            passages += [(text, context) for text in answer]

        facts, contraindications, definitions = {}, {}, {}
        definition_rank = {}
        for text, context in passages:
            located = _Sentences(text, self._pieces)
            lower = text.lower()
            # None when a word test could miss an IGNORECASE match.
            lowered = _lowered(text)

            def treatment_of(span, text=text, context=context):
                if span is None:
                    named = self.names.mentions(text)
                else:
                    named = self.names.mentions_in(text, *span)
                return named[0] if named else context

            def matches(
                rules,
                text=text,
                lower=lower,
                lowered=lowered,
                located=located,
                treatment_of=treatment_of,
            ):
                """(rule, match, sentence, treatment) for each rule's matches in a
                sentence about a known treatment."""
                for rule, pattern, has_words, first_words in rules:
                    if rule.keywords and not any(
                        map(lower.__contains__, rule.keywords)
                    ):
                        continue
                    if lowered is not None and not has_words(lowered):
                        continue
                    for m in finditer(pattern, text, lowered, first_words):
                        span = located.around(m.start())
                        sentence = text if span is None else text[span[0] : span[1]]
                        treatment = treatment_of(span)
                        if treatment:
                            yield rule, m, sentence, treatment

            for rule, m, sentence, treatment in matches(voc.fact_res):
                groups = {k: v for k, v in m.groupdict().items() if v}
                groups.update({k.upper(): v.capitalize() for k, v in groups.items()})
                value = _truncate(rule.value.format_map(groups), 200)
                facts.setdefault(
                    (treatment, rule.kind, value),
                    Fact(treatment, rule.kind, value, _truncate(sentence, 1000)),
                )
            for rule, m, sentence, treatment in matches(voc.contraindication_res):
                condition = _truncate(rule.condition.format_map(m.groupdict()), 200)
                reason = _reason(sentence)
                key = (treatment, condition)
                if key not in contraindications or (
                    reason and not contraindications[key].reason
                ):
                    contraindications[key] = ContraindicationFact(
                        treatment, condition, reason, _truncate(sentence, 1000)
                    )
            # Whether variant_re matches, from the scan correct() needs anyway.
            if not self.names.known(text):
                continue
            spans = self._spans(text)
            parts = [text[start:end] for start, end in spans]
            for index, sentence in enumerate(parts):
                following = parts[index + 1] if index + 1 < len(parts) else ""
                rank = _definition_rank(sentence, following, self.names)
                if rank is None:
                    continue
                slug = self.names.mentions_in(text, *spans[index])[0]
                if rank < definition_rank.get(slug, 99):
                    definition_rank[slug] = rank
                    if _WHAT_IS.search(sentence):
                        sentence = _EXPLAINS_SUBJECT.sub(
                            voc.by_slug[slug].name, following
                        )
                    elif _EXPLAINS.match(following):
                        sentence = f"{sentence} {following}"
                    definitions[slug] = _truncate(sentence, 400)
        return list(facts.values()), list(contraindications.values()), definitions

    def _overview(self, sections, primary):
        """Sentences that say what a treatment helps with and how it is done, for
        its page. Only plain third-person statements: a blogger's "I tried..." is
        an article's voice, not a treatment page's."""
        found = {}
        for section in sections:
            context = (self.names.mentions(section.heading) or [primary])[0]
            for block in section.blocks:
                if block.kind != "p":
                    continue
                kinds = _overview_kinds(block.text)
                # A sentence's lower() serves the words tests when its paragraph's
                # does (the paragraph has no "İ", "ı" or "ſ").
                plain = _lowered(block.text) is not None
                for start, end in self._spans(block.text):
                    sentence = block.text[start:end]
                    if not (30 <= len(sentence) <= 280) or sentence.endswith("?"):
                        continue
                    if not sentence[0].isupper() or _PERSONAL_FAST.search(sentence):
                        continue
                    lower = sentence.lower()
                    if lower.startswith(("in conclusion", "conclusion")):
                        continue
                    named = self.names.mentions_in(block.text, start, end)
                    treatment = named[0] if named else context
                    if not treatment:
                        continue
                    for kind, pattern in _OVERVIEW.items():
                        bucket = found.setdefault(treatment, {}).setdefault(kind, [])
                        if (
                            len(bucket) < OVERVIEW_PER_KIND
                            and kind in kinds
                            # The words every match has, in this sentence?
                            and (not plain or _OVERVIEW_WORDS_TEST[kind](lower))
                            and pattern.search(sentence)
                        ):
                            bucket.append(sentence)
                            break
        return {
            slug: {kind: tuple(items) for kind, items in kinds.items() if items}
            for slug, kinds in found.items()
        }

    def _summary(self, sections):
        first = next((b.text for s in sections for b in s.blocks if b.kind == "p"), "")
        summary = ""
        for sentence in self._sentences(first):
            if summary and len(summary) + len(sentence) + 1 > SUMMARY_CHARS:
                break
            summary = f"{summary} {sentence}".strip()
        return _truncate(summary, SUMMARY_CHARS)


_OVERVIEW_WORDS_TEST = {
    kind: words_test(pattern.pattern) for kind, pattern in _OVERVIEW.items()
}


def _overview_kinds(text):
    """The kinds of _OVERVIEW whose pattern may match somewhere in `text`."""
    lowered = _lowered(text)
    if lowered is None:
        return set(_OVERVIEW)
    return {kind for kind, test in _OVERVIEW_WORDS_TEST.items() if test(lowered)}


_DEFINITION = re.compile(
    r"^(?P<name>[\w-]+(?: [\w-]+){0,3}?)"
    r"(?:, (?P<aka>also (?:known|called) as [^,]+),| \([^)]*\))? "
    r"(?P<verb>is an?|involves|uses|removes|works|exfoliates|creates|eliminates|"
    r"offers|helps|has)\b",
    re.IGNORECASE,
)
_WHAT_IS = re.compile(r"\bwhat (?:exactly )?is (?P<name>[\w -]+)\?$", re.IGNORECASE)
_EXPLAINS_SUBJECT = re.compile(
    r"^(?:The|This) (?:procedure|treatment|technique|process)\b"
)
_DEFINITION_WORDS_TEST = words_test(_DEFINITION.pattern)
_DEFINITION_VERB_RANK = {"is a": 0, "is an": 0, "involves": 1, "uses": 2}
_EXPLAINS = re.compile(
    r"^(?:The|This|It) (?:procedure|treatment|technique|process|involves)\b"
)


def _definition_rank(sentence, following, names):
    """How well a sentence defines the treatment it opens with (lower is better),
    or None when it does not. "What is X?" counts when the next sentence answers."""
    # _WHAT_IS ends on "?$": skip the search on sentences that cannot match it.
    m = "?" in sentence[-2:] and _WHAT_IS.search(sentence)
    if m and _EXPLAINS.match(following) and _is_name(m.group("name"), names):
        return 1
    # The name must be a treatment's: most sentences start otherwise.
    m = (
        names.may_start(sentence)
        and may_match(sentence, _DEFINITION_WORDS_TEST)
        and _DEFINITION.match(sentence)
    )
    if not m or not _is_name(m.group("name"), names):
        return None
    if m.group("aka"):
        return 0
    return _DEFINITION_VERB_RANK.get(m.group("verb").lower(), 3)


def _is_name(text, names):
    """The whole of `text` is one treatment name."""
    hits = names.scan(text)
    return len(hits) == 1 and hits[0][0] == 0 and hits[0][1] >= len(text.rstrip())


_BECAUSE = re.compile(r"\b(?:because|where|as it|since) (?P<why>[^.;]+)", re.IGNORECASE)


def _reason(sentence):
    m = _BECAUSE.search(sentence)
    if not m:
        return ""
    why = m.group("why").strip().rstrip(".")
    return why[:1].upper() + why[1:] + "."


def _cut_off(text):
    """Warnings for sentences that stop mid-way in a paragraph."""
    warnings = []
    if not _ends_sentence(text) and not text.endswith(":"):
        warnings.append(f'sentence cut off: "...{text[-60:]}"')
    for start, end, word in _run_ons(text):
        warnings.append(
            f'sentence cut off: no full stop before "{word}" in '
            f'"...{text[max(0, start - 30) : end + 20]}..."'
        )
    return warnings


def _run_ons(text):
    """(start, end, word) of each _RUN_ON match in text.

    A match is a word of 3 or more letters a-z with no word character before it,
    then " <Word> ". _RUN_ON_TAIL finds the " <Word> " after 3 such letters; the
    letters before are walked back here. Its matches end where _RUN_ON's do, and
    " <Word> " holds no run of a-z with no word character before it, so the two
    find the same matches."""
    for m in _RUN_ON_TAIL.finditer(text):
        start = m.start() - 3
        while start and "a" <= text[start - 1] <= "z":
            start -= 1
        before = text[start - 1] if start else ""
        if not (before.isalnum() or before == "_"):
            yield start, m.end(), m.group("word")


def _truncate(text, limit):
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:")
    return cut + "…"


_DEFAULT_PARSER = None


def parse(text, name=""):
    """Parse with the shared, once-compiled vocabulary."""
    global _DEFAULT_PARSER
    if _DEFAULT_PARSER is None:
        _DEFAULT_PARSER = Parser()
    return _DEFAULT_PARSER.parse(text, name)
