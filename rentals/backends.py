from django.contrib.auth.backends import ModelBackend

from rentals.models import LandlordProfile


class PhoneBackend(ModelBackend):
    """Landlords log in with their mobile number (matched by its keyed hash) and password."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        digits = "".join(ch for ch in (username or "") if ch.isdigit())
        if len(digits) != 11 or password is None:
            return None
        profile = (
            LandlordProfile.objects.select_related("user")
            .filter(phone_hash=LandlordProfile.phone_hash_for(digits), phone_verified_at__isnull=False)
            .first()
        )
        if profile and profile.user.check_password(password) and self.user_can_authenticate(profile.user):
            return profile.user
        return None
