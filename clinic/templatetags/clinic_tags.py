"""Template helpers for the public pages."""

from django import template

from clinic.seo import dumps_ld

register = template.Library()


@register.filter
def json_ld(data):
    """A JSON-LD graph, safe to place inside <script type="application/ld+json">."""
    return dumps_ld(data)
