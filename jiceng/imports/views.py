"""Upload → background validation with a progress bar → preview → confirm → import."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from jiceng.core.scoping import user_can

from . import jobs, params, progress, workbooks
from .models import ImportJob, JobState
from .safety import RefusedFile, max_bytes
from .specs import SPECS

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Who may import what: any of these permissions somewhere (rows are then checked one by
# one). Kinds registered by other apps answer through their spec's may_import().
IMPORT_PERMS = {
    "units": ("unit.add", "unit.change"),
    "departments": ("department.add", "department.change"),
    "people": ("person.add", "person.change"),
}
SHOWN_ERRORS = 500


class UploadForm(forms.Form):
    file = forms.FileField(label=_l("选择文件（.xlsx 或 .csv）"))

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if uploaded.size > max_bytes():
            raise ValidationError(
                _("文件太大，上限为 %(limit)s MB。请拆分后分批导入。")
                % {"limit": round(max_bytes() / 2**20, 1)}
            )
        return uploaded


def may_import(user, kind: str) -> bool:
    if kind in IMPORT_PERMS:
        return any(user_can(user, perm) for perm in IMPORT_PERMS[kind])
    return SPECS[kind].may_import(user)


def _spec_for(request, kind: str):
    if kind not in SPECS:
        raise Http404
    if not may_import(request.user, kind):
        raise PermissionDenied(_("您没有导入此类记录的权限。"))
    return SPECS[kind]


def _own_job(request, pk: int) -> ImportJob:
    jobs_qs = ImportJob.objects.all()
    if not request.user.is_superuser:
        jobs_qs = jobs_qs.filter(user=request.user)
    return get_object_or_404(jobs_qs, pk=pk)


@login_required
def index(request):
    kinds = [(kind, spec) for kind, spec in SPECS.items() if may_import(request.user, kind)]
    recent = ImportJob.objects.filter(user=request.user)[:20]
    return render(request, "imports/index.html", {"kinds": kinds, "recent": recent})


@login_required
def start(request, kind: str):
    spec = _spec_for(request, kind)
    form = UploadForm(request.POST or None, request.FILES or None)
    params_form = _params_form(request, spec)
    if (
        request.method == "POST"
        and form.is_valid()
        and (params_form is None or params_form.is_valid())
    ):
        job_params = params.stored(params_form.cleaned_data) if params_form else {}
        job = jobs.create_job(request.user, kind, form.cleaned_data["file"], job_params)
        jobs.launch(job, "validate")
        return redirect(job)
    recent = ImportJob.objects.filter(user=request.user, kind=kind)[:10]
    context = {
        "spec": spec,
        "kind": kind,
        "form": form,
        "params_form": params_form,
        "recent": recent,
    }
    return render(request, "imports/start.html", context)


def _params_form(request, spec):
    """The spec's parameters: posted with the file, or preset by a link (?plan=12)."""
    if spec.params_form is None:
        return None
    if request.method == "POST":
        return spec.params_form(request.POST, user=request.user)
    return spec.params_form(initial=request.GET.dict(), user=request.user)


@login_required
def template(request, kind: str):
    spec = _spec_for(request, kind)
    response = HttpResponse(workbooks.template(spec), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(spec.filename)}.xlsx"
    return response


def _job_params(job: ImportJob) -> list[tuple[str, str]]:
    """(label, value) of the job's parameters, as the user chose them."""
    form_class = SPECS[job.kind].params_form
    if form_class is None:
        return []
    form = form_class(job.params, user=job.user)
    try:
        cleaned = params.clean(form)
    except RefusedFile as exc:
        return [(_("参数"), str(exc))]
    return [(str(form.fields[name].label), str(value)) for name, value in cleaned.items()]


def _job_context(job: ImportJob) -> dict:
    counts = progress.read(job.pk)
    total = max(job.rows_total or counts.get("validated", 0), 1)
    written_goal = max(job.summary.get("new", 0) + job.summary.get("changed", 0), 1)
    return {
        "job": job,
        "spec": SPECS[job.kind],
        "validated": counts.get("validated", 0),
        "written": counts.get("written", 0),
        "validated_pct": min(100, round(100 * counts.get("validated", 0) / total)),
        "written_pct": min(100, round(100 * counts.get("written", 0) / written_goal)),
        "errors": job.errors[:SHOWN_ERRORS],
        "more_errors": max(0, job.summary.get("errors", 0) - SHOWN_ERRORS),
        "cancel_requested": counts.get("cancel"),
    }


@login_required
def job_detail(request, pk: int):
    job = _own_job(request, pk)
    if request.htmx:  # the progress poll: the part that changes
        return render(request, "imports/_job.html", _job_context(job))
    context = {**_job_context(job), "params": _job_params(job), "again": urlencode(job.params)}
    return render(request, "imports/job.html", context)


@login_required
@require_POST
def confirm(request, pk: int):
    job = _own_job(request, pk)
    try:
        job.transition("confirm", request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect(job)
    jobs.launch(job, "import")
    return redirect(job)


@login_required
@require_POST
def cancel(request, pk: int):
    job = _own_job(request, pk)
    if job.state in (JobState.QUEUED, JobState.READY):
        job.transition("cancel", request.user)
        messages.info(request, _("已取消，未写入任何数据。"))
    elif job.is_active:
        # The runner checks between batches and rolls everything back.
        progress.request_cancel(job.pk)
        messages.info(request, _("正在取消……已写入的部分将全部撤销。"))
    else:
        messages.error(request, _("该任务已结束，无法取消。"))
    return redirect(job)


@login_required
def error_file(request, pk: int):
    job = _own_job(request, pk)
    if not job.errors:
        raise Http404
    content = workbooks.annotated(
        Path(job.stored_path), job.filename, job.errors, SPECS[job.kind], job.summary
    )
    response = HttpResponse(content, content_type=XLSX_TYPE)
    name = f"{Path(job.filename).stem}-错误标注.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response
