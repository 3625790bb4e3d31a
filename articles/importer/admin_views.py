"""
The admin's upload page: staff with `articles.import_sources` upload .txt files and
see the same summary the command prints.

Uploads are held in memory (`MemoryUploadHandler` below), one file at most
`MAX_BYTES`, and never written to disk or to media storage: only what the importer
makes of them is stored.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.template.response import TemplateResponse
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from articles.importer.decode import MAX_BYTES
from articles.importer.run import Document, run_import
from articles.models import Article

MAX_FILES = 50


class MemoryUploadHandler(FileUploadHandler):
    """Keeps each uploaded file in memory up to `MAX_BYTES`; a larger file is
    dropped as it streams in (never buffered whole) and named in `refused`."""

    def __init__(self, request=None):
        super().__init__(request)
        self.refused = []

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.chunks, self.size = [], 0

    def receive_data_chunk(self, raw_data, start):
        self.size += len(raw_data)
        if self.size > MAX_BYTES:
            self.refused.append(self.file_name)
            self.chunks = []
            raise SkipFile
        self.chunks.append(raw_data)

    def file_complete(self, file_size):
        from io import BytesIO

        content = BytesIO(b"".join(self.chunks))
        self.chunks = []
        return InMemoryUploadedFile(
            file=content,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".txt"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        # Empty or odd files are not form errors: the importer reports each one
        # in the summary, as the command does.
        uploads = data if isinstance(data, list | tuple) else [data]
        return [upload for upload in uploads if upload and upload.name]


class ImportForm(forms.Form):
    files = MultipleFileField(
        label="Source documents",
        required=False,
        help_text=f"Plain-text (.txt) files, up to {MAX_FILES} at a time, "
        f"{MAX_BYTES // (1024 * 1024)} MB each.",
    )
    dry_run = forms.BooleanField(
        label="Dry run: show what would change, write nothing", required=False
    )
    publish = forms.BooleanField(
        label="Publish new pages (otherwise they are drafts for review)",
        required=False,
    )

    def __init__(self, *args, refused=(), can_publish=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.refused = list(refused)
        if not can_publish:
            del self.fields["publish"]

    def clean_files(self):
        files = self.cleaned_data["files"]
        if len(files) > MAX_FILES:
            raise forms.ValidationError(f"Upload at most {MAX_FILES} files at a time.")
        for upload in list(files):
            if upload.size > MAX_BYTES:
                self.refused.append(upload.name)
                files.remove(upload)
        for upload in files:
            if not upload.name.lower().endswith(".txt"):
                raise forms.ValidationError(f"{upload.name}: only .txt files.")
        if not files and not self.refused:
            raise forms.ValidationError("Choose at least one .txt file.")
        return files


@csrf_exempt
def import_sources_view(request):
    """Upload form and summary. CSRF is checked after the memory-only upload
    handler is installed (Django's documented order for per-view handlers)."""
    handler = MemoryUploadHandler(request)
    try:
        request.upload_handlers = [handler]
    except AttributeError:
        # Something read the body already; the form still refuses large files.
        pass
    return csrf_protect(_import_sources)(request, handler)


def _import_sources(request, handler):
    if not request.user.has_perm("articles.import_sources"):
        raise PermissionDenied
    can_publish = request.user.has_perm("articles.publish_article")
    report = None
    if request.method == "POST":
        form = ImportForm(
            request.POST,
            request.FILES,
            refused=handler.refused,
            can_publish=can_publish,
        )
        if form.is_valid():
            documents = [
                Document(name=_safe_name(upload.name), data=upload.read())
                for upload in form.cleaned_data["files"]
            ]
            report = run_import(
                documents,
                publish=form.cleaned_data.get("publish", False),
                dry_run=form.cleaned_data["dry_run"],
                # Never fork a threaded app server: parse in this request.
                workers=0,
            )
    else:
        form = ImportForm(can_publish=can_publish)
    context = {
        **admin.site.each_context(request),
        "opts": Article._meta,
        "title": "Import source documents",
        "form": form,
        "report": report,
        "report_lines": report.lines(detail=True) if report else [],
        "refused": handler.refused,
        "max_mb": MAX_BYTES // (1024 * 1024),
    }
    return TemplateResponse(request, "admin/articles/article/import.html", context)


def _safe_name(name):
    """A file name as a label: no folders, no control characters, 255 at most."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip() or "upload.txt"
    return name[-255:]
