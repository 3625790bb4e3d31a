"""
The claims check: find wording that advertising rules for cosmetic treatments do not
allow without strong evidence. Pure: text and rules in, findings out.
"""

import re
from dataclasses import asdict, dataclass
from functools import lru_cache

from clinic.literals import finditer, lowered, starts, words_test

# The text a finding quotes around the match.
CONTEXT = 40


@dataclass(frozen=True)
class Finding:
    rule: str
    field: str
    match: str
    excerpt: str
    advice: str

    def as_dict(self):
        return asdict(self)


def find_claims(fields, rules):
    """`fields` maps field labels to text; `rules` are objects with `label`,
    `pattern` and `advice`. Returns one Finding per match, in field order."""
    compiled = []
    for rule in rules:
        regex = _compiled(rule.pattern)
        if regex is not None:  # An invalid rule is refused by the admin form.
            compiled.append((rule, regex, words_test(rule.pattern)))
    findings = []
    for field, text in fields.items():
        if not text:
            continue
        # A rule whose words are not all in the text cannot match it.
        lower = lowered(text)
        candidates = [
            (rule, regex)
            for rule, regex, has_words in compiled
            if lower is None or has_words(lower)
        ]
        if not candidates:
            continue
        # Most fields match no rule: one pass over them instead of one per rule.
        # No rule matches before the first match of any, so each starts there.
        first_at = 0
        any_rule = None
        if len(candidates) > 1:
            any_rule = _any_of(tuple(regex.pattern for _, regex in candidates))
        # Each tried only where a match can start (clinic.literals.finditer).
        if any_rule is not None:
            found = finditer(any_rule, text, lower, starts(any_rule.pattern))
            first = next(found, None)
            if first is None:
                continue
            first_at = first.start()
        for rule, regex in candidates:
            found = finditer(regex, text, lower, starts(rule.pattern), first_at)
            for match in found:
                start = max(0, match.start() - CONTEXT)
                end = min(len(text), match.end() + CONTEXT)
                excerpt = " ".join(text[start:end].split())
                findings.append(
                    Finding(
                        rule=rule.label,
                        field=field,
                        match=match.group(0),
                        excerpt=("…" if start else "")
                        + excerpt
                        + ("…" if end < len(text) else ""),
                        advice=rule.advice,
                    )
                )
    return findings


@lru_cache(maxsize=256)
def _compiled(pattern):
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error:
        return None


# A reference to a group by number or name would point elsewhere once the
# patterns are joined.
_GROUP_REFERENCE = re.compile(r"\\[1-9]|\(\?P=|\(\?\(")


# Keyed by the rules a field may match: a few combinations of the same rules.
@lru_cache(maxsize=128)
def _any_of(patterns):
    """One pattern matching where any of `patterns` does, or None when they
    cannot be joined (a group reference, a global flag such as `(?x)`)."""
    if not patterns or any(_GROUP_REFERENCE.search(p) for p in patterns):
        return None
    try:
        return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)
    except re.error:
        return None
