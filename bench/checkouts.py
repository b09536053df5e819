"""The code of another checkout, on fresh databases: for scripts that compare two trees run alternately."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType


@contextmanager
def fresh_checkout(path: str) -> Iterator[tuple[str, ModuleType]]:
    """``(root, crypto_bench)`` of the checkout at ``path``, with Django set up on fresh, migrated databases.

    ``crypto_bench`` is that checkout's own module (it puts its tree first on the path, so the
    ``bastion`` imported afterwards is that tree's). The data folder is temporary; a PostgreSQL
    database named in DATABASE_URL is emptied first, with ``<name>_keys``.
    """
    root = str(Path(path).resolve())
    sys.path.insert(0, root + "/bench")
    import crypto_bench as bench

    with tempfile.TemporaryDirectory() as data_dir:
        bench.fresh_databases()
        bench.setup_django(data_dir)
        bench.migrate()
        yield root, bench
