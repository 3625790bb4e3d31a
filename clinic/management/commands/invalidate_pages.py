"""`manage.py invalidate_pages`: retire every cached public page at once, on every
app server sharing the cache. Saves through the admin, the importer or the ORM do
this by themselves; run it after writes that send no signals (raw SQL, bulk_create,
QuerySet.update() in a script, a restored backup)."""

from django.core.management.base import BaseCommand

from clinic import caching


class Command(BaseCommand):
    help = "Retire every cached public page."

    def handle(self, *args, **options):
        caching.invalidate()
        self.stdout.write("Cached pages retired.")
