"""
What search engines and other machines read: breadcrumbs, JSON-LD builders and their
safe serialisation.

Builders are pure functions of a request (for absolute URLs on the request's host)
and model instances already loaded by the view; none of them queries the database.
Every page's structured data is one `@graph` in one JSON-LD block: its page node, the
thing the page is about, and a BreadcrumbList.
"""

import json
import unicodedata
from datetime import datetime, time

from django.conf import settings
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from clinic.context_processors import site_links

SCHEMA = "https://schema.org"

# JSON-LD sits inside <script>: "</script>" or "<!--" in any text must not end the
# block. Escaping these as JSON \u escapes keeps the data identical once parsed.
# str.replace() per character, not str.translate(): translate looks every
# character up in a dict, several times slower on a page's 10 to 50 KB of JSON.
_SCRIPT_SAFE = (
    ("<", "\\u003c"),
    (">", "\\u003e"),
    ("&", "\\u0026"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)


def dumps_ld(data):
    """Serialise JSON-LD for a <script type="application/ld+json"> block."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    for char, escaped in _SCRIPT_SAFE:
        if char in text:
            text = text.replace(char, escaped)
    return mark_safe(text)


def crumbs(*trail):
    """A breadcrumb trail: Home, then (name, path) pairs; the last is this page."""
    return [("Home", site_links()["home"]), *trail]


def last_changed(page):
    """The later of a page's last edit and its last clinical review (sitemaps, feeds,
    dateModified): a review with no edit still tells readers the page is current."""
    return later(page.updated_at, page.reviewed_date)


def later(edited_at, reviewed_date):
    """The later of an edit time and a review date (taken as that day's start)."""
    if not reviewed_date:
        return edited_at
    reviewed_at = timezone.make_aware(datetime.combine(reviewed_date, time.min))
    return reviewed_at if edited_at is None else max(edited_at, reviewed_at)


def plain(html, words=None):
    """Text from sanitised HTML, for descriptions and JSON-LD fields."""
    text = " ".join(strip_tags(html).split())
    return Truncator(text).words(words) if words else text


def _url(request, path):
    return request.build_absolute_uri(path)


def _home(request):
    return _url(request, site_links()["home"])


def _organisation(home):
    """The clinic, given the home page's absolute URL."""
    return {
        "@type": "MedicalClinic",
        "@id": home + "#organisation",
        "name": settings.CLINIC_NAME,
        "url": home,
    }


def _reviewer(page):
    person = {"@type": "Person", "name": page.reviewer_name or settings.CLINIC_NAME}
    if page.reviewer_credentials:
        person["honorificSuffix"] = page.reviewer_credentials
    return person


def breadcrumb_list(request, trail):
    return {
        "@type": "BreadcrumbList",
        "@id": _url(request, request.path) + "#breadcrumb",
        "itemListElement": [
            {
                "@type": "ListItem",
                "position": position,
                "name": name,
                "item": _url(request, path),
            }
            for position, (name, path) in enumerate(trail, start=1)
        ],
    }


def web_page(request, name, description="", page=None, kind="WebPage", **extra):
    """The node for the page itself. With `page` (a Publishable) it is a
    MedicalWebPage carrying the clinical review."""
    url = _url(request, request.path)
    home = _home(request)
    node = {
        "@type": kind,
        "@id": url + "#webpage",
        "url": url,
        "name": name,
        "inLanguage": "en-GB",
        "isPartOf": {
            "@type": "WebSite",
            "@id": home + "#website",
            "name": settings.CLINIC_NAME,
            "url": home,
        },
        "publisher": _organisation(home),
        "breadcrumb": {"@id": url + "#breadcrumb"},
    }
    if description:
        node["description"] = description
    if page is not None:
        medical = "MedicalWebPage"
        node["@type"] = medical if kind == "WebPage" else [kind, medical]
        node.update(review(page))
        if page.published_at:
            node["datePublished"] = page.published_at.isoformat()
        node["dateModified"] = last_changed(page).isoformat()
    node.update(extra)
    return node


def review(page):
    """lastReviewed and reviewedBy, when a clinician has reviewed the page."""
    if not page.reviewed_date:
        return {}
    return {
        "lastReviewed": page.reviewed_date.isoformat(),
        "reviewedBy": _reviewer(page),
    }


def graph(request, trail, *nodes):
    """Everything a page says about itself, breadcrumbs last."""
    return {
        "@context": SCHEMA,
        "@graph": [*nodes, breadcrumb_list(request, trail)],
    }


def home_graph(request, trail):
    home = _home(request)
    website = {
        "@type": "WebSite",
        "@id": home + "#website",
        "url": home,
        "name": settings.CLINIC_NAME,
        "inLanguage": "en-GB",
        "publisher": {"@id": home + "#organisation"},
        "potentialAction": {
            "@type": "SearchAction",
            "target": {
                "@type": "EntryPoint",
                "urlTemplate": _url(request, site_links()["search"])
                + "?q={search_term_string}",
            },
            "query-input": "required name=search_term_string",
        },
    }
    return graph(
        request,
        trail,
        _organisation(home),
        website,
        web_page(request, settings.CLINIC_NAME),
    )


def headline(title, length=110):
    """Truncator(title).chars(length): Google shows up to 110 characters. Most
    titles are shorter, and Truncator looks at every character (issue 6)."""
    text = unicodedata.normalize("NFC", title)
    return text if len(text) <= length else Truncator(text).chars(length)


def treatment_graph(request, trail, treatment, facts, contraindications):
    """MedicalWebPage about a MedicalProcedure."""
    url = _url(request, treatment.get_absolute_url())
    procedure = {
        "@type": "MedicalProcedure",
        "@id": url + "#procedure",
        "name": treatment.title,
        "url": url,
    }
    if treatment.summary:
        procedure["description"] = treatment.summary
    if facts:
        procedure["howPerformed"] = "; ".join(
            f"{fact.get_kind_display()}: {fact.value}" for fact in facts
        )
    if treatment.aftercare_html:
        procedure["followup"] = plain(treatment.aftercare_html)
    if contraindications:
        # MedicalProcedure has no contraindication property; a PropertyValue list
        # keeps the rows machine-readable without claiming a type it is not.
        procedure["additionalProperty"] = [
            {
                "@type": "PropertyValue",
                "name": "Contraindication",
                "value": row.condition,
            }
            for row in contraindications
        ]
    page = web_page(
        request,
        treatment.title,
        treatment.summary,
        page=treatment,
        about={"@id": procedure["@id"]},
        mainEntity={"@id": procedure["@id"]},
    )
    return graph(request, trail, page, procedure)


def article_graph(request, trail, article, treatments=()):
    """MedicalWebPage whose main entity is an Article."""
    url = _url(request, article.get_absolute_url())
    organisation = _organisation(_home(request))
    node = {
        "@type": "Article",
        "@id": url + "#article",
        "headline": headline(article.title),
        "url": url,
        "mainEntityOfPage": {"@id": url + "#webpage"},
        "inLanguage": "en-GB",
        "author": {"@id": organisation["@id"]},
        "publisher": organisation,
        "dateModified": last_changed(article).isoformat(),
    }
    if article.summary:
        node["description"] = article.summary
    if article.published_at:
        node["datePublished"] = article.published_at.isoformat()
    keywords = [tag.name for tag in article.tag_list]
    if keywords:
        node["keywords"] = keywords
    if treatments:
        node["about"] = [
            {
                "@type": "MedicalProcedure",
                "name": treatment.title,
                "url": _url(request, treatment.get_absolute_url()),
            }
            for treatment in treatments
        ]
    page = web_page(
        request,
        article.title,
        article.summary,
        page=article,
        mainEntity={"@id": node["@id"]},
    )
    return graph(request, trail, page, node)


def faq_graph(request, trail, questions):
    """An FAQPage of Question / acceptedAnswer pairs. Its lastReviewed is the oldest
    review among the questions: every answer shown was reviewed on or after it."""
    page = web_page(request, "Frequently asked questions", kind="FAQPage")
    page["mainEntity"] = [
        {
            "@type": "Question",
            "@id": url,
            "name": question.question,
            "url": url,
            "acceptedAnswer": {"@type": "Answer", "text": question.answer_html},
        }
        for question in questions
        for url in [_url(request, question.get_absolute_url())]
    ]
    reviewed = [q for q in questions if q.reviewed_date]
    if reviewed:
        oldest = min(reviewed, key=lambda q: q.reviewed_date)
        page["lastReviewed"] = oldest.reviewed_date.isoformat()
        reviewers = {(q.reviewer_name, q.reviewer_credentials): q for q in reviewed}
        page["reviewedBy"] = [_reviewer(q) for q in reviewers.values()]
    return graph(request, trail, page)


def collection_graph(request, trail, name, description=""):
    """List pages: treatments, articles, topics."""
    return graph(
        request, trail, web_page(request, name, description, kind="CollectionPage")
    )
