"""
What a regular expression's matches must contain or start with, read from the
pattern, so that cheap substring tests do most of the work. Python's engine tries
a case-insensitive pattern that starts with a word boundary or a choice at every
position of a text; `in` and `str.find` skip through it many times faster.

- needs() and words_test(): words every match contains, to rule a text out
  before the pattern runs;
- starts() and finditer(): the words every match starts with, to try the
  pattern only where one of them is.

Used by the claims check (staff write its rules) and the importer's rules.
"""

import re
from functools import lru_cache

# The engine's own parse of a pattern: private in name, stable since Python 3.11.
from re import _constants as sre
from re import _parser as sre_parse

# re.IGNORECASE also matches "ı" and "İ" to "i" and "ſ" to "s", which lower() does
# not do (tests/editorial/test_literals.py checks every character): a substring test
# on lower-cased text rules a match out only without them.
_UNLOWERED = re.compile("[\u0130\u0131\u017f]")


def lowered(text):
    """text.lower() for word tests, or None when such a test could miss a match."""
    if text.isascii() or not _UNLOWERED.search(text):
        return text.lower()
    return None


@lru_cache(maxsize=256)
def needs(pattern, flags=re.IGNORECASE):
    """What every match of `pattern` contains: a tuple of needs, each a word in
    lower case or a tuple of options (tuples of needs) one of which is met.
    Nothing a match could do without is listed; () when nothing is known."""
    try:
        return _needed(sre_parse.parse(pattern, flags))
    except (re.error, RecursionError, OverflowError, ValueError, TypeError):
        return ()


@lru_cache(maxsize=256)
def words_test(pattern, flags=re.IGNORECASE):
    """A function of a lower-cased text that is False when `pattern` cannot
    match the text: the text lacks a word every match has (see needs())."""
    return _test(needs(pattern, flags))


def may_match(text, test):
    """False only when the pattern `test` is the words_test() of cannot match
    `text` (any case)."""
    lower = lowered(text)
    return lower is None or test(lower)


def _test(needs_):
    """needs_ as a function of a lower-cased text. Plain loops, and a choice's
    options of words alone tested in place: the importer asks hundreds of
    times per document."""
    words = tuple(need for need in needs_ if isinstance(need, str))
    # Per choice: (options that are one word, options that are words only,
    # tests of the other options).
    choices = []
    for need in needs_:
        if isinstance(need, str):
            continue
        plain = [o for o in need if all(isinstance(n, str) for n in o)]
        choices.append(
            (
                tuple(o[0] for o in plain if len(o) == 1),
                tuple(o for o in plain if len(o) > 1),
                tuple(_test(o) for o in need if o not in plain),
            )
        )

    def test(lower):
        for word in words:
            if word not in lower:
                return False
        for singles, conjunctions, others in choices:
            # Loops, not any(): about 10% faster over the importer's sentences.
            for word in singles:
                if word in lower:
                    break
            else:
                for conjunction in conjunctions:
                    for word in conjunction:
                        if word not in lower:
                            break
                    else:
                        break  # every word of this option is in the text
                else:
                    for other in others:
                        if other(lower):
                            break
                    else:
                        return False  # no option of this choice is met
        return True

    return test


# Each first word is a find() through the text: more than this cost more than
# running the pattern.
_MOST_STARTS = 8


@lru_cache(maxsize=256)
def starts(pattern, flags=re.IGNORECASE):
    """Words (lower case) one of which every match of `pattern` starts with, or
    None when that is not known (or they are too many to be worth finding)."""
    try:
        found = _starts(list(sre_parse.parse(pattern, flags)))
    except (re.error, RecursionError, OverflowError, ValueError, TypeError):
        return None
    if not found or len(found) > _MOST_STARTS:
        return None
    # A word another starts with is found where that one is.
    return tuple(
        sorted(w for w in found if not any(w.startswith(o) for o in found - {w}))
    )


def finditer(regex, text, lower, first_words, pos=0):
    """regex.finditer(text, pos), where `first_words` is starts() of the pattern
    and `lower` is lowered(text) (None when it cannot be used, then the pattern
    runs as usual). A match starts where one of the words is, so the pattern
    is tried only there, in order, each from the end of the last match: the
    matches finditer() finds, at a fraction of the cost on long texts."""
    if first_words is None or lower is None:
        return regex.finditer(text, pos)
    places = set()
    for word in first_words:
        at = lower.find(word, pos)
        while at != -1:
            places.add(at)
            at = lower.find(word, at + 1)
    return _matches_at(regex, text, sorted(places), pos)


def _matches_at(regex, text, places, pos):
    end = pos
    for at in places:
        if at >= end:
            match = regex.match(text, at)
            if match is not None:
                yield match
                end = match.end()  # never empty: it starts with a word


def _starts(items, depth=0):
    """starts() of a sequence of parsed items (a set), or None."""
    if depth > 30:
        return None
    for index, (op, av) in enumerate(items):
        rest = items[index + 1 :]
        if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
            continue  # takes no character
        if op is sre.LITERAL:
            run = ""
            for op_, av_ in items[index:]:
                if op_ is not sre.LITERAL or av_ >= 128:
                    break
                run += chr(av_).lower()
            # ASCII only: IGNORECASE folds other characters as lower() does not.
            if not run:
                return None
            # Each word costs a find() through the text: a run of one or two
            # letters (found all over) is worth lengthening, others are not.
            more = None
            if len(run) < 3:
                more = _starts(items[index + len(run) :], depth + 1)
            if more and len(more) <= _MOST_STARTS:
                return {run + word for word in more}
            return {run}
        if op is sre.SUBPATTERN:
            return _starts(list(av[3]) + rest, depth + 1)
        if op is sre.ATOMIC_GROUP:
            return _starts(list(av) + rest, depth + 1)
        if op is sre.BRANCH:
            found = set()
            for alternative in av[1]:
                more = _starts(list(alternative) + rest, depth + 1)
                if more is None:
                    return None
                found |= more
            return found
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            low, high, body = av
            if high == 0:
                continue
            # Once at most: what follows comes next. Else another round may.
            found = _starts(list(body) + (rest if high == 1 else []), depth + 1)
            if found is not None and low == 0:  # or it starts after the repeat
                more = _starts(rest, depth + 1)
                found = None if more is None else found | more
            return found
        return None  # a class, any character, a reference: could be anything
    return None  # a match could be empty


def _needed(items):
    """The needs of a sequence of parsed items (see needs())."""
    needed, run = [], ""
    for op, av in items:
        # ASCII only: IGNORECASE folds other characters in ways lower() does not.
        if op is sre.LITERAL and av < 128:
            run += chr(av).lower()
            continue
        if run:
            needed.append(run)
            run = ""
        if op is sre.SUBPATTERN:
            needed += _needed(av[3])
        elif op is sre.ATOMIC_GROUP:
            needed += _needed(av)
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            if av[0] >= 1:
                needed += _needed(av[2])
        elif op is sre.BRANCH:
            options = tuple(_needed(alternative) for alternative in av[1])
            if all(options):  # one alternative needs nothing: nor does the choice
                needed.append(options)
        # Anything else (a class, a lookaround, a reference) needs nothing known.
    if run:
        needed.append(run)
    return tuple(needed)
