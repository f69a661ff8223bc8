"""Expose the test beds' fixtures (tests/ is on sys.path through pyproject's ``pythonpath``)."""

from composebed import compose  # noqa: F401  (the real `docker compose`)
from enginebed import (  # noqa: F401  (fixtures + marker hook, re-exported for pytest)
    containers,
    engine,
    networks,
    pytest_collection_modifyitems,
    second_engine,
)
from servicebed import podman, podman_containers, sshd  # noqa: F401  (sshd, Podman)
from watchbed import private_engine, prometheus, watcher  # noqa: F401  (bindguard watch, issue 18)
