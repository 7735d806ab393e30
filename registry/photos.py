"""Serving a stored photo (registry.models.Photo) to someone a view has already authorised.

MEDIA_ROOT has no URL: a complaint's or a task's view resolves the case, checks the reader's permission on it
(its own permissions.py), then answers with photo_response. Writing photos: registry.services.photos.
"""

from django.http import FileResponse

from registry.models import Photo

# Browser cache only ("private": never a shared proxy). A photo's bytes never change, so a day is safe; a reader
# who loses access keeps at most what their own browser already holds.
PHOTO_CACHE_SECONDS = 24 * 60 * 60


def photo_response(*, photo: Photo) -> FileResponse:
    """The stored file, inline, with its own content type, no sniffing and a private cache; opens the file,
    which the response closes. The caller has checked the permission; no side effects."""
    # `filename` with as_attachment=False: Content-Disposition "inline; filename=<sha256>.<ext>".
    response = FileResponse(
        photo.file.open("rb"), content_type=photo.content_type, filename=photo.file.name.rsplit("/", 1)[-1]
    )
    response["Cache-Control"] = f"private, max-age={PHOTO_CACHE_SECONDS}"
    response["X-Content-Type-Options"] = "nosniff"
    response["ETag"] = f'"{photo.sha256}"'
    return response
