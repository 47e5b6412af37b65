from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "jiceng.imports"
    label = "imports"
    verbose_name = "导入导出"

    def ready(self) -> None:
        from jiceng.core.audit import register_audited

        from .models import ImportJob

        # The job row is audited like any record; the uploaded rows themselves
        # are audited per record by the engine (see engine.write_audit).
        register_audited(ImportJob, exclude_fields=["errors", "preview", "notices", "history"])
