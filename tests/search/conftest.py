"""Content that mirrors the bundled sources (sources/*.txt) until the importer lands:
two treatments, the five articles, a few of the FAQ questions."""

from pathlib import Path

import pytest

from tests.factories import make_article, make_question, make_treatment

SOURCES = Path(__file__).resolve().parents[2] / "sources"


def source_text(prefix, chars=6000):
    path = next(SOURCES.glob(f"{prefix}_*.txt"))
    return path.read_text("utf-8")[:chars]


@pytest.fixture
def clinic_content(db):
    microderm = make_treatment(
        title="Microdermabrasion",
        summary="Fine crystals exfoliate the outer layer of skin.",
        body="## What it is\n\nA gentle exfoliation of the skin surface with "
        "crystals and a vacuum. It can soften stretch marks and scars.",
        tags=["exfoliation"],
    )
    microneedling = make_treatment(
        title="Microneedling",
        summary="Tiny needles start the skin's own repair.",
        body="## What it is\n\nA pen with fine needles makes micro-injuries that "
        "trigger new collagen. Used for scars and stretch marks.",
        tags=["collagen"],
    )
    articles = {
        "micoderm": make_article(
            title="Is Micodermabrasion Effective On Stretch Marks?",
            body=source_text("000"),
            tags=["pregnancy", "stretch marks"],
            treatments=[microderm],
        ),
        "microderm": make_article(
            title="Microdermabrasion for Stretch Marks",
            body=source_text("001"),
            tags=["stretch marks"],
            treatments=[microderm],
        ),
        "understanding": make_article(
            title="Understanding Microneedling for Stretch Marks",
            body=source_text("002"),
            tags=["collagen", "stretch marks", "pregnancy"],
            treatments=[microneedling],
        ),
        "needling": make_article(
            title="Microneedling Stretch Marks",
            body=source_text("003"),
            tags=["stretch marks", "pregnancy"],
            treatments=[microneedling],
        ),
        "at_home": make_article(
            title="This Simple At-Home Treatment Will Remove Your Stretch Marks",
            body=source_text("004"),
            tags=["at home", "scars"],
            treatments=[microneedling],
        ),
    }
    questions = {
        "young": make_question(
            question="Does Micro Derma Brasion Help For Young People?",
            answer="Micro derma brasion is safe for young people of all skin types.",
            treatment=microderm,
        ),
        "redness": make_question(
            question="When does redness from microdermal abrasion fade?",
            answer="Redness following microderm abrasion fades in a few hours.",
            treatment=microderm,
        ),
    }
    return {
        "microderm": microderm,
        "microneedling": microneedling,
        "articles": articles,
        "questions": questions,
    }
