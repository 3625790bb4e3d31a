from django.urls import reverse
from django.utils import timezone
from django.views.generic import ListView

from articles.models import Article, Treatment
from clinic import seo
from clinic.compiled import CompiledQuery
from clinic.context_processors import site_links
from clinic.views import PublishableDetailView
from faq.models import Question

# How many related articles a treatment page lists, newest first.
TREATMENT_ARTICLES = 10
_TREATMENT_ARTICLES = CompiledQuery(
    lambda pk, now, limit, common: (
        Article.objects.published(now).about(pk, common=common).cards()[:limit]
    )
)


def number_references(*groups, also=()):
    """Number the sources cited by rows (facts, contraindications) in order of first
    citation, as Mayo Clinic pages do, and set `reference` on each row to its number.
    Sources in `also` (the page's own list) that no row cites are numbered after.
    Returns the sources in number order."""
    numbers, sources = {}, []
    for rows in groups:
        for row in rows:
            if row.source_id is not None and row.source_id not in numbers:
                sources.append(row.source)
                numbers[row.source_id] = len(sources)
            row.reference = numbers.get(row.source_id)
    for source in also:
        if source.pk not in numbers:
            sources.append(source)
            numbers[source.pk] = len(sources)
    return sources


class CollectionPageMixin:
    """Breadcrumbs and structured data of a list page of one kind."""

    collection_title = ""
    collection_url_name = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        trail = seo.crumbs((self.collection_title, reverse(self.collection_url_name)))
        context["breadcrumbs"] = trail
        context["structured_data"] = seo.collection_graph(
            self.request, trail, self.collection_title
        )
        return context


class TreatmentListView(CollectionPageMixin, ListView):
    template_name = "articles/treatment_list.html"
    collection_title = "Treatments"
    collection_url_name = "articles:treatment-list"

    def get_queryset(self):
        return Treatment.objects.published()


class TreatmentDetailView(PublishableDetailView):
    model = Treatment
    template_name = "articles/treatment_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        treatment = self.object
        facts, contraindications = treatment.fact_rows()
        trail = seo.crumbs(
            ("Treatments", site_links()["treatments"]),
            (treatment.title, treatment.get_absolute_url()),
        )
        context.update(
            facts=facts,
            contraindications=contraindications,
            references=number_references(
                facts, contraindications, also=treatment.source_list
            ),
            questions=Question.objects.published_with(treatment=treatment),
            # A treatment may have thousands of articles: the newest few, as cards.
            articles=_TREATMENT_ARTICLES(
                treatment.pk,
                timezone.now(),
                limit=TREATMENT_ARTICLES,
                common=Article.objects.treatment_is_common(treatment.pk),
            ),
            breadcrumbs=trail,
            structured_data=seo.treatment_graph(
                self.request, trail, treatment, facts, contraindications
            ),
        )
        return context


class ArticleListView(CollectionPageMixin, ListView):
    template_name = "articles/article_list.html"
    paginate_by = 10
    collection_title = "Articles"
    collection_url_name = "articles:article-list"

    def get_queryset(self):
        return Article.objects.published().prefetch_related("tags")


class ArticleDetailView(PublishableDetailView):
    model = Article
    template_name = "articles/article_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        article = self.object
        treatments = Treatment.objects.published_with(articles=article)
        trail = seo.crumbs(
            ("Articles", site_links()["articles"]),
            (article.title, article.get_absolute_url()),
        )
        # Plain queries, not prefetches: for one object they cost half as much.
        context.update(
            treatments=treatments,
            questions=Question.objects.published_with(article=article),
            references=article.source_list,
            related=Article.objects.related_to(article),
            breadcrumbs=trail,
            structured_data=seo.article_graph(self.request, trail, article, treatments),
        )
        return context
