import importlib
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinic.editorial.checks import run_checks
from clinic.editorial.claims import Finding, find_claims
from clinic.editorial.models import ClaimRule, ContentCheck
from tests.factories import make_article, make_question

BUNDLED_TITLE = (
    "This Simple At-Home Treatment Will Remove Your Stretch Marks & Body Scars"
)


def active_rules():
    return list(ClaimRule.objects.filter(is_active=True))


@pytest.mark.django_db
def test_the_bundled_remove_your_stretch_marks_title_is_flagged():
    findings = find_claims({"Title": BUNDLED_TITLE}, active_rules())
    assert [f.rule for f in findings] == ["Promises to remove stretch marks or scars"]
    assert findings[0].match == "Remove Your Stretch Marks"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("Microneedling will erase scars for good.", "remove stretch marks"),
        ("Get rid of stretch marks in a week!", "remove stretch marks"),
        ("Enjoy permanent results after three visits.", "permanent results"),
        ("Results guaranteed or your money back.", "Guarantees results"),
        ("A treatment with no side effects at all.", "no side effects"),
        ("The procedure is completely safe.", "no side effects"),
        ("Most patients find it painless.", "painless"),
        ("It is pain-free.", "painless"),
        ("It renders instant results.", "instant or miracle"),
        ("It has been proven to provide dramatic results.", "proof"),
    ],
)
def test_restricted_claims_are_flagged(text, rule):
    findings = find_claims({"Body": text}, active_rules())
    assert any(rule.lower() in f.rule.lower() for f in findings), findings


@pytest.mark.django_db
@pytest.mark.parametrize(
    "text",
    [
        "Microneedling may reduce the appearance of stretch marks.",
        "Most people feel mild discomfort; a numbing cream is used.",
        "Stretch marks are permanent, but they fade with time.",
        "Results vary from person to person.",
    ],
)
def test_careful_wording_is_not_flagged(text):
    assert find_claims({"Body": text}, active_rules()) == []


def test_a_broken_rule_is_ignored_not_a_crash():
    class Rule:
        label, pattern, advice = "broken", "(unclosed", ""

    assert find_claims({"Body": "anything"}, [Rule()]) == []


class Rule:
    def __init__(self, label, pattern):
        self.label, self.pattern, self.advice = label, pattern, ""


def _each_rule_on_its_own(fields, rules):
    return [f for rule in rules for f in find_claims(fields, [rule])]


def test_every_match_of_every_rule_is_found_wherever_the_first_match_is():
    rules = [Rule("late", r"\bforever\b"), Rule("early", r"\bpainless\b")]
    fields = {"Body": "Painless, they say. Painless and it lasts forever; painless."}
    found = find_claims(fields, rules)
    assert [(f.rule, f.match) for f in found] == [
        ("late", "forever"),
        ("early", "Painless"),
        ("early", "Painless"),
        ("early", "painless"),
    ]
    assert sorted(found, key=str) == sorted(
        _each_rule_on_its_own(fields, rules), key=str
    )


@pytest.mark.parametrize(
    "text",
    [
        "Painless, and results that last forever.",
        # Two rules match at the same place: the joined pattern reports the first.
        "A permanent cure. Permanently removes scars. Painless. Painless.",
        "It is painless",  # a match that ends the text
        "No rule here at all.",
        "",
    ],
)
def test_joined_pass_finds_what_each_rule_finds_on_its_own(text):
    rules = [
        Rule("cure", r"\bpermanent(ly)?\s+(cure|removal)\b|\bcure\b"),
        Rule("remove", r"\b(permanently\s+)?remov\w*\b[^.]{0,20}scars?\b"),
        Rule("painless", r"\bpainless\b"),
        Rule("forever", r"forever\b|\b(?=lasts?)last"),
        Rule("anywhere", r"(?:x*)"),  # matches the empty text everywhere
    ]
    fields = {"Body": text, "Title": text.upper()}
    expected = [
        f
        for field in fields
        for f in _each_rule_on_its_own({field: fields[field]}, rules)
    ]
    assert find_claims(fields, rules) == expected


def test_rules_that_cannot_be_joined_into_one_pattern_still_match():
    rules = [
        Rule("repeated word", r"\b(\w+) \1\b"),
        Rule("verbose", r"(?x) pain \s* less"),
        Rule("named", r"(?P<w>miracle)"),
        Rule("named again", r"(?P<w>cure)"),
    ]
    fields = {"Body": "A miracle cure, painless painless."}
    assert [f.rule for f in find_claims(fields, rules)] == [
        "repeated word",
        "verbose",
        "verbose",
        "named",
        "named again",
    ]


@pytest.mark.django_db
def test_staff_edited_rules_apply_to_the_next_check():
    article = make_article(body="Our lasers are the best in town.")
    assert run_checks(article)[0] == []
    ClaimRule.objects.create(label="Superlatives", pattern=r"\bbest in town\b")
    assert [f.rule for f in run_checks(article)[0]] == ["Superlatives"]


