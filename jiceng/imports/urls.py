from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("", views.index, name="index"),
    path("job/<int:pk>/", views.job_detail, name="job"),
    path("job/<int:pk>/confirm/", views.confirm, name="confirm"),
    path("job/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("job/<int:pk>/errors.xlsx", views.error_file, name="errors"),
    path("<str:kind>/", views.start, name="start"),
    path("<str:kind>/template.xlsx", views.template, name="template"),
]
