"""A user's own API tokens: create (shown once), list, revoke."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .models import ApiToken


@login_required
def tokens(request):
    new_token = None
    if request.method == "POST":
        name = request.POST.get("name", "").strip()[:64]
        new_token = ApiToken.issue(request.user, name)[1]
        messages.success(request, _("令牌已创建。它只显示这一次，请立即复制保存。"))
    return render(
        request,
        "accounts/tokens.html",
        {
            "tokens": request.user.api_tokens.all(),
            "new_token": new_token,
        },
    )


@login_required
@require_POST
def revoke_token(request, pk: int):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user, revoked_at__isnull=True)
    token.revoke()
    messages.success(request, _("令牌 %(prefix)s… 已撤销。") % {"prefix": token.prefix})
    return redirect("tokens")
