"""An upload handler that keeps the file in memory only, and stops keeping it past the size limit.

Django writes uploads larger than FILE_UPLOAD_MAX_MEMORY_SIZE to a temporary file in clear; an
import file holds personal data, so it must never touch the disk unencrypted. This handler keeps
at most ``IMPORT_MAX_BYTES`` in memory and counts (without keeping) whatever comes beyond, so the
action can refuse the file with its real size.
"""

from __future__ import annotations

import io
from typing import Any

from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopFutureHandlers

from bastion.imports.csvfile import max_bytes


class OversizedUpload(InMemoryUploadedFile):
    """A file that was larger than the limit: its ``size`` is real, its content was not kept."""


class MemoryOnlyUploadHandler(FileUploadHandler):
    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.buffer = io.BytesIO()
        self.received = 0
        raise StopFutureHandlers()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.received += len(raw_data)
        if self.received <= max_bytes():
            self.buffer.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> InMemoryUploadedFile:
        self.buffer.seek(0)
        kept = self.received <= max_bytes()
        cls = InMemoryUploadedFile if kept else OversizedUpload
        buffer = self.buffer if kept else io.BytesIO()
        return cls(
            buffer, self.field_name, self.file_name, self.content_type, self.received, self.charset, self.content_type_extra
        )


def file_bytes(upload: Any) -> bytes | None:
    """The uploaded bytes, or None when the file was too large to keep."""
    if isinstance(upload, OversizedUpload):
        return None
    return bytes(upload.read())
