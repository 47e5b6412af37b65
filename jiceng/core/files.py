"""Uploaded files, served only through views that check who may see them.

Nothing is served from MEDIA_URL: work reports and service records carry photos
of residents and their homes, so every download goes through the scoping rule.
"""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

# Shown in the browser; every other file is downloaded. The type follows the
# checked extension, never the type the uploader's browser claimed.
INLINE_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "pdf": "application/pdf",
}


def file_response(field_file, filename: str) -> FileResponse:
    """The stored file as a response (404 in Chinese when it has gone missing)."""
    try:
        handle = field_file.open("rb")
    except FileNotFoundError as missing:
        raise Http404(_("文件已不存在。")) from missing
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return FileResponse(
        handle,
        as_attachment=extension not in INLINE_TYPES,
        filename=filename,
        content_type=INLINE_TYPES.get(extension, "application/octet-stream"),
    )
