"""Forms of the photo lookup pages.

Uploads are checked here (size first, then that Pillow can read the header) so that no
provider call is made for a file that cannot be a photo. The photo's bytes live in memory
for the request only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from faceadmin.faceapi.grouping import MAX_JOB_PHOTOS
from faceadmin.faceapi.lookup import (
    DETECTION_MODELS,
    MAX_IMAGE_BYTES,
    RECOGNITION_MODELS,
    DetectSettings,
    GroupRef,
    IdentifyQuery,
    Photo,
    PhotoError,
    photo_from_bytes,
    photo_from_url,
)
from faceadmin.faceapi.types import Collection, FaceRectangle, Person
from faceadmin.safeurl import UnsafeURL, parse_http_url

MODES = (
    ("matchPerson", "matchPerson: the same person only"),
    ("matchFace", "matchFace: ranked by likeness"),
)


def read_photo(upload: UploadedFile) -> Photo:
    name = upload.name or "photo"
    if (upload.size or 0) > MAX_IMAGE_BYTES:  # refuse before reading it into memory
        raise forms.ValidationError(
            f"{name} is {(upload.size or 0) / 1024 / 1024:.1f} MB; photos can be at most 6 MB."
        )
    try:
        return photo_from_bytes(data=upload.read(), filename=name)
    except PhotoError as exc:
        raise forms.ValidationError(str(exc)) from None


def parse_target(value: str) -> FaceRectangle | None:
    """ "left,top,width,height" as posted by a face picker; None when blank or damaged."""
    try:
        left, top, width, height = (int(v) for v in value.split(","))
    except ValueError:
        return None
    if width <= 0 or height <= 0:
        return None
    return FaceRectangle(left, top, width, height)


def collection_choices(collections: Sequence[Collection]) -> list[tuple[str, str]]:
    return [
        (str(GroupRef(c.kind, c.id)), f"{c.name} ({c.id}{', large' if 'Large' in c.kind else ''})")
        for c in collections
    ]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class ModelsMixin(forms.Form):
    detection_model = forms.ChoiceField(
        choices=[(m, m) for m in DETECTION_MODELS],
        initial="detection_01",
        help_text="detection_02 finds faces only (no landmarks or attributes); "
        "detection_03 returns head pose and quality only.",
    )
    recognition_model = forms.ChoiceField(
        choices=[(m, m) for m in RECOGNITION_MODELS],
        initial="recognition_04",
        help_text="Identify, verify and find similar use the model of the group or list.",
    )

    def detect_settings(self) -> DetectSettings:
        return DetectSettings(
            detection_model=self.cleaned_data["detection_model"],
            recognition_model=self.cleaned_data["recognition_model"],
        )


class PhotoMixin(forms.Form):
    photo = forms.FileField(
        required=False,
        label="Photo",
        help_text="JPEG, PNG, GIF or BMP, at most 6 MB. It is not stored.",
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/gif,image/bmp"}
        ),
    )
    url = forms.URLField(
        required=False,
        label="…or the photo's URL",
        assume_scheme="https",
        help_text="The provider downloads it itself.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload, url = data.get("photo"), data.get("url")
        if upload and url:
            raise forms.ValidationError("Give a photo or a URL, not both.")
        if upload:
            try:
                data["picture"] = read_photo(upload)
            except forms.ValidationError as exc:
                self.add_error("photo", exc)
        elif url:
            # The provider fetches it (the embedded engine with the same checks); refuse here
            # what parsers disagree on (backslashes, user info) with a clear message.
            try:
                parse_http_url(url)
            except UnsafeURL as exc:
                self.add_error("url", str(exc))
            else:
                data["picture"] = photo_from_url(url=url)
        elif not self.has_error("photo") and not self.has_error("url"):
            self.add_error("photo", "Choose a photo (or give its URL).")
        return data


class LookupForm(PhotoMixin, ModelsMixin):
    """Detect, or detect and identify."""

    groups = forms.MultipleChoiceField(
        required=False,
        label="Identify against",
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick none to search every trained group of this tenant.",
    )
    max_candidates = forms.IntegerField(
        min_value=1, max_value=100, initial=3, label="Candidates per face"
    )
    threshold = forms.FloatField(
        required=False,
        min_value=0,
        max_value=1,
        label="Confidence threshold",
        help_text="0 to 1; blank leaves it to the provider (0.5 on the embedded engine).",
        widget=forms.NumberInput(attrs={"step": "0.05"}),
    )

    def __init__(
        self,
        *args: Any,
        groups: Sequence[Collection] = (),
        default_threshold: float | None = None,
        calibrated_at: datetime | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["groups"].choices = collection_choices(groups)  # type: ignore[attr-defined]
        self.default_threshold = default_threshold
        if default_threshold is not None:
            # The tenant's calibrated default fills a blank threshold (see `threshold_or_default`).
            when = f" on {calibrated_at:%Y-%m-%d}" if calibrated_at else ""
            field = self.fields["threshold"]
            field.help_text = (
                f"0 to 1; blank uses this tenant's default {default_threshold:.3f}, "
                f"calibrated{when} on its own faces."
            )
            field.widget.attrs["placeholder"] = f"{default_threshold:.3f}"

    def threshold_or_default(self) -> float | None:
        value: float | None = self.cleaned_data.get("threshold")
        return value if value is not None else self.default_threshold

    def group_refs(self) -> list[GroupRef] | None:
        chosen = self.cleaned_data.get("groups") or []
        return [GroupRef.parse(value) for value in chosen] or None

    def identify_query(self) -> IdentifyQuery:
        refs = self.group_refs()
        return IdentifyQuery(
            settings=self.detect_settings(),
            collections=tuple(refs) if refs is not None else None,
            max_candidates=self.cleaned_data["max_candidates"],
            threshold=self.threshold_or_default(),
        )


class EnrollForm(forms.Form):
    """Posted by the buttons of a lookup result, together with the lookup form's fields
    (so the browser re-sends the same photo)."""

    photo = forms.FileField(required=False)
    enroll = forms.CharField(required=False)  # "Kind:group|personId|l,t,w,h"
    new_person = forms.CharField(required=False)  # "l,t,w,h"
    new_group = forms.CharField(required=False)
    new_name = forms.CharField(required=False, max_length=128)
    new_user_data = forms.CharField(required=False, max_length=16384)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("photo")
        if not upload:
            raise forms.ValidationError(
                "Choose the photo again: the page does not keep it after reloading, and "
                "faceadmin did not store it."
            )
        data["picture"] = read_photo(upload)
        try:
            if data.get("enroll"):
                ref, person_id, target = data["enroll"].split("|")
                data["group_ref"] = GroupRef.parse(ref)
                data["person_id"] = person_id
            elif data.get("new_person"):
                target = data["new_person"]
                if not data.get("new_group"):
                    raise forms.ValidationError("Choose the group of the new person.")
                data["group_ref"] = GroupRef.parse(data["new_group"])
                data["person_id"] = None
                if not (data.get("new_name") or "").strip():
                    raise forms.ValidationError("Give the new person a name.")
            else:
                raise forms.ValidationError("Nothing to enroll.")
        except (ValueError, PhotoError):
            raise forms.ValidationError(
                "This enroll button is damaged; run the lookup again."
            ) from None
        data["target"] = parse_target(target)
        if data["target"] is None:
            raise forms.ValidationError("This enroll button is damaged; run the lookup again.")
        return data


class VerifyForm(ModelsMixin):
    photo = forms.FileField(required=True, label="Photo A", help_text="Not stored.")
    photo2 = forms.FileField(
        required=False, label="Photo B", help_text="Or leave empty and choose a person below."
    )
    person = forms.ChoiceField(required=False, label="…or compare photo A with this person")
    face1 = forms.CharField(required=False, widget=forms.HiddenInput)
    face2 = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, people: Sequence[tuple[Collection, Person]] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, Any]] = [("", "—")]
        by_group: dict[str, list[tuple[str, str]]] = {}
        for collection, person in people:
            ref = GroupRef(collection.kind, collection.id)
            by_group.setdefault(collection.name, []).append(
                (f"{ref}|{person.person_id}", person.name or person.person_id)
            )
        choices.extend(by_group.items())
        self.fields["person"].choices = choices  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name, key in (("photo", "picture"), ("photo2", "picture2")):
            if data.get(name):
                try:
                    data[key] = read_photo(data[name])
                except forms.ValidationError as exc:
                    self.add_error(name, exc)
        if not data.get("photo2") and not data.get("person") and not self.has_error("photo2"):
            self.add_error("photo2", "Choose photo B, or a person to compare with.")
        if data.get("photo2") and data.get("person"):
            self.add_error("person", "Compare with photo B or with a person, not both.")
        if data.get("person"):
            ref, _, person_id = data["person"].partition("|")
            data["group_ref"], data["person_id"] = GroupRef.parse(ref), person_id
        data["target1"] = parse_target(data.get("face1") or "")
        data["target2"] = parse_target(data.get("face2") or "")
        return data


class SimilarForm(PhotoMixin, ModelsMixin):
    face_list = forms.ChoiceField(label="Search in")
    mode = forms.ChoiceField(choices=MODES, initial="matchPerson")
    max_candidates = forms.IntegerField(min_value=1, max_value=1000, initial=20, label="At most")
    face = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, lists: Sequence[Collection] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["face_list"].choices = collection_choices(lists)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["target"] = parse_target(data.get("face") or "")
        if data.get("face_list"):
            data["list_ref"] = GroupRef.parse(data["face_list"])
        return data


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/gif,image/bmp"}),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class GroupForm(ModelsMixin):
    """Up to 1,000 photos for a grouping job. Only sizes are checked here: the files go
    to the job's inputs as they are, and the job reports a photo it cannot read."""

    photos = MultipleFileField(
        required=False,
        label="Photos",
        help_text=(
            f"Up to {MAX_JOB_PHOTOS:,} photos, 6 MB each. They are deleted when the job ends."
        ),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        uploads = data.get("photos") or []
        if not uploads:
            self.add_error("photos", "Choose the photos to group.")
            return data
        if len(uploads) > MAX_JOB_PHOTOS:
            self.add_error(
                "photos",
                f"Group at most {MAX_JOB_PHOTOS:,} photos at once ({len(uploads)} chosen).",
            )
            return data
        kept, problems = [], []
        for upload in uploads:
            name = upload.name or "photo"
            if (upload.size or 0) > MAX_IMAGE_BYTES:
                problems.append(
                    f"{name} is {(upload.size or 0) / 1024 / 1024:.1f} MB; "
                    "photos can be at most 6 MB."
                )
            else:
                kept.append((name, upload))
        data["uploads"], data["problems"] = kept, problems
        return data


class ClusterForm(forms.Form):
    group = forms.ChoiceField(label="Person group")
    name = forms.CharField(max_length=128, label="Name of the new person")
    user_data = forms.CharField(required=False, max_length=16384, label="User data")

    def __init__(self, *args: Any, groups: Sequence[Collection] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = collection_choices(groups)  # type: ignore[attr-defined]
        self.crops: list[str] = self.data.getlist("crop") if hasattr(self.data, "getlist") else []

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.crops:
            raise forms.ValidationError("This cluster has no faces to enroll; group again.")
        if data.get("group"):
            data["group_ref"] = GroupRef.parse(data["group"])
        return data
