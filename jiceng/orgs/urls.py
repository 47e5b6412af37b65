from django.urls import path

from . import views

app_name = "orgs"
urlpatterns = [
    path("units/", views.UnitTreeView.as_view(), name="unit-tree"),
    path("units/list/", views.UnitListView.as_view(), name="unit-list"),
    path("units/new/", views.UnitCreateView.as_view(), name="unit-create"),
    path("units/<int:pk>/", views.UnitDetailView.as_view(), name="unit-detail"),
    path("units/<int:pk>/children/", views.unit_children, name="unit-children"),
    path("units/<int:pk>/edit/", views.UnitUpdateView.as_view(), name="unit-edit"),
    path("departments/", views.DepartmentListView.as_view(), name="department-list"),
    path("departments/new/", views.DepartmentCreateView.as_view(), name="department-create"),
    path("departments/<int:pk>/", views.DepartmentDetailView.as_view(), name="department-detail"),
    path(
        "departments/<int:pk>/edit/",
        views.DepartmentUpdateView.as_view(),
        name="department-edit",
    ),
    path("pairings/new/", views.PairingCreateView.as_view(), name="pairing-create"),
    path("pairings/<int:pk>/edit/", views.PairingUpdateView.as_view(), name="pairing-edit"),
    path("pairings/<int:pk>/end/", views.end_pairing, name="pairing-end"),
    path("leader-links/new/", views.LeaderLinkCreateView.as_view(), name="leaderlink-create"),
]
