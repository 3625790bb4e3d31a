import pytest

from tests.conftest import using_postgres
from tests.production import servers


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "slow: starts real gunicorn servers or processes (seconds each)"
    )
    config.addinivalue_line(
        "markers",
        "sqlite_servers: runs servers on their own SQLite files; belongs to the "
        "SQLite pass of the suite and is deselected in the PostgreSQL pass",
    )


def pytest_collection_modifyitems(config, items):
    if not using_postgres():
        return
    deselected = [i for i in items if i.get_closest_marker("sqlite_servers")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [i for i in items if not i.get_closest_marker("sqlite_servers")]


@pytest.fixture(autouse=True)
def _commit_hooks(run_commit_hooks):
    """The page cache changes its generation when a transaction commits: run commit
    hooks in these tests as production does."""


@pytest.fixture(scope="session")
def static_root(tmp_path_factory):
    """collectstatic once per run: hashed names plus gzip and brotli copies."""
    root = tmp_path_factory.mktemp("staticfiles")
    var = tmp_path_factory.mktemp("static-var")
    servers.collectstatic(servers.production_env(var, root))
    return root


@pytest.fixture(scope="session")
def site_template(tmp_path_factory, static_root):
    """A migrated SQLite site with sample content and a superuser, built once."""
    var = tmp_path_factory.mktemp("site-template")
    servers.build_site(var, static_root)
    return var


@pytest.fixture
def site(tmp_path, site_template, static_root):
    """A private copy of the template site: (var_dir, env)."""
    var = tmp_path / "var"
    servers.copy_site(site_template, var)
    return var, servers.production_env(var, static_root)
