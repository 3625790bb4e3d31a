"""Frequently asked questions, each attached to a treatment and ordered within it."""

from django.db import models

from articles.models import unique_slug
from clinic.context_processors import site_links
from clinic.publishing import Publishable
from clinic.rendering import render_markdown


class Question(Publishable):
    """One question and its answer."""

    review_kind = "question"

    question = models.CharField(max_length=300)
    slug = models.SlugField(
        max_length=200,
        unique=True,
        help_text="The question's anchor on the FAQ page (/faq/#slug).",
    )
    answer = models.TextField(help_text="Markdown. Answer in plain words.")
    answer_html = models.TextField(blank=True, editable=False)
    treatment = models.ForeignKey(
        "articles.Treatment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="questions",
        help_text="The treatment this question is about, if any.",
    )
    article = models.ForeignKey(
        "articles.Article",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="questions",
        help_text="The article whose FAQ block this question came from.",
    )
    position = models.PositiveIntegerField(
        default=0, help_text="Order within the treatment's questions."
    )
    sources = models.ManyToManyField(
        "articles.Source", blank=True, related_name="questions"
    )

    class Meta(Publishable.Meta):
        ordering = ["treatment__title", "position", "pk"]
        permissions = [
            ("publish_question", "Can publish FAQ questions"),
            ("review_question", "Can mark FAQ questions as clinically reviewed"),
        ]

    def __str__(self):
        return self.question

    def fill_derived_fields(self):
        if not self.slug:
            self.slug = unique_slug(Question, self.question, self.pk)
        self.answer_html = render_markdown(self.answer)
        super().fill_derived_fields()

    def get_absolute_url(self):
        return site_links()["questions"] + f"#{self.slug}"

    @property
    def title(self):
        """Questions are titled by their question, like the other kinds."""
        return self.question
