from django.urls import path

from faq import views

app_name = "faq"
urlpatterns = [
    path("", views.question_list, name="question-list"),
]
