from django.shortcuts import render

from faq.models import Question


def question_list(request):
    questions = Question.objects.published().select_related("treatment")
    return render(request, "faq/question_list.html", {"questions": questions})
