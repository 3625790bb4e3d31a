"""Plain factory functions: valid defaults, explicit overrides."""

from datetime import timedelta
from itertools import count

from django.utils import timezone

from articles.models import Article, Contraindication, Source, Treatment, TreatmentFact
from clinic.publishing import Status
from faq.models import Question

_seq = count(1)


def _published(overrides):
    overrides.setdefault("status", Status.PUBLISHED)
    if overrides["status"] == Status.PUBLISHED:
        overrides.setdefault("published_at", timezone.now() - timedelta(hours=1))
    return overrides


def make_source(**overrides):
    n = next(_seq)
    defaults = {
        "file_name": f"source-{n}.txt",
        "title": f"Source document {n}",
        "content_hash": f"{n:064x}",
    }
    defaults.update(overrides)
    return Source.objects.create(**defaults)


def make_treatment(tags=(), **overrides):
    n = next(_seq)
    defaults = {
        "title": f"Treatment {n}",
        "summary": "A treatment that smooths the skin.",
        "body": "## What it is\n\nA gentle treatment.",
    }
    defaults.update(_published(overrides))
    treatment = Treatment.objects.create(**defaults)
    if tags:
        treatment.tags.add(*tags)
    return treatment


def make_article(tags=(), treatments=(), **overrides):
    n = next(_seq)
    defaults = {
        "title": f"Article {n}",
        "summary": "What patients ask about stretch marks.",
        "body": "## Stretch marks\n\nThey fade with time.",
    }
    defaults.update(_published(overrides))
    article = Article.objects.create(**defaults)
    if tags:
        article.tags.add(*tags)
    if treatments:
        article.treatments.add(*treatments)
    return article


def make_question(tags=(), **overrides):
    n = next(_seq)
    defaults = {
        "question": f"Question number {n}?",
        "answer": "A clear answer.",
        "position": n,
    }
    defaults.update(_published(overrides))
    question = Question.objects.create(**defaults)
    if tags:
        question.tags.add(*tags)
    return question


def make_fact(treatment, **overrides):
    defaults = {
        "kind": TreatmentFact.Kind.SESSIONS,
        "value": "6 to 12 sessions",
        "quote": "Best results are obtained after 6 to 12 professional sessions.",
    }
    defaults.update(overrides)
    return TreatmentFact.objects.create(treatment=treatment, **defaults)


def make_contraindication(treatment, **overrides):
    defaults = {
        "condition": "Pregnant or breastfeeding",
        "reason": "Skin is more sensitive.",
    }
    defaults.update(overrides)
    return Contraindication.objects.create(treatment=treatment, **defaults)


def public_page_urls(tag="acne"):
    """One page of every public kind, with content behind it: a treatment, an article
    and a question tagged `tag`, and the lists, FAQ and tag pages that show them."""
    from django.urls import reverse

    treatment = make_treatment(tags=[tag])
    article = make_article(tags=[tag], treatments=[treatment])
    make_question(treatment=treatment, tags=[tag])
    return [
        reverse("home"),
        reverse("articles:treatment-list"),
        treatment.get_absolute_url(),
        reverse("articles:article-list"),
        article.get_absolute_url(),
        reverse("faq:question-list"),
        reverse("tag-list"),
        reverse("tag-detail", args=[tag]),
    ]
