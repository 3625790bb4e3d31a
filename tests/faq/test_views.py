import pytest
from django.urls import reverse

from clinic.publishing import Status
from tests.factories import make_question, make_treatment

FAQ = reverse("faq:question-list")


@pytest.mark.django_db
def test_questions_are_grouped_by_treatment_with_general_questions_last(client):
    peel = make_treatment(title="Chemical peel")
    needling = make_treatment(title="Microneedling")
    make_question(question="General?", position=1)
    make_question(question="Needling?", treatment=needling, position=2)
    make_question(question="Peel?", treatment=peel, position=3)
    html = client.get(FAQ).content.decode()
    body = html[html.index("<main") :]
    order = [body.index(f">{text}<") for text in ("Chemical peel", "Microneedling")]
    assert order == sorted(order)
    assert body.index("Peel?") < body.index("Needling?") < body.index("General?")
    assert body.index(">General questions</h2>") > body.index("Needling?")


@pytest.mark.django_db
def test_each_answer_has_an_anchor_a_share_link_and_opens_without_javascript(client):
    question = make_question(question="Does it hurt?", slug="does-it-hurt")
    body = client.get(FAQ).content.decode()
    assert '<details class="qa">' in body
    assert "<summary>Does it hurt?</summary>" in body
    assert 'id="does-it-hurt"' in body
    assert question.get_absolute_url() == "/faq/#does-it-hurt"
    assert 'href="/faq/#does-it-hurt">Link to this answer' in body


@pytest.mark.django_db
def test_a_draft_treatment_name_never_shows_on_the_faq(client):
    secret = make_treatment(title="Secret laser", status=Status.DRAFT)
    make_question(question="Is it safe?", treatment=secret)
    body = client.get(FAQ).content.decode()
    assert "Is it safe?" in body
    assert "Secret laser" not in body
    assert "General questions" in body


@pytest.mark.django_db
def test_faq_never_shows_draft_or_scheduled_questions(client):
    make_question(question="Draft?", status=Status.DRAFT)
    body = client.get(FAQ).content.decode()
    assert "Draft?" not in body
    assert "No questions published yet." in body
