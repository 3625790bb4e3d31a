from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from clinic import sitemaps, views
from clinic.feeds import ArticleFeed, TagArticleFeed

urlpatterns = [
    path("", views.home, name="home"),
    path("", include("articles.urls")),
    path("faq/", include("faq.urls")),
    path("search/", include("clinic.search.urls")),
    path("tags/", views.tag_list, name="tag-list"),
    path("tags/<slug:slug>/", views.tag_detail, name="tag-detail"),
    path("tags/<slug:slug>/feed/", TagArticleFeed(), name="tag-feed"),
    path("feeds/articles/", ArticleFeed(), name="article-feed"),
    path("sitemap.xml", sitemaps.index, name="sitemap"),
    path("sitemap-<slug:section>.xml", sitemaps.sitemap, name="sitemap-section"),
    path("robots.txt", views.robots_txt, name="robots-txt"),
    path("healthz", views.healthz, name="healthz"),
    path(settings.ADMIN_PATH, admin.site.urls),
]

handler404 = "clinic.views.page_not_found"
handler500 = "clinic.views.server_error"

admin.site.site_header = f"{settings.CLINIC_NAME}: content"
admin.site.site_title = settings.CLINIC_NAME
admin.site.index_title = "Treatments, articles and FAQ"
