from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from clinic.editorial.models import ReviewerProfile
from tests.conftest import make_staff
from tests.factories import make_article, make_question, make_treatment

TODAY = timezone.localdate()


def overdue(factory, **kw):
    return factory(
        reviewed_date=TODAY - timedelta(days=400),
        next_review_date=TODAY - timedelta(days=5),
        **kw,
    )


@pytest.mark.django_db
def test_review_status_exits_nonzero_when_a_published_page_is_overdue(capsys):
    overdue(make_treatment, title="Old treatment")
    with pytest.raises(SystemExit) as exit_info:
        call_command("review_status")
    assert exit_info.value.code == 1
    out = capsys.readouterr().out
    assert "OVERDUE" in out and "Old treatment" in out


@pytest.mark.django_db
def test_review_status_exits_zero_when_only_drafts_are_overdue(capsys):
    overdue(make_article, status="draft")
    make_question(reviewed_date=TODAY, next_review_date=TODAY + timedelta(days=10))
    call_command("review_status")  # no SystemExit
    out = capsys.readouterr().out
    assert "DUE" in out
    assert "0 published page(s) overdue" in out


@pytest.mark.django_db
def test_admin_index_shows_review_counts_at_a_glance(publisher_client):
    overdue(make_article)
    make_article(reviewed_date=TODAY, next_review_date=TODAY + timedelta(days=5))
    make_article()
    html = publisher_client.get("/admin/").content.decode()
    assert 'id="review-dashboard"' in html
    assert "?review=overdue&amp;visibility=live" in html


@pytest.mark.django_db
def test_mark_as_reviewed_stamps_reviewer_and_dates():
    reviewer = make_staff("dr", "Clinical reviewers")
    ReviewerProfile.objects.create(
        user=reviewer, display_name="Dr Ana Silva", credentials="MBBS, MRCP"
    )
    from django.test import Client

    client = Client()
    client.force_login(reviewer)
    article = overdue(make_article)
    client.post(
        "/admin/articles/article/",
        {"action": "mark_reviewed", "_selected_action": [article.pk]},
    )
    article.refresh_from_db()
    assert article.reviewer_name == "Dr Ana Silva"
    assert article.reviewer_credentials == "MBBS, MRCP"
    assert article.reviewed_date == TODAY
    assert article.next_review_date == TODAY + timedelta(days=365)
    assert not article.is_review_overdue


@pytest.mark.django_db
def test_mark_as_reviewed_needs_the_reviewer_permission(editor_client):
    article = overdue(make_article)
    editor_client.post(
        "/admin/articles/article/",
        {"action": "mark_reviewed", "_selected_action": [article.pk]},
    )
    article.refresh_from_db()
    assert article.reviewed_date == TODAY - timedelta(days=400)


@pytest.mark.django_db
def test_editor_cannot_fake_a_review_date_in_the_form(editor_client):
    from tests.clinic.test_admin import article_form, change_url

    article = make_article(status="draft")
    editor_client.post(
        change_url(article),
        article_form(article, reviewed_date="2026-01-01", reviewer_name="Dr Fake"),
    )
    article.refresh_from_db()
    assert article.reviewed_date is None
    assert article.reviewer_name == ""


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [("overdue", {"Overdue page"}), ("due", {"Due page"}), ("never", {"Never page"})],
)
def test_admin_review_filters_pick_the_right_pages(publisher_client, query, expected):
    overdue(make_article, title="Overdue page")
    make_article(
        title="Due page",
        reviewed_date=TODAY - timedelta(days=340),
        next_review_date=TODAY + timedelta(days=20),
    )
    make_article(
        title="Fine page",
        reviewed_date=TODAY,
        next_review_date=TODAY + timedelta(days=300),
    )
    make_article(title="Never page")
    response = publisher_client.get(f"/admin/articles/article/?review={query}")
    titles = {str(a) for a in response.context["cl"].result_list}
    assert titles == expected
