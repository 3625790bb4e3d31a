from django.views.generic import ListView

from articles.models import Article, Treatment
from clinic.views import PublishableDetailView


class TreatmentListView(ListView):
    template_name = "articles/treatment_list.html"

    def get_queryset(self):
        return Treatment.objects.published().prefetch_related("tags")


class TreatmentDetailView(PublishableDetailView):
    model = Treatment
    template_name = "articles/treatment_detail.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .prefetch_related("tags", "facts", "contraindications")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        treatment = self.object
        context["questions"] = treatment.questions.published()
        context["articles"] = treatment.articles.published()
        return context


class ArticleListView(ListView):
    template_name = "articles/article_list.html"
    paginate_by = 10

    def get_queryset(self):
        return Article.objects.published().prefetch_related("tags")


class ArticleDetailView(PublishableDetailView):
    model = Article
    template_name = "articles/article_detail.html"

    def get_queryset(self):
        return super().get_queryset().prefetch_related("tags", "sources")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        article = self.object
        context["treatments"] = article.treatments.published()
        context["questions"] = article.questions.published()
        return context
