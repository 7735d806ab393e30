"""Open311 GeoReport v2, mounted at /open311/v2/: every resource as `<name>.json` and `<name>.xml`."""

from django.urls import re_path

from complaints import open311

FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    re_path(rf"^discovery{FMT}", open311.discovery, name="open311-discovery"),
    re_path(rf"^services{FMT}", open311.services, name="open311-services"),
    re_path(rf"^services/(?P<code>[-\w]+){FMT}", open311.service_definition, name="open311-service"),
    re_path(rf"^requests{FMT}", open311.requests, name="open311-requests"),
    re_path(rf"^requests/(?P<id>[^/.]+){FMT}", open311.request_detail, name="open311-request"),
    re_path(rf"^tokens/(?P<token>[^/.]+){FMT}", open311.token, name="open311-token"),
    re_path(rf"^(?P<path>.*?){FMT}", open311.unknown, name="open311-unknown"),  # the spec's 404 body
]
