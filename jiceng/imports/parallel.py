"""Spreading an import's per-row work over the machine's cores.

Cleaning a row (text normalization, the ID checksum, dates, lookups among the
units the importer preloaded) and sealing its personal data (AES-GCM, HMAC)
depend neither on other rows nor on the database, and they were most of an
import's CPU. Forked worker processes do that work batch by batch while the
importing process reads the file, plans (duplicates, scope) and writes in its
single transaction, so the all-or-nothing guarantee stays where it was.

- Workers never query: they inherit the parent's database connections, and a
  query from a child would interleave with the parent's session, so every
  connection refuses queries in a worker.
- Model instances the spec loaded before the fork (units, departments, tags) go
  back to the parent as references and come out as the parent's own objects.
- Few batches in flight: memory stays flat however long the file is.
- A killed importing process takes its workers along: they read end-of-file on
  their task pipe and exit; they never wrote anything.

JICENG_IMPORT_WORKERS sets the number of workers (default: one per core; 0 or 1
does everything in the importing process). A file of one batch never forks.
"""

from __future__ import annotations

import gc
import io
import itertools
import multiprocessing
import os
import pickle
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.models import Model
from django.utils import translation

_spec = None  # the spec of this worker process, inherited through fork


def worker_count() -> int:
    return int(getattr(settings, "JICENG_IMPORT_WORKERS", os.cpu_count() or 1))


def map_batches(spec, work: Callable[[Any, list], Any], batches: Iterable[list]) -> Iterator:
    """work(spec, batch) for each batch, in order: in worker processes when there are
    several batches and more than one worker, else here."""
    batches = iter(batches)
    head = list(itertools.islice(batches, 2))
    workers = worker_count()
    if len(head) < 2 or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        for batch in itertools.chain(head, batches):
            yield work(spec, batch)
        return
    yield from _in_workers(spec, work, itertools.chain(head, batches), workers)


def _in_workers(spec, work, batches: Iterator[list], workers: int) -> Iterator:
    shared = _Shared(spec)
    # Frozen objects are left alone by the children's garbage collector, which would
    # otherwise write to (and so copy) every page of the parent's heap it inherited.
    gc.freeze()
    try:
        pool = multiprocessing.get_context("fork").Pool(
            workers, _start_worker, (spec, translation.get_language())
        )
    finally:
        gc.unfreeze()
    with pool:  # terminates the workers on the way out, also on an error or a cancel
        pending: deque = deque()  # in file order: workers' pending results and local ones
        for batch in batches:
            # Results leave in order; past 4 per worker, wait for the oldest (memory bound).
            while pending and (pending[0].ready() or len(pending) >= 4 * workers):
                yield shared.take(pending.popleft())
            if len(pending) < 2 * workers:
                pending.append(pool.apply_async(_run, (work, batch)))
            else:
                # The workers are behind (other programs may have the cores): rather than
                # wait for them, this process does a batch itself.
                pending.append(_Local(work(spec, batch)))
        while pending:
            yield shared.take(pending.popleft())


class _Local:
    """A batch done in the importing process, queued like a worker's result."""

    def __init__(self, value):
        self.value = value

    def ready(self) -> bool:
        return True


def _start_worker(spec, language: str | None) -> None:
    global _spec
    _spec = spec
    translation.activate(language or settings.LANGUAGE_CODE)
    for connection in connections.all(initialized_only=True):
        connection.execute_wrappers.append(_refuse_query)


def _refuse_query(*args, **kwargs):
    raise RuntimeError("Import workers must not query the database; the importing process does.")


def _run(work, batch: list) -> bytes:
    return _Shared(_spec).dumps(work(_spec, batch))


class _Shared:
    """Pickling that sends the spec's preloaded model instances by reference."""

    def __init__(self, spec):
        self.objects = {_key(obj): obj for obj in spec.shared_objects()}
        self.types = {type(obj) for obj in self.objects.values()}

    def dumps(self, value) -> bytes:
        buffer = io.BytesIO()
        pickler = pickle.Pickler(buffer, pickle.HIGHEST_PROTOCOL)
        pickler.persistent_id = self._reference
        pickler.dump(value)
        return buffer.getvalue()

    def take(self, pending):
        """The value of a queued result (waiting for a worker's if need be)."""
        if isinstance(pending, _Local):
            return pending.value
        return self.loads(pending.get())

    def loads(self, data: bytes):
        unpickler = pickle.Unpickler(io.BytesIO(data))
        unpickler.persistent_load = self.objects.__getitem__
        return unpickler.load()

    def _reference(self, obj):
        if type(obj) in self.types:
            key = _key(obj)
            if key in self.objects:
                return key
        return None


def _key(obj: Model) -> tuple[str, Any]:
    return obj._meta.label, obj.pk
