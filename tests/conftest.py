"""Expose the test beds' fixtures and hooks (tests/ is on sys.path through pyproject's ``pythonpath``),
and choose the Hypothesis profile: a small one for the local loop, the full counts under CI."""

import os

from hypothesis import HealthCheck, settings

from composebed import compose  # noqa: F401  (the real `docker compose`)
from enginebed import (  # noqa: F401  (fixtures + marker hook, re-exported for pytest)
    containers,
    engine,
    networks,
    pytest_collection_modifyitems,
    second_engine,
)
from peerbed import pytest_terminal_summary  # noqa: F401  (one line naming the missing peers)
from servicebed import podman, podman_containers, sshd  # noqa: F401  (sshd, Podman)
from watchbed import private_engine, prometheus, watcher  # noqa: F401  (bindguard watch, issue 18)

# Property tests without their own max_examples: Hypothesis's 100 under CI (.ci/run sets CI=true),
# 25 on a developer's machine; BINDGUARD_HYPOTHESIS_PROFILE=ci gives a developer the full counts.
# Tests with a count of their own scale it with helpers.examples().
settings.register_profile("ci", max_examples=100, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=25, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("BINDGUARD_HYPOTHESIS_PROFILE")
                      or ("ci" if os.environ.get("CI") == "true" else "dev"))
