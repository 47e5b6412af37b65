"""Django admin is a superuser's tool: the scoping rule does not apply inside it,
so is_staff alone must not open it (everyone else works through the scoped pages)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _l


def superusers_only(request) -> bool:
    user = request.user
    return user.is_active and user.is_superuser


admin.site.has_permission = superusers_only
admin.site.site_header = _l("基层治理平台 · 系统管理")
admin.site.site_title = _l("基层 · 系统管理")
