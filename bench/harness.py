"""Shared benchmark helpers: timing in-process requests and bare queries.

Benchmarks run against a real database filled by `jiceng demo --scale N`. Each
measurement is reported beside a baseline measured in the same process (a
bare query for the same rows), as a ratio, because this machine is noisy.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable

import django


def setup(scale: int = 10) -> None:
    """Point Django at the benchmark database and fill it once."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.settings")
    os.environ.setdefault("JICENG_ENV", "demo")
    django.setup()
    from django.core.management import call_command

    from jiceng.orgs.models import Unit

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # production storage
    if not Unit.objects.exists():
        print(f"filling the benchmark database: jiceng demo --scale {scale} …", flush=True)
        call_command("demo", scale=scale, verbosity=0)


def timings(fn: Callable[[], object], repeat: int = 60, warmup: int = 5) -> list[float]:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def client_for(username: str):
    from django.test import Client

    from jiceng.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def get(client, url: str) -> Callable[[], object]:
    def run():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        return response

    return run


def report(rows: list[tuple[str, list[float], list[float], float]]) -> str:
    """rows: (name, samples, baseline samples, target ms) -> a Markdown table."""
    from django.db import connection

    lines = [
        f"machine: {platform.node()} · {os.cpu_count()} cores · Python {platform.python_version()}"
        f" · {connection.vendor}",
        "",
        "| measurement | p95 ms | baseline p95 ms | ratio | target |",
        "|---|---:|---:|---:|---|",
    ]
    for name, samples, baseline, target in rows:
        ours, base = p95(samples), p95(baseline)
        verdict = "ok" if ours < target else "MISSED"
        lines.append(
            f"| {name} | {ours:.1f} | {base:.2f} | {ours / base:.1f}× | < {target:g} ms {verdict} |"
        )
    return "\n".join(lines)
