from django.urls import path

from . import views
from .meetings import urlpatterns as meeting_urls

app_name = "worklists"
urlpatterns = [
    path("", views.my_work, name="my-work"),
    path("tasks/", views.AssignmentListView.as_view(), name="assignment-list"),
    path("tasks/new/", views.TaskCreateView.as_view(), name="task-create"),
    path("tasks/<int:pk>/", views.assignment_detail, name="assignment-detail"),
    path("tasks/<int:pk>/action/", views.take_action, name="assignment-action"),
    path("tasks/<int:pk>/report/", views.post_report, name="assignment-report"),
    path("tasks/<int:pk>/decompose/", views.post_decompose, name="assignment-decompose"),
    path("tasks/<int:pk>/escalate/", views.post_escalation, name="assignment-escalate"),
    path("attachments/<int:pk>/", views.attachment_file, name="attachment-file"),
    path("plans/", views.PlanListView.as_view(), name="plan-list"),
    path("plans/new/", views.PlanCreateView.as_view(), name="plan-create"),
    path("plans/<int:pk>/", views.plan_board, name="plan-board"),
    path("plans/<int:pk>/tasks.xlsx", views.plan_tasks_export, name="plan-tasks-export"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("visits/", views.VisitListView.as_view(), name="visit-list"),
    path("visits/new/", views.VisitCreateView.as_view(), name="visit-create"),
    path("visits/<int:pk>/", views.visit_detail, name="visit-detail"),
    path("projects/", views.ProjectListView.as_view(), name="project-list"),
    path("projects/new/", views.ProjectCreateView.as_view(), name="project-create"),
    path("projects/<int:pk>/", views.project_detail, name="project-detail"),
]
urlpatterns += meeting_urls  # joint meetings: jiceng/worklists/meetings.py