@pytest.mark.django_db
def test_saving_a_page_stores_its_check_for_the_admin_list():
    question = make_question(question="Is it painless?", answer="Yes, painless.")
    check = ContentCheck.objects.get(object_id=question.pk)
    assert check.claims_count == 2
    assert {c["field"] for c in check.claims} == {"Question", "Answer"}


@pytest.mark.django_db
def test_publisher_can_still_publish_a_flagged_page(publisher_client):
    article = make_article(title=BUNDLED_TITLE, status="draft")
    response = publisher_client.post(
        "/admin/articles/article/",
        {"action": "publish_selected", "_selected_action": [article.pk]},
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.is_published


@pytest.mark.django_db
def test_change_form_shows_the_findings_beside_the_text(publisher_client):
    body = "Stretch marks are common. They often fade with time. Ask a doctor first."
    article = make_article(title=BUNDLED_TITLE, body=body)
    body = publisher_client.get(f"/admin/articles/article/{article.pk}/change/")
    html = body.content.decode()
    assert "Promises to remove stretch marks or scars" in html
    assert "Publishers can still publish" in html
    assert "Reading ease" in html


@pytest.mark.django_db
def test_changelist_flags_pages_with_claims(publisher_client):
    make_article(title=BUNDLED_TITLE)
    make_article(title="Careful article")
    response = publisher_client.get("/admin/articles/article/?claims=flagged")
    html = response.content.decode()
    assert "Will Remove Your Stretch Marks" in html
    assert "Careful article" not in html


def test_a_check_worked_out_ahead_is_used_only_for_the_same_text_and_rules():
    from types import SimpleNamespace

    from articles.models import Article
    from clinic.editorial.checks import ahead, check_fields

    rules = [SimpleNamespace(label="Permanent", pattern="permanent", advice="")]
    other_rules = [SimpleNamespace(label="Painless", pattern="painless", advice="")]
    key, _ = check_fields({"title": "Permanent results"}, rules)
    sentinel = ([], None)
    page = Article(title="Permanent results")
    with ahead() as known:
        known[key] = sentinel
        assert run_checks(page, rules) is sentinel
        assert run_checks(page, other_rules) is not sentinel
        page.title = "Permanent results, gently"
        assert run_checks(page, rules) is not sentinel
        page.title = "Permanent results"
    # Outside the block the page is checked afresh.
    findings, _ = run_checks(page, rules)
    assert [f.rule for f in findings] == ["Permanent"]


# The seeded rules, and rules of the shapes staff may write, for the shortcuts.
SEEDED_RULES = [
    Rule(label, pattern)
    for label, pattern, _ in importlib.import_module(
        "clinic.editorial.migrations.0002_claim_rules_and_reviewers"
    ).CLAIM_RULES
]
ODD_RULES = [
    Rule("repeated word", r"\b(\w+) \1\b"),
    Rule("verbose", r"(?x) pain \s* less"),
    Rule("anywhere", r"(?:x*)"),
    Rule("class first", r"[0-9]+% (?:off|free)"),
    Rule("accent", r"caf\u00e9 cure"),
    Rule("broken", r"(unclosed"),
]


def _each_pattern_alone(fields, rules):
    """What find_claims() finds, from each rule's own pattern run over each
    field: no joined pattern, no word tests, no first words."""
    findings = []
    for field, text in fields.items():
        for rule in rules:
            try:
                regex = re.compile(rule.pattern, re.IGNORECASE)
            except re.error:
                continue
            for match in regex.finditer(text) if text else ():
                start = max(0, match.start() - 40)
                end = min(len(text), match.end() + 40)
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


def _claims_texts():
    """Text around matches of the rules, in any case, with odd characters."""
    matches = st.one_of(
        [
            st.from_regex(re.compile(r.pattern, re.IGNORECASE))
            for r in SEEDED_RULES + ODD_RULES[:-1]
        ]
    )
    filler = st.sampled_from(
        [" ", ". ", "\n", "x", "no ", "It is ", "\u0130", "\u0131", "\u017f", "\u212a"]
    )
    return st.lists(st.tuples(filler, matches), max_size=4).map(
        lambda parts: "".join(a + b for a, b in parts)
    )


@settings(max_examples=300, deadline=None, database=None)
@given(title=_claims_texts(), body=_claims_texts(), answer=_claims_texts())
def test_word_tests_and_first_words_find_what_each_pattern_finds(title, body, answer):
    fields = {"Title": title, "Body": body, "Answer": answer}
    for rules in (SEEDED_RULES, SEEDED_RULES + ODD_RULES, SEEDED_RULES[3:5]):
        assert find_claims(fields, rules) == _each_pattern_alone(fields, rules)
