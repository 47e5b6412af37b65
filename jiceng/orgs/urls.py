from django.urls import path

from . import views

app_name = "orgs"
urlpatterns = [
    path("units/", views.UnitListView.as_view(), name="unit-tree"),
    path("units/<int:pk>/", views.UnitDetailView.as_view(), name="unit-detail"),
    path("departments/", views.DepartmentListView.as_view(), name="department-list"),
    path("departments/<int:pk>/", views.DepartmentDetailView.as_view(), name="department-detail"),
]
