"""HOOK for the shared import engine (built on another branch): importing a
plan's tasks from the city's own .xlsx. No second engine is built here.

When the engine lands, register this spec with it: each row becomes a Task of
the chosen plan through `jiceng.worklists.forms.TaskForm` (same validation and
scoping as the page), assigned to the lead unit's children via
`services.assign`. Unknown units get the form's Chinese out-of-scope message.
"""

from django.utils.translation import gettext_lazy as _l

# (column header in the sheet, TaskForm field, required)
TASK_IMPORT_COLUMNS = [
    (_l("任务名称"), "title", True),
    (_l("类别"), "category", False),
    (_l("牵头单位"), "unit", True),  # matched by unit name or code within the user's scope
    (_l("完成时限"), "due_date", True),
    (_l("工作要求"), "description", False),
    (_l("销号所需佐证"), "evidence_required", False),
    (_l("权重"), "weight", False),
]
