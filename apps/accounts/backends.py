"""The e-mail + password backend, which a setting can switch off where Cognito is the only way in."""

from django.conf import settings
from django.contrib.auth.backends import ModelBackend


class PasswordBackend(ModelBackend):
    """Django's password check, refused while ``ADMIN_PASSWORD_LOGIN`` is off (production's default).

    Refusing here rather than only in the login form closes every path that checks a password (the
    admin form, HTTP Basic on the local API, ``client.login``). Permission checks still work, so
    sessions and permissions of OIDC users are unaffected.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not settings.ADMIN_PASSWORD_LOGIN:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
