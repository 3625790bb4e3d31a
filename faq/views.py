from django.shortcuts import render
from django.utils import timezone

from articles.models import Treatment
from clinic import seo
from clinic.compiled import CompiledQuery
from clinic.context_processors import site_links
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


# Compiled once per process (CompiledQuery): two plain queries cost less than one
# with select_related() built and compiled on every request.
_QUESTIONS = CompiledQuery(lambda now: Question.objects.published(now))
_TREATMENTS = CompiledQuery(lambda pks: Treatment.objects.filter(pk__in=pks))


def with_treatments(questions):
    """Load each question's treatment, for all of them in one query."""
    ids = sorted({q.treatment_id for q in questions if q.treatment_id is not None})
    treatments = {t.pk: t for t in _TREATMENTS(ids)} if ids else {}
    for question in questions:
        if question.treatment_id is not None:
            # None if it was deleted in between: the question is general now.
            question.treatment = treatments.get(question.treatment_id)
    return questions


def question_list(request):
    questions = with_treatments(_QUESTIONS(timezone.now()))
    trail = seo.crumbs(("Questions", site_links()["questions"]))
    return render(
        request,
        "faq/question_list.html",
        {
            "groups": group_by_treatment(questions),
            "breadcrumbs": trail,
            "structured_data": seo.faq_graph(request, trail, questions),
        },
    )
