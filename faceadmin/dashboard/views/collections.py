"""Collections, persons, faces, training and face-list audit. All their routes are listed here."""

from __future__ import annotations

from django.urls import URLPattern, path

from faceadmin.dashboard.views import faces

urlpatterns: list[URLPattern] = [
    path(
        "t/<slug:slug>/faces/<str:persisted_face_id>/thumb.jpg",
        faces.face_thumbnail,
        name="face_thumbnail",
    ),
    path(
        "t/<slug:slug>/faces/<str:persisted_face_id>/original/",
        faces.face_original,
        name="face_original",
    ),
    path(
        "t/<slug:slug>/pending/<str:token>/photo/",
        faces.pending_photo,
        name="pending_photo",
    ),
]
