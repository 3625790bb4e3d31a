"""A small, realistic site built with tests/factories.py: three treatments with facts,
contraindications and cited sources, articles, FAQ questions, topics and review dates
(one page overdue for review, one draft, one scheduled)."""

from datetime import date, timedelta

from django.utils import timezone

from articles.models import TreatmentFact
from clinic.publishing import Status
from tests.factories import (
    make_article,
    make_contraindication,
    make_fact,
    make_question,
    make_source,
    make_treatment,
)

Kind = TreatmentFact.Kind
REVIEWER = {
    "reviewer_name": "Dr Ana Silva",
    "reviewer_credentials": "MBBS, MRCP (Dermatology)",
    "reviewed_date": date(2025, 3, 14),
    "next_review_date": date(2099, 3, 14),
}


def build_site():
    """Create the pages; returns the main objects by name."""
    nice = make_source(
        file_name="microneedling-evidence.txt",
        title="Microneedling for atrophic scars: a review of the evidence",
        url="https://example.org/microneedling-review",
    )
    leaflet = make_source(
        file_name="clinic-leaflet.txt", title="Clinic patient leaflet: microneedling"
    )
    peel_source = make_source(
        file_name="peels.txt", title="Chemical peels: patient guidance"
    )

    microneedling = make_treatment(
        title="Microneedling",
        slug="microneedling",
        summary="Fine needles make tiny channels in the skin to trigger collagen, "
        "softening acne scars and stretch marks over several sessions.",
        body="## What it is\n\nMicroneedling (collagen induction therapy) uses a "
        "pen with very fine sterile needles. The tiny wounds prompt the skin to "
        "make new collagen and elastin.\n\n## What it helps with\n\n- acne "
        "scars\n- stretch marks\n- surgical scars\n\n## How it is done\n\nWe "
        "clean your skin and apply a numbing cream for 30 minutes. The clinician "
        "then moves the pen over the area in passes. Most people feel a "
        "scratching or vibrating sensation.",
        aftercare="- Do not wear make-up for 24 hours.\n- Use a gentle cleanser "
        "and moisturiser.\n- Wear SPF 50 sunscreen every day for 4 weeks.",
        tags=["Scars", "Stretch marks", "Collagen"],
        **REVIEWER,
    )
    facts = [
        (Kind.SESSIONS, "3 to 6 sessions", nice),
        (Kind.INTERVAL, "4 to 6 weeks apart", nice),
        (Kind.SESSION_LENGTH, "About 60 minutes, including numbing", leaflet),
        (Kind.DOWNTIME, "1 to 3 days of redness", leaflet),
        (Kind.RESULTS, "Gradually over 3 to 6 months", nice),
    ]
    for position, (kind, value, source) in enumerate(facts):
        make_fact(
            microneedling, kind=kind, value=value, source=source, position=position
        )
    for position, (condition, reason, source) in enumerate(
        [
            ("Pregnant or breastfeeding", "Not enough evidence it is safe.", leaflet),
            (
                "Active acne, cold sores or a skin infection in the area",
                "Needling can spread the infection.",
                nice,
            ),
            (
                "Taking isotretinoin now or in the last 6 months",
                "Skin heals slowly and may scar.",
                nice,
            ),
            ("A tendency to keloid scars", "New scars may form.", None),
        ]
    ):
        make_contraindication(
            microneedling,
            condition=condition,
            reason=reason,
            source=source,
            position=position,
        )
    microneedling.sources.add(nice, leaflet)

    peel = make_treatment(
        title="Chemical peel",
        slug="chemical-peel",
        summary="An acid solution removes the top layers of skin so smoother skin "
        "grows back; used for fine scars, uneven tone and sun damage.",
        body="## What it is\n\nA chemical peel applies an acid to the skin for a "
        "few minutes.",
        tags=["Scars", "Pigmentation"],
        **REVIEWER,
    )
    make_fact(peel, kind=Kind.SESSIONS, value="3 to 6 sessions", source=peel_source)
    make_fact(peel, kind=Kind.DOWNTIME, value="Up to 7 days of peeling")
    make_contraindication(peel, condition="Sunburn or broken skin", reason="")

    laser = make_treatment(
        title="Fractional laser resurfacing",
        slug="fractional-laser",
        summary="A laser treats thousands of tiny columns of skin to remodel "
        "stretch marks and scars.",
        tags=["Stretch marks"],
        reviewer_name="Dr Tom Reid",
        reviewer_credentials="MBChB, FRCP",
        reviewed_date=date(2023, 1, 10),
        next_review_date=date(2024, 1, 10),
    )

    make_treatment(title="Secret draft treatment", status=Status.DRAFT)
    make_treatment(
        title="Scheduled treatment",
        published_at=timezone.now() + timedelta(days=5),
        tags=["Stretch marks"],
    )

    stretch = make_article(
        title="Stretch marks: what really helps",
        slug="stretch-marks-what-helps",
        summary="Why stretch marks appear, which creams have evidence, and when "
        "a clinic treatment is worth it.",
        body="## Why they appear\n\nStretch marks (striae) form when skin "
        "stretches faster than it can adapt.\n\n## What helps\n\nEarly red "
        "marks respond best. Treatments such as microneedling and fractional "
        "laser can soften older silver marks.",
        tags=["Stretch marks", "Collagen"],
        treatments=[microneedling, laser],
        **REVIEWER,
    )
    stretch.sources.add(nice)
    make_article(
        title="Acne scars: types and treatments",
        slug="acne-scar-types",
        summary="Ice-pick, boxcar and rolling scars respond to different treatments.",
        tags=["Scars", "Collagen"],
        treatments=[microneedling, peel],
        published_at=timezone.now() - timedelta(days=3),
        **REVIEWER,
    )
    make_article(
        title="Sun protection after skin treatments",
        slug="sun-protection-after-treatment",
        summary="Why SPF 50 matters for weeks after a peel, laser or microneedling.",
        tags=["Pigmentation"],
        published_at=timezone.now() - timedelta(days=10),
        **REVIEWER,
    )
    make_article(title="Draft article about scars", tags=["Scars"], status=Status.DRAFT)

    questions = [
        make_question(
            question="Does microneedling hurt?",
            slug="does-microneedling-hurt",
            answer="Most people feel mild scratching. We apply a numbing cream "
            "first, so it is usually comfortable.",
            treatment=microneedling,
            tags=["Scars"],
            position=1,
            **REVIEWER,
        ),
        make_question(
            question="How soon will I see results from microneedling?",
            slug="microneedling-results",
            answer="Skin looks brighter within a week, but collagen builds over "
            "**3 to 6 months**.",
            treatment=microneedling,
            position=2,
            **REVIEWER,
        ),
        make_question(
            question="Can I have a chemical peel in summer?",
            slug="peel-in-summer",
            answer="Yes, with strict sun protection. Deeper peels are better in "
            "autumn and winter.",
            treatment=peel,
            position=3,
            **REVIEWER,
        ),
        make_question(
            question="Will stretch marks go away completely?",
            slug="stretch-marks-go-away",
            answer="No treatment removes them completely, but most fade and can "
            "be made much less noticeable.",
            tags=["Stretch marks"],
            position=4,
            **REVIEWER,
        ),
    ]
    make_question(
        question="Draft question about peels?", treatment=peel, status=Status.DRAFT
    )
    return {
        "microneedling": microneedling,
        "peel": peel,
        "laser": laser,
        "article": stretch,
        "questions": questions,
    }
