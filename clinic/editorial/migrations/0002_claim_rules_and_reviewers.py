"""Seed the claims list and the Clinical reviewers group; grant the editorial
models to the staff groups."""

from django.db import migrations

CLAIM_RULES = [
    (
        "Promises to remove stretch marks or scars",
        r"\b(remov(e|es|ed|ing|al of)|eras(e|es|ed|ing)|eliminat(e|es|ed|ing)"
        r"|get(s|ting)? rid of|cur(e|es|ed|ing)|banish(es|ed)?|wipes? out)\b"
        r"[^.!?\n]{0,40}?\b(stretch ?marks?|scars?|striae|cellulite|wrinkles)\b",
        "Stretch marks and scars can be made less visible, not removed. Write "
        "'may reduce the appearance of' and say results vary.",
    ),
    (
        "Promises permanent results",
        r"\bpermanent(ly)?\s+(results?|removal|cure|fix|solution)\b"
        r"|\b(results?|effects?)\s+(that\s+)?lasts?\s+forever\b",
        "Say how long results usually last and that they vary between people.",
    ),
    (
        "Guarantees results",
        r"\bguarantee(d|s)?\b|\b100\s?%\s+(effective|success|results?)\b",
        "No treatment result can be guaranteed. Describe typical results instead.",
    ),
    (
        "Claims no side effects or risks",
        r"\bno\s+(side[- ]?effects?|risks?)\b|\brisk[- ]free\b"
        r"|\b(completely|totally|100\s?%)\s+safe\b",
        "Every treatment has possible side effects: name the common ones "
        "(redness, swelling) and link to who should not have it.",
    ),
    (
        "Claims to be painless",
        r"\bpain(less|[- ]free)\b",
        "Say what patients usually feel, e.g. 'most people feel mild discomfort; "
        "a numbing cream is used'.",
    ),
    (
        "Promises instant or miracle results",
        r"\bmiracle\b|\binstant(ly)?\s+(results?|improvement)\b",
        "Results build over several sessions and weeks: say so.",
    ),
    (
        "Claims proof without citing evidence",
        r"\b(clinically\s+)?proven\s+to\b|\bclinically\s+proven\b",
        "Cite the study, or write 'studies suggest'.",
    ),
]

REVIEWER_PERMISSIONS = [
    "articles.review_treatment",
    "articles.review_article",
    "faq.review_question",
    "articles.view_treatment",
    "articles.view_article",
    "faq.view_question",
    "articles.change_treatment",
    "articles.change_article",
    "faq.change_question",
    "editorial.view_revision",
    "editorial.view_contentcheck",
    "editorial.view_claimrule",
    "editorial.view_reviewerprofile",
]
EDITOR_EXTRA = [
    "editorial.view_revision",
    "editorial.view_contentcheck",
    "editorial.view_claimrule",
    "editorial.view_reviewerprofile",
]
PUBLISHER_EXTRA = EDITOR_EXTRA + [
    "editorial.add_claimrule",
    "editorial.change_claimrule",
    "editorial.delete_claimrule",
    "editorial.add_reviewerprofile",
    "editorial.change_reviewerprofile",
]


def seed(apps, schema_editor):
    from clinic.groups import sync_groups

    ClaimRule = apps.get_model("editorial", "ClaimRule")
    for label, pattern, advice in CLAIM_RULES:
        ClaimRule.objects.get_or_create(
            label=label, defaults={"pattern": pattern, "advice": advice}
        )
    sync_groups(
        apps,
        {
            "Clinical reviewers": REVIEWER_PERMISSIONS,
            "Editors": EDITOR_EXTRA,
            "Publishers": PUBLISHER_EXTRA,
        },
    )


def unseed(apps, schema_editor):
    apps.get_model("editorial", "ClaimRule").objects.filter(
        label__in=[label for label, _, _ in CLAIM_RULES]
    ).delete()
    apps.get_model("auth", "Group").objects.filter(name="Clinical reviewers").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("editorial", "0001_initial"),
        ("clinic", "0001_staff_groups"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
