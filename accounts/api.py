"""API authentication: token login, audited like a page login."""

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response

from accounts import otp, services
from accounts.models import AuditAction


class TokenLoginView(ObtainAuthToken):
    """``POST /api/v1/auth/token/`` with username and password → ``{"token": …}``.

    Failures are audited by the ``user_login_failed`` signal (authenticate sends it) and
    count towards the same axes lockout as the login page. Police staff add ``otp``, the code from
    their authenticator app (or a recovery code), when two-step verification is on.
    """

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        code = str(request.data.get("otp", ""))
        if settings.STAFF_OTP_REQUIRED and otp.needs_second_factor(user) and otp.device_for_code(user, code) is None:
            services.audit(request, AuditAction.OTP_FAILED, user, actor=user, reason="API token")
            raise serializers.ValidationError(
                {"otp": [_("Give the code from your authenticator app (two-step verification).")]}
            )
        token = services.token_issue(request=request, user=user)
        return Response({"token": token.key})
