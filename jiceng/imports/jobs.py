"""Running imports in the background.

Runners (setting JICENG_JOB_RUNNER):
- "subprocess" (default without REDIS_URL): the web request starts
  `jiceng runjob ID STEP` as a detached process on the same machine; no
  extra service, and a worker restart of the web server does not kill it.
- "worker" (default with REDIS_URL): the job row waits with `pending_step`
  set; `jiceng worker` processes (on any machine reaching the database) claim
  it with one atomic UPDATE, so two workers never run the same job.
- "sync": run inside the request (tests, tiny deployments).
"""

from __future__ import annotations

import logging
import subprocess
import sys
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError

from . import engine, params, progress
from .models import ImportJob, JobState
from .safety import RefusedFile

log = logging.getLogger(__name__)
ERROR_LIMIT = 5000  # stored for the page; the annotated file lists every one


def runner() -> str:
    default = "worker" if getattr(settings, "REDIS_URL", None) else "subprocess"
    return getattr(settings, "JICENG_JOB_RUNNER", None) or default


def upload_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def create_job(user, kind: str, uploaded, job_params: dict | None = None) -> ImportJob:
    suffix = Path(uploaded.name).suffix.lower()[:8]
    target = upload_dir() / f"{uuid.uuid4().hex}{suffix}"
    with target.open("wb") as out:
        for chunk in uploaded.chunks():
            out.write(chunk)
    return ImportJob.objects.create(
        user=user,
        kind=kind,
        filename=uploaded.name[:255],
        stored_path=str(target),
        params=job_params or {},
    )


def launch(job: ImportJob, step: str) -> None:
    ImportJob.objects.filter(pk=job.pk).update(pending_step=step)
    mode = runner()
    if mode == "sync":
        run(job.pk, step)
    elif mode == "subprocess":
        subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            [sys.executable, "-m", "jiceng", "runjob", str(job.pk), step],
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    # "worker": `jiceng worker` picks it up.


def claim(job_id: int, step: str) -> bool:
    return bool(ImportJob.objects.filter(pk=job_id, pending_step=step).update(pending_step=""))


def run(job_id: int, step: str) -> None:
    if not claim(job_id, step):
        return
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    try:
        (validate_job if step == "validate" else import_job)(job)
    except Exception as exc:
        log.exception("import job %s failed", job_id)
        job.refresh_from_db()
        if job.state in {JobState.QUEUED, JobState.VALIDATING, JobState.IMPORTING}:
            job.message = str(exc)[:1000]
            job.transition("fail", note=type(exc).__name__)


def _callbacks(job: ImportJob):
    def report(**counts):
        progress.report(job.pk, **counts)
        if progress.cancel_requested(job.pk):
            raise engine.Cancelled

    return report, lambda: progress.cancel_requested(job.pk)


def _validate(job: ImportJob) -> engine.Result:
    spec = params.build_spec(job.kind, job.user, job.pk, job.params)
    report, _cancelled = _callbacks(job)
    return spec, engine.validate(spec, Path(job.stored_path), job.filename, report)


def validate_job(job: ImportJob) -> None:
    job.transition("start_validation")
    try:
        _spec, result = _validate(job)
    except RefusedFile as exc:
        job.message = str(exc)
        job.transition("invalid", note=str(exc))
        return
    except engine.Cancelled:
        job.transition("cancel", job.user)
        return
    job.rows_total = result.rows_total
    job.summary = result.summary()
    job.errors = [e.as_dict() for e in result.errors[:ERROR_LIMIT]]
    job.notices = result.notices
    job.preview = result.preview()
    job.transition("validated" if result.ok else "invalid")


def import_job(job: ImportJob) -> None:
    # Validate again: the data may have changed since the user saw the preview.
    try:
        spec, result = _validate(job)
        if result.errors:
            raise RefusedFile(_changed_message())
        report, cancelled = _callbacks(job)
        written = engine.apply(spec, result, report, cancelled)
    except engine.Cancelled:
        job.refresh_from_db()
        job.transition("cancel", job.user, note="rolled back")
        return
    except (RefusedFile, ValidationError) as exc:
        job.refresh_from_db()
        job.message = str(exc)
        job.transition("fail", note=str(exc))
        return
    job.refresh_from_db()
    job.rows_written = written
    job.summary = result.summary()
    job.transition("finish", job.user)


def _changed_message() -> str:
    from django.utils.translation import gettext as _

    return _("确认前数据已发生变化，文件现在有错误，未导入任何数据。请重新上传。")


def run_pending_once() -> int:
    """One pass of the worker: run every job waiting for a step."""
    done = 0
    for job_id, step in ImportJob.objects.exclude(pending_step="").values_list(
        "pk", "pending_step"
    ):
        run(job_id, step)
        done += 1
    return done
