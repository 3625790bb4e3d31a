"""
The claims check: find wording that advertising rules for cosmetic treatments do not
allow without strong evidence. Pure: text and rules in, findings out.
"""

import re
from dataclasses import asdict, dataclass

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
        try:
            compiled.append((rule, re.compile(rule.pattern, re.IGNORECASE)))
        except re.error:
            continue  # An invalid rule is refused by the admin form; never crash here.
    findings = []
    for field, text in fields.items():
        if not text:
            continue
        for rule, regex in compiled:
            for match in regex.finditer(text):
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
