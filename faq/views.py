from django.shortcuts import render
from django.urls import reverse

from clinic import seo
from faq.models import Question


def group_by_treatment(questions):
    """[(treatment or None, [questions])] in the questions' order; questions about a
    treatment the public cannot see go to the general group (None), last, so a
    draft treatment's name never shows."""
    groups, general = {}, []
    for question in questions:
        treatment = question.treatment
        if treatment is None or not treatment.is_published:
            general.append(question)
        else:
            groups.setdefault(treatment, []).append(question)
    result = list(groups.items())
    if general:
        result.append((None, general))
    return result


def question_list(request):
    questions = list(Question.objects.published().select_related("treatment"))
    trail = seo.crumbs(("Questions", reverse("faq:question-list")))
    return render(
        request,
        "faq/question_list.html",
        {
            "groups": group_by_treatment(questions),
            "breadcrumbs": trail,
            "structured_data": seo.faq_graph(request, trail, questions),
        },
    )
