"""
List pages whose clinical review is overdue or due soon. Exits with status 1 when any
published page is overdue, so a scheduler (cron, CI, a monitoring check) can alert.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from articles.models import Article, Treatment
from faq.models import Question


class Command(BaseCommand):
    help = (
        "List overdue and due clinical reviews; exit 1 if a published page is overdue."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=settings.CLINIC_REVIEW_DUE_SOON.days,
            help="How far ahead counts as due (default %(default)s days).",
        )
        parser.add_argument(
            "--include-drafts",
            action="store_true",
            help="Also list drafts (they never make the command fail).",
        )

    def handle(self, *args, days, include_drafts, **options):
        if days < 0:
            raise CommandError("--days must be zero or more.")
        today = timezone.localdate()
        within = timezone.timedelta(days=days)
        overdue_published = 0
        lines = []
        for model in (Treatment, Article, Question):
            kind = model._meta.verbose_name
            rows = model.objects.all() if include_drafts else model.objects.published()
            for obj in rows.overdue_for_review(today).order_by("next_review_date"):
                overdue_published += obj.is_published
                lines.append(
                    f"OVERDUE  {obj.next_review_date}  {kind}: {obj}"
                    f"{'' if obj.is_published else ' (draft)'}"
                )
            for obj in rows.due_for_review(within, today).order_by("next_review_date"):
                lines.append(f"DUE      {obj.next_review_date}  {kind}: {obj}")
            for obj in rows.never_reviewed().order_by("pk"):
                lines.append(f"NEVER    -           {kind}: {obj}")
        for line in lines:
            self.stdout.write(line)
        self.stdout.write(
            f"{overdue_published} published page(s) overdue for clinical review."
        )
        if overdue_published:
            raise SystemExit(1)
