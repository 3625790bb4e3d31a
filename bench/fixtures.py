"""
Bulk content for benchmarks: realistic pages made fast, without save() or signals.

Text is stitched from the bundled source documents' sentences, so word frequencies
look like the clinic's real writing, plus a long tail of rare made-up words so the
index has the size and shape of a large site rather than 2,000 words repeated.

`documents(n)` yields plain dicts (no database); `create_articles(n)` bulk-inserts
published articles with their tags, for the search and the production benchmarks.
Neither touches the search index: call `clinic.search.index.rebuild()` afterwards.
"""

import random
import re
from datetime import timedelta
from itertools import islice
from pathlib import Path

from django.utils import timezone

SOURCES_DIR = Path(__file__).resolve().parent.parent / "sources"

TREATMENTS = [
    "Microdermabrasion",
    "Microneedling",
    "Chemical peel",
    "Laser resurfacing",
    "Radiofrequency skin tightening",
    "LED light therapy",
    "Dermal fillers",
    "Hydrafacial",
    "Carbon laser peel",
    "IPL photofacial",
]
CONCERNS = [
    "stretch marks",
    "acne scars",
    "fine lines",
    "pigmentation",
    "sun damage",
    "enlarged pores",
    "uneven skin tone",
    "rosacea",
    "dull skin",
    "scars after pregnancy",
]
TAGS = [
    "collagen",
    "pregnancy",
    "scars",
    "anti-ageing",
    "aftercare",
    "body",
    "face",
    "at home",
    "sensitive skin",
    "recovery",
]
TITLE_PATTERNS = [
    "{treatment} for {concern}",
    "Does {treatment} help with {concern}?",
    "What to expect from {treatment}",
    "{concern}: is {treatment} worth it?",
    "{treatment} or {other}: which suits {concern}?",
]


def _sentences():
    text = " ".join(p.read_text("utf-8") for p in sorted(SOURCES_DIR.glob("*.txt")))
    found = [s.strip() for s in re.split(r"(?<=[.!?])\s+", text)]
    return [s for s in found if 40 <= len(s) <= 400] or ["Skin heals in time."]


def _rare_words(rng, count=20000):
    letters = "abcdefghiklmnoprstuvy"
    return ["".join(rng.choices(letters, k=rng.randint(5, 10))) for _ in range(count)]


def documents(n, seed=5):
    """Yield `n` page dicts: kind, title, tags (names), body, published_at."""
    rng = random.Random(seed)
    sentences = _sentences()
    rare = _rare_words(rng)
    now = timezone.now()
    kinds = ["article"] * 8 + ["question"] * 2
    for i in range(n):
        treatment, other = rng.sample(TREATMENTS, 2)
        concern = rng.choice(CONCERNS)
        kind = rng.choice(kinds)
        if kind == "question":
            title = f"Can {treatment.lower()} treat {concern}? ({i})"
        else:
            title = rng.choice(TITLE_PATTERNS).format(
                treatment=treatment, other=other, concern=concern
            )
        paragraphs = []
        for _ in range(rng.randint(2, 5)):
            words = " ".join(rng.choices(rare, k=rng.randint(2, 6)))
            body = " ".join(rng.sample(sentences, rng.randint(2, 5)))
            paragraphs.append(f"{body} {words.capitalize()}.")
        yield {
            "kind": kind,
            "title": title[:200],
            "tags": rng.sample(TAGS, rng.randint(0, 3)),
            "body": "\n\n".join(paragraphs),
            "published_at": now - timedelta(minutes=rng.randint(1, 60 * 24 * 3650)),
        }


def queries(n, seed=7):
    """`n` search queries of one to three words, as a visitor might type them."""
    rng = random.Random(seed)
    vocabulary = sorted(
        {w.lower() for s in _sentences() for w in re.findall(r"[A-Za-z]{4,}", s)}
    )
    names = [t.lower() for t in TREATMENTS] + CONCERNS
    out = []
    for _ in range(n):
        size = rng.choice([1, 2, 3])
        if rng.random() < 0.5:
            words = rng.choice(names).split()[:size]
            words += rng.choices(vocabulary, k=size - len(words))
        else:
            words = rng.choices(vocabulary, k=size)
        out.append(" ".join(words))
    return out


def create_articles(n, batch_size=2000, seed=5):
    """Bulk-insert `n` published articles with tags; returns how many were made.
    Markdown is not rendered (body_html gets plain paragraphs) and no signals run,
    so the caller rebuilds the search index afterwards."""
    from django.contrib.contenttypes.models import ContentType
    from django.utils.html import escape
    from taggit.models import Tag, TaggedItem

    from articles.models import Article
    from clinic.publishing import Status

    tags = {name: Tag.objects.get_or_create(name=name)[0] for name in TAGS}
    content_type = ContentType.objects.get_for_model(Article)
    start = Article.objects.count()
    made = 0
    docs = documents(n, seed=seed)
    while batch := list(islice(docs, batch_size)):
        rows = [
            Article(
                title=doc["title"],
                slug=f"bench-{start + made + i}",
                summary=doc["body"][:160],
                body=doc["body"],
                body_html="".join(
                    f"<p>{escape(p)}</p>" for p in doc["body"].split("\n\n")
                ),
                status=Status.PUBLISHED,
                published_at=doc["published_at"],
            )
            for i, doc in enumerate(batch)
        ]
        Article.objects.bulk_create(rows, batch_size=batch_size)
        created = Article.objects.filter(
            slug__in=[row.slug for row in rows]
        ).values_list("pk", "slug")
        pk_by_slug = dict((slug, pk) for pk, slug in created)
        TaggedItem.objects.bulk_create(
            [
                TaggedItem(
                    tag=tags[name],
                    content_type=content_type,
                    object_id=pk_by_slug[row.slug],
                )
                for row, doc in zip(rows, batch, strict=True)
                for name in doc["tags"]
            ],
            batch_size=batch_size,
        )
        made += len(batch)
    return made
