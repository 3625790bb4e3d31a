import pytest


@pytest.fixture(autouse=True)
def _commit_hooks(run_commit_hooks):
    """Revisions and checks are recorded on commit: run those hooks in these tests."""
