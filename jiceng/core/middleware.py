"""Sliding session expiry without a database write on every request."""

from __future__ import annotations

import time

from django.conf import settings

TOUCHED_KEY = "_touched"


class SessionRefreshMiddleware:
    """Keep active sessions alive and let idle ones expire (SESSION_COOKIE_AGE).

    Django's SESSION_SAVE_EVERY_REQUEST would do it with a write (and, on
    PostgreSQL, a synchronous commit) on every request. Touching the session at
    most once per SESSION_REFRESH_SECONDS gives the same idle expiry to within
    that interval, with one write per interval instead.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty():
            now = int(time.time())
            if now - session.get(TOUCHED_KEY, 0) >= settings.SESSION_REFRESH_SECONDS:
                session[TOUCHED_KEY] = now  # marks it modified: saved with a new expiry
        return response
