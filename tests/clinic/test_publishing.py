from datetime import date, timedelta

import pytest
from django.utils import timezone

from articles.models import Article, Treatment
from clinic.publishing import Status
from faq.models import Question
from tests.factories import make_article, make_question, make_treatment

NOW = timezone.now()

# status, published_at offset from now (None = empty), expected visibility.
PUBLISH_TRUTH_TABLE = [
    (Status.PUBLISHED, timedelta(days=-1), True),
    (Status.PUBLISHED, timedelta(seconds=-1), True),
    (Status.PUBLISHED, timedelta(days=1), False),
    (Status.DRAFT, timedelta(days=-1), False),
    (Status.DRAFT, timedelta(days=1), False),
    (Status.DRAFT, None, False),
]


@pytest.mark.django_db
@pytest.mark.parametrize("factory", [make_article, make_treatment, make_question])
@pytest.mark.parametrize(("status", "offset", "visible"), PUBLISH_TRUTH_TABLE)
def test_published_queryset_and_is_published_agree(factory, status, offset, visible):
    obj = factory(status=status, published_at=None)
    # Set the time after save(): save() fills an empty time for published rows.
    type(obj).objects.filter(pk=obj.pk).update(
        published_at=None if offset is None else timezone.now() + offset
    )
    obj.refresh_from_db()
    in_queryset = type(obj).objects.published().filter(pk=obj.pk).exists()
    assert in_queryset is visible
    assert obj.is_published is visible


@pytest.mark.django_db
def test_publishing_without_a_time_goes_live_now():
    article = make_article(status=Status.DRAFT)
    article.status = Status.PUBLISHED
    article.save()
    assert article.published_at is not None
    assert Article.objects.published().filter(pk=article.pk).exists()


@pytest.mark.django_db
def test_scheduled_page_goes_live_at_its_time(monkeypatch):
    article = make_article(published_at=NOW + timedelta(hours=2))
    assert not Article.objects.published().filter(pk=article.pk).exists()
    monkeypatch.setattr(timezone, "now", lambda: NOW + timedelta(hours=3))
    assert Article.objects.published().filter(pk=article.pk).exists()
    assert article.is_published


@pytest.mark.django_db
def test_default_manager_still_returns_drafts_for_the_admin():
    make_article(status=Status.DRAFT)
    assert Article.objects.count() == 1
    assert Article.objects.published().count() == 0


@pytest.mark.django_db
def test_next_review_date_defaults_from_the_interval_for_its_kind(settings):
    settings.CLINIC_REVIEW_INTERVALS = {
        "treatment": timedelta(days=365),
        "article": timedelta(days=180),
        "question": timedelta(days=90),
    }
    reviewed = date(2026, 1, 10)
    assert make_treatment(reviewed_date=reviewed).next_review_date == date(2027, 1, 10)
    assert make_article(reviewed_date=reviewed).next_review_date == date(2026, 7, 9)
    assert make_question(reviewed_date=reviewed).next_review_date == date(2026, 4, 10)


@pytest.mark.django_db
def test_review_querysets_split_overdue_due_soon_and_never_reviewed():
    today = timezone.localdate()
    overdue = make_article(
        reviewed_date=today - timedelta(days=400),
        next_review_date=today - timedelta(days=1),
    )
    due = make_article(
        reviewed_date=today - timedelta(days=350),
        next_review_date=today + timedelta(days=10),
    )
    fine = make_article(
        reviewed_date=today, next_review_date=today + timedelta(days=200)
    )
    never = make_article()
    assert list(Article.objects.overdue_for_review()) == [overdue]
    assert list(Article.objects.due_for_review()) == [due]
    assert list(Article.objects.never_reviewed()) == [never]
    assert fine.is_review_overdue is False and overdue.is_review_overdue is True


@pytest.mark.django_db
def test_tags_are_case_insensitive():
    first = make_article(tags=["Collagen"])
    second = make_treatment(tags=["collagen"])
    assert first.tags.get().pk == second.tags.get().pk
    assert Treatment.objects.tagged("collagen").get() == second
    assert Question.objects.tagged("collagen").count() == 0
