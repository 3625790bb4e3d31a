"""
The query parser: pure functions, no database. Text in, a `Query` out.

Whatever a visitor types becomes a list of units; a unit is a word or a quoted phrase
plus the alternatives synonyms and spelling corrections add. Only letters and digits
survive, folded to lower case without accents, so no operator of FTS5 or tsquery can
ever reach the database: the back-ends quote each token themselves.
"""

import re
import unicodedata
from dataclasses import dataclass, field, replace

# Longer queries are cut here (and the page says so); nobody types more to a clinic.
MAX_QUERY_CHARS = 200
MAX_UNITS = 8
MAX_TOKEN_CHARS = 40

# PostgreSQL's English stop words: dropping them here (outside phrases) keeps SQLite,
# whose porter tokenizer keeps them, matching the same pages as PostgreSQL.
STOP_WORDS = frozenset(
    """
    a about above after again against all am an and any are as at be because been
    before being below between both but by can did do does doing don down during
    each few for from further had has have having he her here hers herself him
    himself his how i if in into is it its itself just me more most my myself no nor
    not now of off on once only or other our ours ourselves out over own s same she
    should so some such t than that the their theirs them themselves then there
    these they this those through to too under until up very was we were what when
    where which while who whom why will with you your yours yourself yourselves
    """.split()
)

