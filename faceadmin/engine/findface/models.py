"""The facade's storage: token accounts, galleries and faces with their descriptors.

`default` is not stored: every face is in it, so it is implied. A face's own galleries are
the others it joined. Ids are the table's big integer keys (FindFace ids are integers, newest
highest), so listing newest first with `max_id` / `min_id` is an index range scan.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from faceadmin.engine.keyaccount import KeyAccount


class TokenAccount(KeyAccount):
    """One FindFace token (`Authorization: Token <key>`); see `engine.keyaccount`."""


class Gallery(models.Model):
    account = models.ForeignKey(TokenAccount, on_delete=models.CASCADE, related_name="galleries")
    name = models.CharField(max_length=48)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="findface_gallery_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Face(models.Model):
    id = models.BigAutoField(primary_key=True)
    account = models.ForeignKey(TokenAccount, on_delete=models.CASCADE, related_name="faces")
    meta = models.TextField(blank=True, default="")
    galleries = models.ManyToManyField(Gallery, related_name="faces", blank=True)
    # The box on the source photo: (x1, y1) top-left, (x2, y2) bottom-right.
    x1 = models.IntegerField()
    y1 = models.IntegerField()
    x2 = models.IntegerField()
    y2 = models.IntegerField()
    descriptor = models.BinaryField()
    photo = models.TextField(blank=True, help_text="The photo's URL, or the uploaded file name.")
    photo_hash = models.CharField(max_length=32)
    thumbnail = models.BinaryField(help_text="A JPEG of the face with some margin.")
    # The thumbnail's URL is public (as the cloud's are), so it is named by a random token.
    thumbnail_token = models.CharField(max_length=32, unique=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["account", "id"], name="findface_face_page"),
            models.Index(fields=["account", "meta"], name="findface_face_meta"),
        ]

    def __str__(self) -> str:
        return str(self.id)
