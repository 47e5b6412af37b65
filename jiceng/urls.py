from django.contrib import admin
from django.urls import include, path

from jiceng.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("accounts/", include("jiceng.accounts.urls")),
    path("orgs/", include("jiceng.orgs.urls")),
    path("people/", include("jiceng.people.urls")),
    path("reporting/", include("jiceng.reporting.urls")),
    path("work/", include("jiceng.worklists.urls")),
    path("api/v1/", include("jiceng.api.urls")),
    path("imports/", include("jiceng.imports.urls")),
    path("admin/", admin.site.urls),
]
