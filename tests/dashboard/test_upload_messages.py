"""Issue 17, defect 9: upload messages name the file, give sizes in the limit's unit, and an
oversize upload is refused from its Content-Length before its body is read."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

pytestmark = pytest.mark.django_db

URL = "/t/local/collections/facelists/visitors/faces/add/"


def test_a_refused_photo_is_named_with_its_size_in_the_limits_unit(
    local_client_as: Any, face_list: str
) -> None:
    tiny = SimpleUploadedFile("tiny.jpg", b"\xff\xd8" + b"0" * 510, "image/jpeg")
    response = local_client_as("operator").post(URL, {"photos": [tiny]}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 400
    assert '<span class="file">tiny.jpg</span>' in html
    assert "tiny.jpg is 0.5 KB; photos must be 1 KB to 6 MB." in html
    assert "bytes" not in html


def test_an_oversize_upload_is_refused_from_its_content_length(
    local_client_as: Any, face_list: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.handlers.wsgi import WSGIRequest

    def never(self: WSGIRequest) -> None:
        raise AssertionError("the body was read")

    monkeypatch.setattr(WSGIRequest, "_load_post_and_files", never)
    response = local_client_as("operator").post(
        URL,
        {"photos": [SimpleUploadedFile("a.jpg", b"x" * 2048, "image/jpeg")]},
        HTTP_HX_REQUEST="true",
        HTTP_X_UPLOAD_FILENAME="holiday%20photo.jpg",
        CONTENT_LENGTH=str(7 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert "holiday photo.jpg is 7.0 MB; photos must be 1 KB to 6 MB." in response.content.decode()
