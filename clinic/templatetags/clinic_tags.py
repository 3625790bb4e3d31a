"""Template helpers for the public pages."""

from datetime import date

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils.dates import MONTHS

from clinic.context_processors import slug_url
from clinic.seo import dumps_ld

register = template.Library()


@register.filter
def json_ld(data):
    """A JSON-LD graph, safe to place inside <script type="application/ld+json">."""
    return dumps_ld(data)


@register.filter
def tag_url(tag):
    """The tag's page, as {% url 'tag-detail' tag.slug %} gives it, without a
    reverse() per tag (clinic.context_processors.slug_url)."""
    return slug_url("tag-detail", tag.slug)


# The two date formats every page prints, written out: Django's date filter parses
# its format string and looks up the language for each value, several times the
# cost of the formatting itself (issue 6). Anything but a date goes to it.


@register.filter(expects_localtime=True)
def isoformat(value):
    """As value|date:"c", and for a date value|date:"Y-m-d": "2025-03-07"."""
    if isinstance(value, date):
        return value.isoformat()
    return date_filter(value, "c")


@register.filter(expects_localtime=True)
def long_date(value):
    """As value|date:"j F Y": "7 March 2025", the month in the active language."""
    if isinstance(value, date):
        return f"{value.day} {MONTHS[value.month]} {value.year:04d}"
    return date_filter(value, "j F Y")
