"""Build a clinic site for the benchmarks in its own folder (CLINIC_VAR_DIR): the
bundled sources imported and published (treatments, FAQ, a few articles), then
`articles` generated published articles (bench/fixtures.py, written for the search
benchmark) and the search index rebuilt."""

from pathlib import Path

from tests.production.servers import (
    collectstatic,
    django_script,
    manage,
    production_env,
)

GENERATE = """
from bench.fixtures import create_articles
from clinic.planner import refresh_statistics
from clinic.search.index import rebuild
from django.contrib.auth.models import User
made = create_articles({articles})
rebuild()
refresh_statistics()  # as import_sources does after an import
User.objects.create_superuser("admin", "admin@example.org", {password!r})
print(made)
"""


def build(var_dir, static_root, articles, password="correct horse battery staple"):
    var_dir, static_root = Path(var_dir), Path(static_root)
    var_dir.mkdir(parents=True, exist_ok=True)
    env = production_env(var_dir, static_root)
    if not (static_root / "staticfiles.json").exists():
        collectstatic(env)
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    manage(env, "import_sources", "--publish", "--progress", "never")
    django_script(env, GENERATE.format(articles=articles, password=password), 900)
    return env


def sample_paths(env, articles=200):
    """Real URLs of each page type, read from the database, and the rarest tag."""
    out = django_script(
        env,
        f"""
import json
from django.db.models import Count
from taggit.models import Tag
from articles.models import Article, Treatment
from faq.models import Question
used = (Tag.objects.filter(taggit_taggeditem_items__isnull=False)
        .annotate(links=Count("taggit_taggeditem_items")))
print(json.dumps({{
    "articles": [a.get_absolute_url() for a in Article.objects.published()
                 .order_by("?")[:{articles}]],
    "treatments": [t.get_absolute_url() for t in Treatment.objects.published()],
    "tags": sorted(used.values_list("slug", flat=True)),
    # The tag on fewest pages: its page must not walk every article to fill up.
    "rare_tag": used.order_by("links", "slug").values_list("slug", flat=True)[0],
}}))
""",
    )
    import json

    return json.loads(out.strip().splitlines()[-1])
