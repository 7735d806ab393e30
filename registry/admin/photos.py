"""Stored photos (registry.Photo): a read-only list for superusers — hash, size, type, uploader, time.

No picture here: a photo belongs to the case or task that links it, and is shown only by that app's view once
it has checked the reader's permission (registry.photos.photo_response).
"""

from django.contrib import admin

from registry.admin.base import ReadOnlyMixin, RegistryAdmin, SuperuserOnlyMixin
from registry.models import Photo


@admin.register(Photo)
class PhotoAdmin(SuperuserOnlyMixin, ReadOnlyMixin, RegistryAdmin):
    list_display = ("created_at", "sha256", "content_type", "width", "height", "bytes", "uploaded_by")
    list_select_related = ("uploaded_by",)
    list_filter = ("content_type",)
    search_fields = ("sha256",)
    fields = ("sha256", "content_type", "width", "height", "bytes", "uploaded_by", "created_at")
    readonly_fields = fields
    show_full_result_count = False
