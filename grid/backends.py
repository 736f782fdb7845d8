from django.contrib.auth.backends import ModelBackend

from grid.members import member_for_login


class MemberPhoneBackend(ModelBackend):
    """Volunteer grid members log in with the phone on their roster entry and their password."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        digits = "".join(ch for ch in (username or "") if ch.isdigit())
        if len(digits) != 11 or password is None:
            return None
        member = member_for_login(digits)
        if member and member.user.check_password(password) and self.user_can_authenticate(member.user):
            return member.user
        return None
