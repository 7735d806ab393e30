"""API throttles: request rates per client address (anonymous endpoints) or per account, counted in the Redis
cache. Each rate is read from settings when a request arrives, so the environment (and `override_settings` in
tests) sets it; a refusal leaves as `429 {"code": "throttled", "extra": {"wait": seconds}}` (config.api)."""

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from config.net import client_ip


class _SettingsRateThrottle(SimpleRateThrottle):
    """A fixed scope whose rate ("20/min") is the setting named by `rate_setting`."""

    rate_setting = ""

    def get_rate(self) -> str:
        return getattr(settings, self.rate_setting)


class _PerAddressThrottle(_SettingsRateThrottle):
    def get_cache_key(self, request: Request, view: APIView) -> str:
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request) or "unknown"}


class _PerAccountThrottle(_SettingsRateThrottle):
    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if not request.user.is_authenticated:
            return None  # refused by authentication anyway
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class AuthTokenThrottle(_PerAddressThrottle):
    """`POST /api/v1/auth/token/` per client address (API_THROTTLE_TOKEN)."""

    scope = "auth_token"
    rate_setting = "API_THROTTLE_TOKEN"


class SignupThrottle(_PerAddressThrottle):
    """`POST /api/v1/accounts/signup/` per client address (API_THROTTLE_SIGNUP)."""

    scope = "signup"
    rate_setting = "API_THROTTLE_SIGNUP"


class BallotThrottle(_PerAccountThrottle):
    """`POST /api/v1/assemblies/{id}/ballots/` per account (API_THROTTLE_BALLOT)."""

    scope = "ballot"
    rate_setting = "API_THROTTLE_BALLOT"
