from django.urls import path

from . import views

app_name = "reporting"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("mine/", views.my_reporting, name="mine"),
    path("members/", views.MemberReportListView.as_view(), name="member-report-list"),
    path("members/<int:pk>/", views.member_report_detail, name="member-report-detail"),
    path("members/bulk/", views.bulk_register, name="bulk-register"),
    path("feedback/", views.department_feedback, name="department-feedback"),
    path("join/<str:code>/", views.join, name="join"),
    path("communities/<int:pk>/poster/", views.poster, name="poster"),
    path("communities/<int:pk>/qr.svg", views.poster_qr, name="poster-qr"),
    path("departments/", views.DepartmentReportListView.as_view(), name="department-report-list"),
    path(
        "departments/new/",
        views.DepartmentReportCreateView.as_view(),
        name="department-report-create",
    ),
    path(
        "departments/<int:pk>/",
        views.department_report_detail,
        name="department-report-detail",
    ),
    path("needs/", views.ServiceNeedListView.as_view(), name="need-list"),
    path("needs/new/", views.ServiceNeedCreateView.as_view(), name="need-create"),
    path("needs/<int:pk>/", views.need_detail, name="need-detail"),
    path("needs/<int:pk>/claim/", views.claim, name="need-claim"),
    path("records/", views.ServiceRecordListView.as_view(), name="record-list"),
    path("records/new/", views.ServiceRecordCreateView.as_view(), name="record-create"),
    path("records/<int:pk>/", views.record_detail, name="record-detail"),
    path("photos/<int:pk>/", views.photo_file, name="photo-file"),
    path("grids/", views.GridResponsibilityListView.as_view(), name="grid-list"),
    path("grids/<int:pk>/edit/", views.GridResponsibilityUpdateView.as_view(), name="grid-edit"),
    path("rules/", views.PointRuleListView.as_view(), name="rule-list"),
    path("rules/new/", views.PointRuleCreateView.as_view(), name="rule-create"),
    path("evaluations/", views.MemberEvaluationListView.as_view(), name="evaluation-list"),
    path("evaluations/new/", views.MemberEvaluationCreateView.as_view(), name="evaluation-create"),
    path("<str:kind>/<int:pk>/<str:name>/", views.transition, name="transition"),
]
