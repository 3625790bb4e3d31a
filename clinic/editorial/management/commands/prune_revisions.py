"""Delete old revisions, keeping the newest of every page so history stays useful."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import F, Max, OuterRef, Subquery
from django.utils import timezone

from clinic.editorial.models import Revision

BATCH = 500


class Command(BaseCommand):
    help = (
        "Delete revisions older than --days, always keeping the newest --keep "
        "of each page."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--keep", type=int, default=20, help="Revisions kept per page (default 20)."
        )
        parser.add_argument(
            "--days", type=int, default=365, help="Only older revisions go (365)."
        )
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, keep, days, dry_run, **options):
        if keep < 1 or days < 0:
            raise CommandError("--keep must be at least 1 and --days zero or more.")
        cutoff = timezone.now() - timezone.timedelta(days=days)
        newest = (
            Revision.objects.filter(
                content_type=OuterRef("content_type"), object_id=OuterRef("object_id")
            )
            .values("content_type", "object_id")
            .annotate(top=Max("number"))
            .values("top")
        )
        prunable = (
            Revision.objects.filter(created_at__lt=cutoff)
            .annotate(top=Subquery(newest))
            .filter(number__lte=F("top") - keep)
        )
        pks = list(prunable.values_list("pk", flat=True))
        if not dry_run:
            with transaction.atomic():
                for start in range(0, len(pks), BATCH):
                    Revision.objects.filter(pk__in=pks[start : start + BATCH]).delete()
        verb = "Would delete" if dry_run else "Deleted"
        self.stdout.write(
            f"{verb} {len(pks)} revision(s) older than {days} days "
            f"(kept the newest {keep} of each page)."
        )
