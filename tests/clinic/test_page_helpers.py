"""The cheaper stand-ins the public pages use for Django helpers (issue 6): each must
give exactly what the helper it replaces gives."""

import asyncio
from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import SynchronousOnlyOperation
from django.db import DatabaseError, connection, connections
from django.template import Context, Template
from django.templatetags.static import static
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse, set_script_prefix
from django.utils import timezone, translation
from django.utils.text import Truncator
from taggit.models import Tag

from articles.models import Article
from clinic.compiled import CompiledQuery, _fetch, _native
from clinic.context_processors import site_files, slug_url
from clinic.seo import headline
from tests.factories import make_article

SLUG_VIEWS = ["articles:article-detail", "articles:treatment-detail", "tag-detail"]


@pytest.mark.parametrize("view", SLUG_VIEWS)
@pytest.mark.parametrize("slug", ["acne", "a-b_c-9", "X"])
def test_slug_url_is_the_reversed_url(view, slug):
    assert slug_url(view, slug) == reverse(view, args=[slug])


def test_slug_url_follows_the_script_prefix():
    set_script_prefix("/clinic/")
    try:
        assert slug_url("tag-detail", "acne") == "/clinic/tags/acne/"
    finally:
        set_script_prefix("/")
    assert slug_url("tag-detail", "acne") == "/tags/acne/"


@pytest.mark.parametrize("slug", ["crème", "a b", "", "a/b"])
def test_slug_url_leaves_what_is_not_a_slug_to_reverse(slug):
    with pytest.raises(NoReverseMatch):
        reverse("tag-detail", args=[slug])
    with pytest.raises(NoReverseMatch):
        slug_url("tag-detail", slug)


@pytest.mark.django_db
def test_tag_url_filter_is_the_url_tag():
    tag = Tag.objects.create(name="Stretch marks")
    context = Context({"tag": tag})
    ours = Template("{% load clinic_tags %}{{ tag|tag_url }}").render(context)
    django = Template("{% url 'tag-detail' tag.slug %}").render(context)
    assert ours == django == f"/tags/{tag.slug}/"


def test_site_files_are_the_static_urls():
    assert site_files() == {
        "stylesheet": static("css/site.css"),
        "icon": static("favicon.svg"),
    }


DATES = [
    date(2025, 3, 7),
    date(999, 12, 31),
    datetime(2025, 3, 30, 0, 59, 59, tzinfo=UTC),  # just before the clocks go on
    datetime(2025, 3, 30, 1, 0, 0, 123456, tzinfo=UTC),
    datetime(2025, 10, 26, 1, 30, tzinfo=UTC),  # the hour that happens twice
    datetime(2025, 1, 1, 12, 0),  # naive
    None,
    "",
    "not a date",
]


@pytest.mark.parametrize("value", DATES)
@pytest.mark.parametrize("language", ["en-gb", "fr"])
def test_date_filters_print_what_the_date_filter_prints(value, language):
    pairs = [
        ("{{ v|isoformat }}", "{{ v|date:'c' }}"),
        ("{{ v|long_date }}", '{{ v|date:"j F Y" }}'),
    ]
    if not isinstance(value, datetime):
        pairs.append(("{{ v|isoformat }}", "{{ v|date:'Y-m-d' }}"))
    with translation.override(language), timezone.override("Europe/London"):
        for ours, django in pairs:
            context = Context({"v": value})
            assert Template("{% load clinic_tags %}" + ours).render(
                context
            ) == Template(django).render(context), (ours, value)


@pytest.mark.parametrize(
    "title",
    [
        "Short title",
        "x" * 110,
        "x" * 111,
        "e\u0301" * 60,  # combining accents: 60 characters once composed
        "Cafe\u0301 " * 30,
    ],
)
def test_headline_is_the_truncated_title(title):
    assert headline(title) == Truncator(title).chars(110)


@pytest.mark.django_db
def test_compiled_query_gives_the_same_rows_on_the_drivers_cursor(monkeypatch):
    articles = [make_article() for _ in range(3)]
    compiled = CompiledQuery(
        lambda now: Article.objects.published(now).order_by("pk").cards()
    )
    now = timezone.now()
    with monkeypatch.context() as patch:
        # Nothing logs queries: the driver's cursor, never Django's.
        patch.setattr(connections["default"], "cursor", _no_django_cursor)
        fast = compiled(now)
    with CaptureQueriesContext(connection) as queries:
        logged = compiled(now)  # Django's cursor, so the query is counted
    assert len(queries) == 1
    names = ["pk", "slug", "title", "published_at"]
    rows = [[tuple(getattr(r, n) for n in names) for r in rs] for rs in (fast, logged)]
    assert rows[0] == rows[1] == [tuple(getattr(a, n) for n in names) for a in articles]


def _no_django_cursor(*args, **kwargs):
    raise AssertionError("the compiled query used Django's cursor")


@pytest.mark.django_db
def test_an_error_on_the_drivers_cursor_is_djangos_database_error():
    # As from Django's cursor: DatabaseBusyMiddleware answers a locked SQLite
    # database's OperationalError with a 503.
    sql = "SELECT id FROM no_such_table WHERE id = %s"
    with pytest.raises(DatabaseError):
        _fetch(connection, sql, _native(connection, sql), [1])


@pytest.mark.django_db
def test_compiled_query_refuses_to_run_in_an_event_loop(monkeypatch):
    # pytest-env allows it for the browser tests; the site never does.
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    compiled = CompiledQuery(lambda now: Article.objects.published(now))
    compiled(timezone.now())

    async def call():
        return compiled(timezone.now())

    with pytest.raises(SynchronousOnlyOperation):
        asyncio.run(call())
