"""The daily digest: per user, what is due soon, overdue, or waiting for approval."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.accounts.models import User

from .models import Assignment, Notification
from .queries import awaiting_approval
from .services import REPORT_PERM, role_units


def digest_for(user, today=None) -> str | None:
    """The digest text, or None when there is nothing to say."""
    today = today or timezone.localdate()
    mine = Assignment.objects.filter(unit_id__in=role_units(user, REPORT_PERM))
    overdue = mine.overdue(today).count()
    due_soon = mine.due_soon(today).count()
    approvals = awaiting_approval(user).count()
    if not (overdue or due_soon or approvals):
        return None
    return _(
        "逾期 %(overdue)d 项，7 天内到期 %(soon)d 项，待您审批的销号申请 %(approvals)d 项。"
    ) % {
        "overdue": overdue,
        "soon": due_soon,
        "approvals": approvals,
    }


def send_digests(today=None) -> int:
    """One in-app notification per user with something to do; email too when
    mail is configured (EMAIL_HOST set) and the user has an address."""
    today = today or timezone.localdate()
    title = _("每日工作提醒（%(day)s）") % {"day": today.isoformat()}
    mail = bool(getattr(settings, "EMAIL_HOST", "")) and (
        settings.EMAIL_BACKEND != "django.core.mail.backends.console.EmailBackend"
    )
    sent = 0
    users = User.objects.filter(is_active=True, role_assignments__unit__isnull=False).distinct()
    # No prefetch of role assignments: `user.assignments` loads its own (with the
    # units and departments scoping reads), so a prefetch is read for nothing.
    for user in users:
        body = digest_for(user, today)
        if body is None or Notification.objects.filter(user=user, title=title).exists():
            continue
        Notification.objects.create(user=user, title=title, body=body)
        if mail and user.email:
            send_mail(title, body, None, [user.email], fail_silently=True)
        sent += 1
    return sent
