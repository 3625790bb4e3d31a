"""The patient and staff journeys of issue 4, in Chromium."""

import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from playwright.sync_api import expect

from clinic.groups import PUBLISHER_PERMISSIONS
from faq.models import Question
from tests.browser.conftest import PHONE
from tests.conftest import make_staff
from tests.factories import make_question

pytestmark = pytest.mark.browser


def test_home_lists_treatments_articles_and_questions_and_searches(page, site):
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    main = page.get_by_role("main")
    expect(main.get_by_role("link", name="Microneedling", exact=True)).to_be_visible()
    expect(
        main.get_by_role("link", name="Stretch marks: what really helps")
    ).to_be_visible()
    expect(main.get_by_role("link", name="Does microneedling hurt?")).to_be_visible()
    expect(page.get_by_text("Secret draft treatment")).to_have_count(0)

    search = page.get_by_label("Search treatments, articles and questions")
    search.fill("stretch marks")
    search.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=stretch\+marks$"))
    expect(page.locator("input[name=q]").first).to_have_value("stretch marks")
    assert page.errors == []


def test_treatment_page_facts_references_contraindications_and_questions(page, site):
    page.goto("/")
    page.get_by_role("main").get_by_role(
        "link", name="Microneedling", exact=True
    ).click()
    expect(page).to_have_url(re.compile(r"/treatments/microneedling/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Microneedling")
    expect(
        page.get_by_text("Reviewed by Dr Ana Silva, MBBS, MRCP (Dermatology)")
    ).to_be_visible()

    facts = page.locator("#facts")
    expect(facts.locator("dt", has_text="Number of sessions")).to_be_visible()
    expect(facts.locator("dd", has_text="3 to 6 sessions")).to_be_visible()
    facts.get_by_role("link", name="Reference [1]").first.click()
    expect(page).to_have_url(re.compile(r"#ref-1$"))
    expect(page.locator("#ref-1")).to_contain_text("Microneedling for atrophic scars")

    table = page.get_by_role("table", name=re.compile("Who should not have"))
    expect(
        table.get_by_role("rowheader", name="Pregnant or breastfeeding")
    ).to_be_visible()
    expect(table.get_by_role("columnheader")).to_have_count(2)

    answer = page.get_by_text("Most people feel mild scratching.")
    expect(answer).to_be_hidden()
    page.locator("summary", has_text="Does microneedling hurt?").click()
    expect(answer).to_be_visible()
    assert page.errors == []


def test_faq_link_opens_its_answer_without_javascript(new_page, site):
    page = new_page(java_script_enabled=False)
    page.goto(reverse("faq:question-list") + "#peel-in-summer")
    expect(page.get_by_text("Yes, with strict sun protection.")).to_be_visible()
    expect(page.get_by_text("Most people feel mild scratching.")).to_be_hidden()
    page.locator("summary", has_text="Does microneedling hurt?").click()
    expect(page.get_by_text("Most people feel mild scratching.")).to_be_visible()
    expect(page.get_by_text("Draft question about peels?")).to_have_count(0)
    share = page.get_by_role("link", name=re.compile("Link to this answer.*Does micro"))
    expect(share).to_have_attribute("href", "/faq/#does-microneedling-hurt")


def test_tag_page_lists_every_kind_of_published_page(page, site):
    page.goto(reverse("tag-list"))
    page.get_by_role("link", name=re.compile("^Scars")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Scars")
    main = page.get_by_role("main")
    expect(main.get_by_role("link", name="Microneedling", exact=True)).to_be_visible()
    expect(
        main.get_by_role("link", name="Acne scars: types and treatments")
    ).to_be_visible()
    expect(main.get_by_role("link", name="Does microneedling hurt?")).to_be_visible()
    expect(main.get_by_text("Draft article about scars")).to_have_count(0)


def test_unknown_page_is_a_404_in_the_site_design(page, site):
    response = page.goto("/no-such-page/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.get_by_label("Search for what you need")).to_be_visible()
    header = page.locator(".site-header")
    assert (
        header.evaluate("e => getComputedStyle(e).backgroundColor")
        == "rgb(11, 93, 107)"
    )


def test_skip_link_appears_on_focus_and_moves_to_main(page, site):
    page.goto("/treatments/microneedling/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    assert skip.bounding_box()["y"] >= 0
    outline = skip.evaluate("e => getComputedStyle(e).backgroundColor")
    assert outline == "rgb(255, 221, 0)"
    skip.press("Enter")
    expect(page).to_have_url(re.compile("#main$"))


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/treatments/",
        "/treatments/microneedling/",
        "/articles/",
        "/articles/stretch-marks-what-helps/",
        "/faq/",
        "/tags/",
        "/tags/stretch-marks/",
    ],
)
def test_pages_fit_a_360px_phone_without_layout_shift(new_page, site, url):
    page = new_page(viewport=PHONE)
    page.goto(url)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shift = page.evaluate(
        """() => new Promise(resolve => {
            let total = 0;
            new PerformanceObserver(list => {
                for (const entry of list.getEntries()) total += entry.value;
            }).observe({type: "layout-shift", buffered: true});
            setTimeout(() => resolve(total), 300);
        })"""
    )
    assert shift == 0
    assert page.errors == []


def publishers_group():
    """The live server's tests flush the database, data migrations included: put
    the Publishers group back as clinic/groups.py defines it."""
    group, _ = Group.objects.get_or_create(name="Publishers")
    for dotted in PUBLISHER_PERMISSIONS:
        app_label, codename = dotted.split(".", 1)
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )


def test_staff_edit_a_question_publish_it_and_see_it_live(new_page, site, settings):
    publishers_group()
    make_staff("publisher", "Publishers")
    draft = make_question(
        question="Can I exercise after microneedling?",
        answer="Wait a day.",
        status="draft",
    )
    public = new_page()
    public.goto(reverse("faq:question-list"))  # cached without the draft
    expect(public.get_by_text("Can I exercise after microneedling?")).to_have_count(0)

    staff = new_page()
    staff.goto("/" + settings.ADMIN_PATH)
    staff.get_by_label("Username").fill("publisher")
    staff.get_by_label("Password").fill("correct horse battery staple")
    staff.get_by_role("button", name="Log in").click()
    staff.goto(reverse("admin:faq_question_change", args=[draft.pk]))
    staff.get_by_label("Answer").fill("Avoid heavy exercise and sweating for 24 hours.")
    staff.get_by_label("Status").select_option("published")
    staff.get_by_role("button", name="Save", exact=True).first.click()  # save_on_top
    expect(staff.locator(".messagelist")).to_contain_text("was changed successfully")
    assert Question.objects.get(pk=draft.pk).is_published

    public.goto(reverse("faq:question-list"))
    public.locator("summary", has_text="Can I exercise after microneedling?").click()
    expect(public.get_by_text("Avoid heavy exercise and sweating")).to_be_visible()
