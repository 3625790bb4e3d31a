"""The admin upload page: permission, summary, size limit."""

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from articles.importer.decode import MAX_BYTES
from articles.models import Article
from tests.conftest import make_staff

pytestmark = pytest.mark.django_db

URL = reverse("admin:articles_article_import")
DOC = b"Microneedling for Scars\n\nMicroneedling helps scars fade over sessions."


@pytest.fixture
def importer(client):
    user = make_staff("importer", "Editors")
    user.user_permissions.add(
        Permission.objects.get(
            codename="import_sources", content_type__app_label="articles"
        )
    )
    client.force_login(user)
    return client


def upload(name, data):
    return SimpleUploadedFile(name, data, content_type="text/plain")


def test_upload_page_needs_the_import_permission(editor_client):
    assert editor_client.get(URL).status_code == 403
    response = editor_client.post(URL, {"files": [upload("a.txt", DOC)]})
    assert response.status_code == 403
    assert not Article.objects.exists()


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_upload_page_shows_a_labelled_form(importer):
    response = importer.get(URL)
    assert response.status_code == 200
    assert b'enctype="multipart/form-data"' in response.content
    assert b'<label for="id_files">' in response.content


def test_upload_imports_and_shows_the_summary(importer):
    response = importer.post(
        URL, {"files": [upload("a.txt", DOC), upload("b.txt", b"")]}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "2 documents: 1 created" in content
    assert "b.txt: failed: empty file" in content
    article = Article.objects.get()
    assert article.source_name == "a.txt"
    assert article.status == "draft"


def test_oversize_upload_is_refused(importer):
    big = upload("big.txt", b"a" * (MAX_BYTES + 1))
    response = importer.post(URL, {"files": [big, upload("a.txt", DOC)]})
    content = response.content.decode()
    assert "big.txt: refused, over the 5 MB limit" in content
    assert "1 documents: 1 created" in content
    assert list(Article.objects.values_list("source_name", flat=True)) == ["a.txt"]


def test_only_txt_files_are_accepted(importer):
    response = importer.post(URL, {"files": [upload("a.pdf", b"%PDF-1.4")]})
    assert "only .txt files" in response.content.decode()
    assert not Article.objects.exists()


def test_markup_in_upload_summary_is_escaped(importer):
    response = importer.post(URL, {"files": [upload("<i onmouseover=x>.txt", b"")]})
    content = response.content.decode()
    assert "&lt;i onmouseover=x&gt;.txt: failed: empty file" in content


def test_change_list_links_to_the_upload_page(importer):
    response = importer.get(reverse("admin:articles_article_changelist"))
    assert URL.encode() in response.content
