import pytest


@pytest.fixture(scope="session")
def prefect_server():
    """One temporary Prefect server (own SQLite database) for every flow test in the run."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield
