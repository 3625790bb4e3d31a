"""Run the claims and readability checks on a page and keep the result."""

from django.contrib.contenttypes.models import ContentType

from clinic.editorial.claims import find_claims
from clinic.editorial.readability import readability


def checked_text(obj):
    """The fields a reader sees, by label: what the claims check reads."""
    fields = {}
    names = {f.name for f in obj._meta.concrete_fields}
    for name, label in [
        ("title", "Title"),
        ("question", "Question"),
        ("summary", "Summary"),
        ("body", "Body"),
        ("answer", "Answer"),
        ("aftercare", "Aftercare"),
    ]:
        value = getattr(obj, name, None) if name in names else None
        if isinstance(value, str) and value:
            fields[label] = value
    return fields


def body_text(obj):
    return getattr(obj, "body", None) or getattr(obj, "answer", "") or ""


def active_rules():
    from clinic.editorial.models import ClaimRule

    return list(ClaimRule.objects.filter(is_active=True))


def run_checks(obj, rules=None):
    """(findings, readability) for `obj`, without saving anything."""
    if rules is None:
        rules = active_rules()
    return find_claims(checked_text(obj), rules), readability(body_text(obj))


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
