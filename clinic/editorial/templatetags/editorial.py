from django import template

from clinic.editorial.admin import ReviewDashboard

register = template.Library()


@register.inclusion_tag("admin/editorial/_review_dashboard.html")
def review_dashboard():
    """Clinical review at a glance, for the admin index page."""
    return {"rows": ReviewDashboard.rows()}
