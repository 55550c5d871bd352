"""The admin's login and logout, wired to OIDC (Cognito) next to the optional password form."""

import logging

from django.conf import settings
from django.contrib import admin, auth, messages
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCLogoutView

from apps.accounts.oidc import REFUSAL_ATTRIBUTE, oidc_configured

logger = logging.getLogger(__name__)


def _login_context(request) -> dict:
    return {
        "oidc_login_url": reverse("oidc_authentication_init") if oidc_configured() else "",
        "password_login": settings.ADMIN_PASSWORD_LOGIN,
    }


@never_cache
def admin_login(request):
    """The admin's login page: a "Sign in with Cognito" button, plus the password form if it is enabled.

    With ``ADMIN_PASSWORD_LOGIN`` off a posted password is refused here, before any backend sees it
    (the password backend refuses it too, for every other way in).
    """
    extra_context = _login_context(request)
    if request.method == "POST" and not settings.ADMIN_PASSWORD_LOGIN:
        logger.warning("Password sign-in refused: ADMIN_PASSWORD_LOGIN is off")
        context = {
            **admin.site.each_context(request),
            **extra_context,
            "title": _("Log in"),
            "subtitle": None,
            "app_path": request.get_full_path(),
            "username": request.user.get_username(),
            "next": request.POST.get("next") or reverse("admin:index"),
            "login_refused": _("Password sign-in is disabled. Sign in with Cognito."),
        }
        return TemplateResponse(request, "admin/login.html", context, status=403)
    return admin.site.login(request, extra_context=extra_context)


class AdminLogoutView(OIDCLogoutView):
    """The admin's logout (POST): ends the Django session and, for OIDC sessions, the provider's too.

    ``OIDC_OP_LOGOUT_URL_METHOD`` builds the provider's logout address; sessions opened with a
    password simply return to the login page.
    """

    @property
    def redirect_url(self):
        return reverse("admin:login")


class OperatorCallbackView(OIDCAuthenticationCallbackView):
    """The OIDC callback, for both the first sign-in and the silent refresh.

    A refused refresh (group removed, account disabled, provider session ended) must end the Django
    session as well: the library's callback would otherwise leave the operator signed in. A callback
    that answers no sign-in of this session is ignored (see ``get``).
    """

    @property
    def failure_url(self):
        return reverse("admin:login")

    def get(self, request):
        # Only an answer to a sign-in this session started (its ``state`` is pending here) may act.
        # Anything else, such as a cross-site link to /oidc/callback/?error=access_denied or a bare
        # callback, would otherwise sign the operator out (logout CSRF): it changes nothing.
        state = request.GET.get("state")
        if not state or state not in (request.session.get("oidc_states") or {}):
            logger.warning("OIDC callback without a pending state ignored")
            return HttpResponseRedirect(reverse("admin:index") if request.user.is_authenticated else self.failure_url)
        return super().get(request)

    def login_failure(self):
        if self.request.user.is_authenticated:
            auth.logout(self.request)
        if self.request.GET.get("error") == "login_required":
            message = _("Your session has ended. Please sign in again.")
        else:
            message = getattr(self.request, REFUSAL_ATTRIBUTE, None) or _(
                "Sign-in with Cognito failed. Please try again."
            )
        messages.error(self.request, message)
        return HttpResponseRedirect(self.failure_url)
