"""Cross-app pages: home, tags, robots.txt, health check, error pages; and the detail
view that every kind of page uses, with the staff draft preview."""

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import Http404, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from django.views.generic import DetailView
from taggit.models import Tag

from articles.models import Article, Treatment
from clinic import seo
from clinic.compiled import CompiledQuery
from clinic.context_processors import site_files, site_links, slug_url
from clinic.publishing import published_tags
from faq.models import Question


class PublishableDetailView(DetailView):
    """Public detail page; staff also see drafts, marked as such and never cached."""

    def get_queryset(self):
        return self.model.objects.visible_to(self.request.user)

    def get_object(self, queryset=None):
        user = self.request.user
        if (
            queryset is not None
            or self.slug_url_kwarg not in self.kwargs
            or (user.is_authenticated and user.is_staff)
        ):
            return super().get_object(queryset)
        try:
            return self.model.objects.published_page(self.kwargs[self.slug_url_kwarg])
        except self.model.DoesNotExist:
            raise Http404("No such page") from None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["is_preview"] = not self.object.is_published
        return context

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if context["is_preview"]:
            add_never_cache_headers(response)
            response["X-Robots-Tag"] = "noindex"
        return response


# The public pages' list queries, compiled once per process (CompiledQuery).
_TREATMENTS = CompiledQuery(lambda now: Treatment.objects.published(now))
_LATEST_ARTICLES = CompiledQuery(
    lambda now, limit: Article.objects.published(now).cards()[:limit]
)
# "Most asked": editors order questions by how often patients ask them.
_MOST_ASKED = CompiledQuery(
    lambda now, limit: Question.objects.published(now).order_by("position", "pk")[
        :limit
    ]
)
_TAG = CompiledQuery(lambda slug: Tag.objects.filter(slug=slug))
_TAGGED_ARTICLES = CompiledQuery(
    lambda slug, now, start, stop, common: (
        Article.objects.published(now).tagged(slug, common=common).cards()[start:stop]
    )
)
_TAGGED_TREATMENTS = CompiledQuery(
    lambda slug, now: Treatment.objects.published(now).tagged(slug)
)
_TAGGED_QUESTIONS = CompiledQuery(
    lambda slug, now: Question.objects.published(now).tagged(slug)
)


def home(request):
    trail = seo.crumbs()
    now = timezone.now()
    return render(
        request,
        "clinic/home.html",
        {
            "treatments": _TREATMENTS(now),
            "articles": _LATEST_ARTICLES(now, limit=5),
            "questions": _MOST_ASKED(now, limit=6),
            "breadcrumbs": trail,
            "structured_data": seo.home_graph(request, trail),
        },
    )


def tag_list(request):
    trail = seo.crumbs(("Topics", site_links()["topics"]))
    return render(
        request,
        "clinic/tag_list.html",
        {
            "tags": published_tags(),
            "breadcrumbs": trail,
            "structured_data": seo.collection_graph(request, trail, "Topics"),
        },
    )


# Articles per tag page: a topic may hold thousands. Pages are numbered from the
# newest; there is no total, so no COUNT over every article with the tag.
TAG_ARTICLES_PER_PAGE = 20


def page_number(request):
    try:
        number = int(request.GET.get("page", "1"))
    except ValueError:
        raise Http404("No such page") from None
    if number < 1:
        raise Http404("No such page")
    return number


def tag_detail(request, slug):
    tags = _TAG(slug)
    if not tags:
        raise Http404("No such topic")
    tag = tags[0]
    number = page_number(request)
    start = (number - 1) * TAG_ARTICLES_PER_PAGE
    now = timezone.now()
    # One row past the page says whether an older page exists.
    articles = _TAGGED_ARTICLES(
        slug,
        now,
        start=start,
        stop=start + TAG_ARTICLES_PER_PAGE + 1,
        common=Article.objects.tag_is_common(slug),
    )
    has_older = len(articles) > TAG_ARTICLES_PER_PAGE
    articles = articles[:TAG_ARTICLES_PER_PAGE]
    if number > 1:
        # Later pages list articles only; treatments and questions are on page 1.
        if not articles:
            raise Http404("No such page")
        treatments, questions = [], []
    else:
        treatments = _TAGGED_TREATMENTS(slug, now)
        questions = _TAGGED_QUESTIONS(slug, now)
    if not (treatments or articles or questions):
        raise Http404("Nothing published with this tag")
    trail = seo.crumbs(
        ("Topics", site_links()["topics"]),
        (tag.name, slug_url("tag-detail", slug)),
    )
    return render(
        request,
        "clinic/tag_detail.html",
        {
            "tag": tag,
            "treatments": treatments,
            "articles": articles,
            "questions": questions,
            "page_number": number,
            "has_older": has_older,
            "breadcrumbs": trail,
            "structured_data": seo.collection_graph(request, trail, tag.name),
        },
    )


@require_safe
def robots_txt(request):
    lines = [
        "User-agent: *",
        # Search results are endless near-duplicates of the pages themselves.
        f"Disallow: {reverse('search:search')}",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


@csrf_exempt
def healthz(request):
    """200 when the database answers, 503 when it does not. Touches neither the
    session nor CSRF, so load balancers can probe it cheaply."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse(
            "database unavailable\n", status=503, content_type="text/plain"
        )
    return HttpResponse("ok\n", content_type="text/plain")


def page_not_found(request, exception):
    return render(request, "404.html", status=404)


def server_error(request):
    """Rendered without a request context or database: whatever broke may be the
    database itself."""
    html = loader.get_template("500.html").render(
        {
            "clinic_name": settings.CLINIC_NAME,
            "site_links": site_links(),
            "site_files": site_files(),
        }
    )
    return HttpResponseServerError(html)