_TOKEN = re.compile(r"[^\W_]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def fold(text):
    """Lower case, accents removed, compatibility forms unified (full-width
    letters become plain ones)."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text.casefold()


def tokens(text):
    """The folded words of `text`: runs of letters and digits, each at most
    MAX_TOKEN_CHARS long."""
    return [t[:MAX_TOKEN_CHARS] for t in _TOKEN.findall(fold(text))]


def clean(text):
    """Text safe to store and index: no control characters (the snippet markers
    are control characters, so content can never forge one)."""
    return _CONTROL.sub(" ", text or "")


@dataclass(frozen=True)
class Unit:
    """One word or quoted phrase the results must contain, or one of its
    alternatives. Each alternative is a tuple of tokens matched as a phrase."""

    words: tuple
    is_phrase: bool = False
    alternatives: tuple = ()

    @property
    def choices(self):
        return (self.words, *self.alternatives)

    def text(self):
        joined = " ".join(self.words)
        return f'"{joined}"' if self.is_phrase else joined


@dataclass(frozen=True)
class Query:
    """A parsed query: the units all results must match (AND), and what changed."""

    units: tuple = ()
    was_cut: bool = False
    corrections: dict = field(default_factory=dict)

    def __bool__(self):
        return bool(self.units)

    def text(self):
        return " ".join(unit.text() for unit in self.units)

    def words(self):
        """Every distinct token the query can match, for highlighting and logging."""
        seen = []
        for unit in self.units:
            for choice in unit.choices:
                for word in choice:
                    if word not in seen:
                        seen.append(word)
        return seen


def parse(text):
    """Parse what a visitor typed. Quotes make phrases (an unbalanced quote runs to
    the end); every other symbol is a word separator. Never raises."""
    text = clean(text)
    was_cut = len(text) > MAX_QUERY_CHARS
    text = text[:MAX_QUERY_CHARS]
    units = []
    for i, part in enumerate(text.split('"')):
        words = tokens(part)
        if i % 2 == 1:
            if len(words) > 1:
                units.append(Unit(tuple(words), is_phrase=True))
                continue
        else:
            words = [w for w in words if w not in STOP_WORDS]
        units.extend(Unit((w,)) for w in words)
    # Same word twice adds nothing but cost.
    unique = list(dict.fromkeys(units))
    was_cut = was_cut or len(unique) > MAX_UNITS
    return Query(tuple(unique[:MAX_UNITS]), was_cut=was_cut)


def synonym_groups(lines_per_group):
    """Normalise synonym groups: each group is an iterable of names; the result is a
    list of tuples of token tuples, groups with fewer than two names dropped."""
    groups = []
    for names in lines_per_group:
        group = tuple(dict.fromkeys(t for t in (tuple(tokens(n)) for n in names) if t))
        if len(group) > 1:
            groups.append(group)
    return groups


def expand(query, groups):
    """Replace every run of units that spells a synonym (longest first) by one unit
    whose alternatives are the whole group. "micro needling" becomes
    microneedling OR "micro needling" OR "derma roller" OR ..."""
    by_first = {}
    for group in groups:
        for name in group:
            by_first.setdefault(name[0], []).append((name, group))
    for candidates in by_first.values():
        candidates.sort(key=lambda item: -len(item[0]))

    units, i = list(query.units), 0
    out = []
    while i < len(units):
        unit = units[i]
        if unit.is_phrase:
            span, words = 1, unit.words
            match = next(
                (g for name, g in by_first.get(words[0], ()) if name == words), None
            )
        else:
            span, match = 1, None
            for name, group in by_first.get(unit.words[0], ()):
                n = len(name)
                run = units[i : i + n]
                if len(run) == n and all(
                    not u.is_phrase and u.words == (w,)
                    for u, w in zip(run, name, strict=True)
                ):
                    span, match, words = n, group, name
                    break
        if match is None:
            out.append(unit)
        else:
            others = tuple(g for g in match if g != words)
            out.append(
                Unit(
                    words,
                    is_phrase=len(words) > 1,
                    alternatives=others + unit.alternatives,
                )
            )
        i += span
    return replace(query, units=tuple(out))


def with_alternative(query, word, alternative):
    """The query with `alternative` also accepted wherever the single word `word`
    was asked for (a spelling correction)."""
    units = tuple(
        replace(u, alternatives=u.alternatives + ((alternative,),))
        if u.words == (word,) and (alternative,) not in u.choices
        else u
        for u in query.units
    )
    corrections = {**query.corrections, word: alternative}
    return replace(query, units=units, corrections=corrections)


def corrected_text(query):
    """The query as the visitor typed it, with corrected words replaced: the text
    behind "Did you mean ...?"."""
    parts = []
    for unit in query.units:
        words = [query.corrections.get(w, w) for w in unit.words]
        joined = " ".join(words)
        parts.append(f'"{joined}"' if unit.is_phrase else joined)
    return " ".join(parts)


def edit_distance(a, b, limit=3):
    """Levenshtein distance between two words, or `limit` when it is at least that
    (a banded computation: typo candidates are only ever a letter or two apart)."""
    if abs(len(a) - len(b)) >= limit:
        return limit
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            )
        if min(current) >= limit:
            return limit
        previous = current
    return min(previous[-1], limit)


_INFLECTIONS = ("s", "es", "ed", "ing", "ly", "er", "ers")


def is_inflection(a, b):
    """True if one word is the other plus a common ending: stemming already finds
    those, so they are not typos."""
    short, long = sorted((a, b), key=len)
    return long.startswith(short) and long[len(short) :] in _INFLECTIONS


def trigrams(word):
    """pg_trgm's trigrams of one word (two spaces before, one after), so SQLite's
    candidate search scores words the way PostgreSQL's similarity() does."""
    padded = f"  {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def best_correction(word, candidates):
    """The closest known word to an unknown `word`, from (term, frequency) pairs:
    edit distance 1 for words up to 5 letters, 2 beyond; ties go to the more frequent
    word, then the alphabetically first. None if nothing is close enough."""
    if len(word) < 4 or word.isdigit():
        return None
    limit = 2 if len(word) <= 5 else 3
    best = None
    for term, frequency in candidates:
        if term == word or is_inflection(term, word):
            continue
        distance = edit_distance(word, term, limit)
        if distance < limit:
            key = (distance, -frequency, term)
            if best is None or key < best[0]:
                best = (key, term)
    return best and best[1]


def joins(query):
    """Words typed apart that may be one word ("microderm abrasion"): each run of two
    or three plain words as (start, length, joined), longest runs first."""
    units = query.units
    found = []
    for n in (3, 2):
        for i in range(len(units) - n + 1):
            run = units[i : i + n]
            if all(not u.is_phrase and not u.alternatives for u in run):
                found.append((i, n, "".join(u.words[0] for u in run)))
    return found


def join(query, start, length, joined):
    """The query with units start..start+length merged into the word `joined`, the
    words as typed kept as an alternative phrase."""
    units = query.units
    typed = tuple(u.words[0] for u in units[start : start + length])
    merged = Unit((joined,), alternatives=(typed,))
    return replace(query, units=units[:start] + (merged,) + units[start + length :])
