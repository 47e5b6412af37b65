"""An import job: the uploaded file, where it stands, and what it found.

States and named transitions (each recorded in `history`: who, when, from, to, note):

    queued -start_validation-> validating -validated-> ready -confirm-> importing -finish-> done
    validating -invalid-> invalid;  any active state -cancel/fail-> cancelled / failed
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l


class JobState(models.TextChoices):
    QUEUED = "queued", _l("排队中")
    VALIDATING = "validating", _l("校验中")
    INVALID = "invalid", _l("有错误")
    READY = "ready", _l("待确认")
    IMPORTING = "importing", _l("导入中")
    DONE = "done", _l("已完成")
    CANCELLED = "cancelled", _l("已取消")
    FAILED = "failed", _l("失败")


# transition name -> (allowed from-states, to-state)
TRANSITIONS: dict[str, tuple[set[str], str]] = {
    "start_validation": ({JobState.QUEUED}, JobState.VALIDATING),
    "validated": ({JobState.VALIDATING}, JobState.READY),
    "invalid": ({JobState.VALIDATING}, JobState.INVALID),
    "confirm": ({JobState.READY}, JobState.IMPORTING),
    "finish": ({JobState.IMPORTING}, JobState.DONE),
    "cancel": (
        {JobState.QUEUED, JobState.VALIDATING, JobState.READY, JobState.IMPORTING},
        JobState.CANCELLED,
    ),
    "fail": ({JobState.QUEUED, JobState.VALIDATING, JobState.IMPORTING}, JobState.FAILED),
}
ACTIVE_STATES = {JobState.QUEUED, JobState.VALIDATING, JobState.IMPORTING}


class ImportJob(models.Model):
    """Owned by the user who uploaded it; only they (and superusers) see it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="import_jobs",
        verbose_name=_l("上传人"),
    )
    kind = models.CharField(_l("导入类型"), max_length=32)
    filename = models.CharField(_l("文件名"), max_length=255)
    # What the import needs besides the file, e.g. {"plan": 12}: see params.py.
    params = models.JSONField(_l("导入参数"), default=dict, blank=True)
    stored_path = models.CharField(max_length=500, editable=False)
    state = models.CharField(
        _l("状态"), max_length=16, choices=JobState.choices, default=JobState.QUEUED
    )
    rows_total = models.PositiveIntegerField(_l("数据行数"), default=0)
    rows_written = models.PositiveIntegerField(_l("已写入行数"), default=0)
    summary = models.JSONField(_l("统计"), default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    notices = models.JSONField(default=list, blank=True)
    preview = models.JSONField(default=list, blank=True)
    message = models.TextField(_l("说明"), blank=True)
    # The step a runner should take next ("validate" / "import"); cleared on claim.
    pending_step = models.CharField(max_length=16, blank=True, default="", editable=False)
    history = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(_l("上传时间"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _l("导入任务")
        verbose_name_plural = _l("导入任务")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "created_at"])]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_state_display()})"

    def get_absolute_url(self) -> str:
        return reverse("imports:job", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    def transition(self, name: str, actor=None, note: str = "") -> None:
        """Move by a named transition; a transition that does not apply is refused."""
        sources, target = TRANSITIONS[name]
        if self.state not in sources:
            raise ValidationError(
                _("当前状态“%(state)s”不能执行该操作。") % {"state": self.get_state_display()}
            )
        self.history.append(
            {
                "transition": name,
                "from": self.state,
                "to": str(target),
                "by": getattr(actor, "pk", None),
                "at": timezone.now().isoformat(),
                "note": note,
            }
        )
        self.state = target
        self.save()
