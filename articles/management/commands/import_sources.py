"""
`python manage.py import_sources [PATH ...]`: import source documents (files or
folders; default settings.CLINIC_SOURCES_DIR) as draft articles, FAQ questions and
treatment pages. The work is in `articles.importer`; this parses arguments, shows
progress and prints the summary. Exit status 1 when any document failed.
"""

import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from articles.importer.run import collect, run_import
from clinic.planner import refresh_statistics

# Below this many documents a progress bar is noise.
PROGRESS_MIN = 50


class Command(BaseCommand):
    help = "Import plain-text source documents as articles, FAQ and treatments."

    def add_arguments(self, parser):
        parser.add_argument(
            "paths",
            nargs="*",
            metavar="PATH",
            help="Files or folders of .txt documents (default: the bundled sources).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Parse and compare, report what would change, write nothing.",
        )
        parser.add_argument(
            "--publish",
            action="store_true",
            help="Publish new pages (default: drafts, for clinical review first).",
        )
        parser.add_argument(
            "--progress",
            choices=("auto", "always", "never"),
            default="auto",
            help="Progress bar on stderr: auto shows it on a terminal for long runs.",
        )

    def handle(self, *args, paths, dry_run, publish, progress, verbosity, **options):
        documents = collect(paths or [settings.CLINIC_SOURCES_DIR])
        if not documents:
            raise CommandError("No documents found.")
        show = progress == "always" or (
            progress == "auto" and len(documents) >= PROGRESS_MIN and _is_tty()
        )
        report = run_import(
            documents,
            publish=publish,
            dry_run=dry_run,
            progress=ProgressBar(self.stderr) if show else None,
        )
        outcomes = report.outcomes
        if not dry_run and (outcomes["created"] or outcomes["updated"]):
            # New rows change what the planner should pick (clinic/planner.py).
            refresh_statistics()
        for line in report.lines(detail=True if verbosity >= 2 else None):
            self.stdout.write(line)
        if report.failed:
            # SystemExit rather than CommandError: the summary already said why.
            sys.exit(1)


def _is_tty():
    return sys.stderr.isatty()


class ProgressBar:
    """A one-line progress bar, redrawn at most ten times a second."""

    def __init__(self, stream, width=30):
        self.stream = stream
        self.width = width
        self.started = time.perf_counter()
        self.drawn = 0.0

    def __call__(self, done, total):
        now = time.perf_counter()
        if done < total and now - self.drawn < 0.1:
            return
        self.drawn = now
        filled = self.width * done // total
        rate = done / max(now - self.started, 1e-9)
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(
            f"\r[{bar}] {done}/{total} documents, {rate:.0f}/s",
            ending="\n" if done == total else "",
        )
        self.stream.flush()
