import json
import re
from datetime import date

import pytest
from django.urls import reverse

from clinic.seo import dumps_ld
from tests.factories import make_article, make_question, make_treatment

LD_BLOCK = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)


def structured_data(client, url):
    """The page's one JSON-LD block, parsed, as {type: node}."""
    blocks = LD_BLOCK.findall(client.get(url).content.decode())
    assert len(blocks) == 1, url
    nodes = {}
    for node in json.loads(blocks[0])["@graph"]:
        types = node["@type"] if isinstance(node["@type"], list) else [node["@type"]]
        for kind in types:
            nodes[kind] = node
    return nodes


def test_text_containing_a_closing_script_tag_cannot_break_out():
    hostile = "</script><script>alert(1)</script><!-- & \u2028"
    text = str(dumps_ld({"name": hostile}))
    assert "<" not in text and ">" not in text and "&" not in text
    assert "\u2028" not in text
    assert json.loads(text) == {"name": hostile}


@pytest.mark.django_db
def test_hostile_title_stays_inside_the_json_ld_block(client):
    treatment = make_treatment(title="Peel </script><script>alert(1)</script>")
    body = client.get(treatment.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in body
    nodes = structured_data(client, treatment.get_absolute_url())
    assert nodes["MedicalProcedure"]["name"] == treatment.title


REVIEW = {
    "reviewer_name": "Dr Ana Silva",
    "reviewer_credentials": "MBBS, MRCP",
    "reviewed_date": date(2025, 3, 14),
}


@pytest.mark.django_db
def test_treatment_page_is_a_reviewed_medical_web_page_about_a_procedure(client):
    treatment = make_treatment(title="Microneedling", **REVIEW)
    nodes = structured_data(client, treatment.get_absolute_url())
    page = nodes["MedicalWebPage"]
    assert page["lastReviewed"] == "2025-03-14"
    assert page["reviewedBy"] == {
        "@type": "Person",
        "name": "Dr Ana Silva",
        "honorificSuffix": "MBBS, MRCP",
    }
    assert page["url"] == "http://testserver/treatments/microneedling/"
    assert nodes["MedicalProcedure"]["name"] == "Microneedling"
    assert page["mainEntity"] == {"@id": nodes["MedicalProcedure"]["@id"]}
    crumbs = nodes["BreadcrumbList"]["itemListElement"]
    assert [c["name"] for c in crumbs] == ["Home", "Treatments", "Microneedling"]
    assert crumbs[-1]["item"] == page["url"]


@pytest.mark.django_db
def test_article_page_carries_an_article_and_a_medical_web_page(client):
    treatment = make_treatment(title="Microneedling")
    article = make_article(
        title="Stretch marks", tags=["Scars"], treatments=[treatment], **REVIEW
    )
    nodes = structured_data(client, article.get_absolute_url())
    assert nodes["Article"]["headline"] == "Stretch marks"
    assert nodes["Article"]["keywords"] == ["Scars"]
    assert nodes["Article"]["about"][0]["name"] == "Microneedling"
    assert nodes["MedicalWebPage"]["lastReviewed"] == "2025-03-14"
    assert "BreadcrumbList" in nodes


@pytest.mark.django_db
def test_faq_page_is_an_faq_page_of_questions_with_accepted_answers(client):
    make_question(question="Does it hurt?", answer="Only a little.", **REVIEW)
    nodes = structured_data(client, reverse("faq:question-list"))
    (question,) = nodes["FAQPage"]["mainEntity"]
    assert question["@type"] == "Question"
    assert question["name"] == "Does it hurt?"
    assert question["acceptedAnswer"]["@type"] == "Answer"
    assert "Only a little." in question["acceptedAnswer"]["text"]
    assert question["url"].startswith("http://testserver/faq/#")
    assert nodes["FAQPage"]["lastReviewed"] == "2025-03-14"


@pytest.mark.django_db
def test_every_page_type_has_breadcrumbs_in_json_ld(client):
    make_article(tags=["scars"])
    for url in [
        reverse("home"),
        reverse("articles:treatment-list"),
        reverse("articles:article-list"),
        reverse("faq:question-list"),
        reverse("tag-list"),
        reverse("tag-detail", args=["scars"]),
    ]:
        nodes = structured_data(client, url)
        assert "BreadcrumbList" in nodes, url
    assert "SearchAction" in json.dumps(structured_data(client, reverse("home")))
