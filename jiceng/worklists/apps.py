from django.apps import AppConfig


class WorklistsConfig(AppConfig):
    name = "jiceng.worklists"
    label = "worklists"
    verbose_name = "工作清单"

    def ready(self) -> None:
        from jiceng.core.audit import register_audited
        from jiceng.imports.specs import SPECS

        from . import models, signals  # noqa: F401 - signals connect on import
        from .imports import TaskSpec

        SPECS[TaskSpec.kind] = TaskSpec  # 计划任务 through the shared import engine

        for model in (
            models.Plan,
            models.TaskGroup,
            models.Task,
            models.Assignment,
            models.Report,
            models.Attachment,
            models.SupervisionVisit,
            models.Finding,
            models.Escalation,
            models.ProjectCategory,
            models.Project,
            models.ProjectClaim,
            models.JointMeetingBody,
            models.Meeting,
            models.Resolution,
            models.Transition,
            models.Notification,
        ):
            register_audited(model)
