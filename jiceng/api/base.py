"""The JSON API: one NinjaAPI, bearer-token or session authentication, Chinese
errors, {"items", "count"} pagination, and helpers so a resource is a few lines.

Every endpoint reads through `Model.objects.visible_to(request.user, action)`
and writes through the same Django forms as the HTML pages, so scoping and
validation messages are identical on both sides.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.forms import model_to_dict
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, SessionAuth

from jiceng.accounts.models import ApiToken


class BearerToken(HttpBearer):
    def authenticate(self, request, token: str):
        user = ApiToken.objects.authenticate(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="基层 Jiceng API",
    version="1",
    description=_("所有接口遵循同一数据范围规则：只返回和修改当前用户管辖范围内的记录。"),
    auth=[BearerToken(), SessionAuth()],
    urls_namespace="api",
)


def _error(request, status: int, detail: str, **extra):
    return api.create_response(request, {"detail": detail, **extra}, status=status)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return _error(request, 401, _("需要登录，或在 Authorization 头中提供有效的 API 令牌。"))


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return _error(request, 404, _("记录不存在，或不在您的管辖范围内。"))


@api.exception_handler(PermissionDenied)
def on_forbidden(request, exc):
    return _error(request, 403, str(exc) or _("您没有执行此操作的权限。"))


@api.exception_handler(NinjaValidationError)
def on_invalid(request, exc):
    return _error(request, 422, _("请求数据格式不正确。"), errors=exc.errors)


@api.exception_handler(HttpError)
def on_http_error(request, exc):
    return _error(request, exc.status_code, str(exc))


class FormErrors(Exception):
    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors


@api.exception_handler(FormErrors)
def on_form_errors(request, exc):
    return _error(request, 400, _("数据校验未通过，未做任何修改。"), errors=exc.errors)


def get_visible(request, model_or_queryset, pk: int, action: str = "view"):
    """One record the user may `action`, else 404 (existence is not disclosed)."""
    base = getattr(model_or_queryset, "objects", model_or_queryset)
    obj = base.visible_to(request.user, action).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def filtered(request, model, filterset_class, queryset=None):
    """The scoped rows, filtered by the same FilterSet as the HTML list."""
    base = queryset if queryset is not None else model.objects.all()
    filterset = filterset_class(
        request.GET, queryset=base.visible_to(request.user), request=request
    )
    if not filterset.is_valid():
        raise FormErrors({k: [str(m) for m in v] for k, v in filterset.errors.items()})
    return filterset.qs


def save_form(request, form_class, data: dict[str, Any], instance=None):
    """Create or update through the HTML form: same validation, same scoping."""
    if instance is not None:
        merged = model_to_dict(instance)
        merged.update(data)
        data = merged
    data = {k: v for k, v in data.items() if v is not None}
    form = form_class(data=data, instance=instance, user=request.user)
    if not form.is_valid():
        raise FormErrors({k: [str(m) for m in v] for k, v in form.errors.items()})
    return form.save()
