"""Run the claims and readability checks on a page and keep the result."""

from contextlib import contextmanager

from django.contrib.contenttypes.models import ContentType

from clinic.editorial.claims import find_claims
from clinic.editorial.readability import readability

LABELS = [
    ("title", "Title"),
    ("question", "Question"),
    ("summary", "Summary"),
    ("body", "Body"),
    ("answer", "Answer"),
    ("aftercare", "Aftercare"),
]


def labelled(values):
    """{label: text} of the non-empty fields in `values` ({field name: text}), in
    the order the check reads them."""
    return {
        label: values[name]
        for name, label in LABELS
        if isinstance(values.get(name), str) and values[name]
    }


def checked_text(obj):
    """The fields a reader sees, by label: what the claims check reads."""
    names = {f.name for f in obj._meta.concrete_fields}
    return labelled({name: getattr(obj, name) for name, _ in LABELS if name in names})


def body_text(obj):
    return getattr(obj, "body", None) or getattr(obj, "answer", "") or ""


# Checks worked out ahead of time, in `ahead()`: (rules, fields) -> result.
_ahead = {}


def _key(fields, rules):
    return (tuple((r.label, r.pattern, r.advice) for r in rules), tuple(fields.items()))


def check_fields(values, rules):
    """(key, (findings, readability)) for a page that will have `values` ({field
    name: text}): run where the page is not saved yet (the importer's workers)."""
    fields = labelled(values)
    body = values.get("body") or values.get("answer") or ""
    return _key(fields, rules), (find_claims(fields, rules), readability(body))


@contextmanager
def ahead():
    """Within the block, run_checks() takes its result from the dict this yields
    when the page's text and the rules are those it was worked out for (the
    importer fills it with check_fields() results from its worker processes)."""
    try:
        yield _ahead
    finally:
        _ahead.clear()


def active_rules():
    from clinic.editorial.models import ClaimRule

    return list(ClaimRule.objects.filter(is_active=True))


def run_checks(obj, rules=None):
    """(findings, readability) for `obj`, without saving anything."""
    if rules is None:
        rules = active_rules()
    fields = checked_text(obj)
    if _ahead:
        found = _ahead.get(_key(fields, rules))
        if found is not None:
            return found
    return find_claims(fields, rules), readability(body_text(obj))


def refresh_check(obj, rules=None):
    """Store the latest check of `obj` (one row per page)."""
    from clinic.editorial.models import ContentCheck

    findings, scores = run_checks(obj, rules)
    ContentCheck.objects.update_or_create(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        defaults={
            "claims": [f.as_dict() for f in findings],
            "claims_count": len(findings),
            "reading_ease": scores.reading_ease if scores else None,
            "grade": scores.grade if scores else None,
        },
    )


def refresh_checks(model, objs, rules):
    """`refresh_check` for many pages of one model in a fixed number of queries."""
    from django.utils import timezone

    from clinic.editorial.models import ContentCheck

    if not objs:
        return
    content_type = ContentType.objects.get_for_model(model)
    existing = {
        check.object_id: check
        for check in ContentCheck.objects.filter(
            content_type=content_type, object_id__in=[obj.pk for obj in objs]
        )
    }
    now = timezone.now()
    changed, new = [], []
    for obj in objs:
        findings, scores = run_checks(obj, rules)
        check = existing.get(obj.pk) or ContentCheck(
            content_type=content_type, object_id=obj.pk
        )
        check.claims = [f.as_dict() for f in findings]
        check.claims_count = len(findings)
        check.reading_ease = scores.reading_ease if scores else None
        check.grade = scores.grade if scores else None
        check.checked_at = now
        (changed if check.pk else new).append(check)
    fields = ["claims", "claims_count", "reading_ease", "grade", "checked_at"]
    ContentCheck.objects.bulk_update(changed, fields)
    ContentCheck.objects.bulk_create(new)
