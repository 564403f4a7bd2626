"""JWT refresh for a user who no longer exists: 401, like an inactive one (simplejwt's own
serializer looks the user up with .get() and lets DoesNotExist become a 500)."""
from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import RefreshToken


class RefreshSerializer(TokenRefreshSerializer):
    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        user_id = RefreshToken(attrs["refresh"]).payload.get(api_settings.USER_ID_CLAIM)
        if user_id and not get_user_model().objects.filter(**{api_settings.USER_ID_FIELD: user_id}).exists():
            raise AuthenticationFailed(self.error_messages["no_active_account"], "no_active_account")
        return super().validate(attrs)
