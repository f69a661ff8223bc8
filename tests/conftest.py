"""Put tests/ on sys.path (for ``from enginebed import ...``) and expose the engine fixtures."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from enginebed import (  # noqa: E402,F401  (fixtures + marker hook, re-exported for pytest)
    containers,
    engine,
    networks,
    pytest_collection_modifyitems,
    second_engine,
)
from composebed import compose  # noqa: E402,F401  (the real `docker compose`)
