"""API authentication: token login, audited like a page login."""

from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response

from accounts import services


class TokenLoginView(ObtainAuthToken):
    """``POST /api/v1/auth/token/`` with username and password → ``{"token": …}``.

    Failures are audited by the ``user_login_failed`` signal (authenticate sends it) and
    count towards the same axes lockout as the login page.
    """

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token = services.token_issue(request=request, user=serializer.validated_data["user"])
        return Response({"token": token.key})
