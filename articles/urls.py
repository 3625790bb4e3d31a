from django.urls import path

from articles import views

app_name = "articles"
urlpatterns = [
    path("treatments/", views.TreatmentListView.as_view(), name="treatment-list"),
    path(
        "treatments/<slug:slug>/",
        views.TreatmentDetailView.as_view(),
        name="treatment-detail",
    ),
    path("articles/", views.ArticleListView.as_view(), name="article-list"),
    path(
        "articles/<slug:slug>/",
        views.ArticleDetailView.as_view(),
        name="article-detail",
    ),
]
