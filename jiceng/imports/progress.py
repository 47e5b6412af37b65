"""Progress counters and cancel requests, readable while the import's write
transaction is still open (so they cannot live in the database row: on SQLite
the writer holds the lock, on PostgreSQL its updates are invisible until commit).

One machine: small JSON files under VAR_DIR/imports. With REDIS_URL: the
shared cache, so workers on other machines and every web process see them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.conf import settings
from django.core.cache import cache

TTL = 24 * 3600


def _dir() -> Path:
    path = Path(settings.VAR_DIR) / "imports" / "progress"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _use_cache() -> bool:
    return bool(getattr(settings, "REDIS_URL", None))


def report(job_id: int, **counts: int) -> None:
    data = read(job_id) | counts
    if _use_cache():
        cache.set(f"import-progress:{job_id}", data, TTL)
        return
    target = _dir() / f"{job_id}.json"
    temporary = target.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps(data))
    temporary.replace(target)  # atomic: a reader never sees half a file


def read(job_id: int) -> dict[str, int]:
    if _use_cache():
        return cache.get(f"import-progress:{job_id}") or {}
    try:
        return json.loads((_dir() / f"{job_id}.json").read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def request_cancel(job_id: int) -> None:
    report(job_id, cancel=1)


def cancel_requested(job_id: int) -> bool:
    return bool(read(job_id).get("cancel"))
