"""Account forms with the site's Bootstrap styling."""

from django.contrib.auth.forms import PasswordChangeForm

from jiceng.core.forms import StyledFormMixin


class StyledPasswordChangeForm(StyledFormMixin, PasswordChangeForm):
    """Django's form rendered bare: three unstyled, narrow inputs on a phone."""
