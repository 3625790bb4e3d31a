from django.urls import path

from clinic.search import views

app_name = "search"
urlpatterns = [
    path("", views.search_page, name="search"),
    path("suggest/", views.suggest_json, name="search-suggest"),
]
