import time

from django.core.management.base import BaseCommand

from clinic.search import index


class Command(BaseCommand):
    help = "Rebuild the search index from scratch from the published content."

    def handle(self, *args, **options):
        started = time.perf_counter()
        count = index.rebuild()
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(f"Indexed {count} pages in {elapsed:.1f} s.")
        )
