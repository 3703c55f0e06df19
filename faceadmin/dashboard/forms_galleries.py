"""Forms of a FindFace tenant's pages: galleries, enrolling faces, and lookups by gallery."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator

from faceadmin.dashboard.forms_lookup import PhotoMixin, parse_target, read_photo
from faceadmin.faceapi.galleries import DEFAULT_GALLERY, META_MAX_BYTES
from faceadmin.faceapi.providers import THRESHOLD_PRESETS

META_MAX = META_MAX_BYTES


def validate_meta(value: str) -> None:
    """The limit is in UTF-8 bytes: 1024 characters of Cyrillic would be 2 KB."""
    size = len(value.encode("utf-8"))
    if size > META_MAX_BYTES:
        raise ValidationError(
            f"Meta is at most {META_MAX_BYTES} bytes in UTF-8 (this one is {size}).",
            code="meta_too_long",
        )


class GalleryCreateForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=48,
        validators=[
            RegexValidator(r"^[a-zA-Z0-9_-]{1,48}$", "Use 1 to 48 letters, digits, '-' and '_'.")
        ],
        help_text="1 to 48 letters, digits, '-' and '_'. Every face is also in 'default'.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"]
        if name == DEFAULT_GALLERY:
            raise forms.ValidationError("'default' always exists: every face is in it.")
        return name


class GalleryEnrollForm(PhotoMixin):
    """A photo (or its URL) and the meta its face is stored with."""

    meta = forms.CharField(
        label="Meta",
        max_length=META_MAX,
        validators=[validate_meta],
        required=False,
        help_text="Free text stored with the face, e.g. the person's name. Faces of one "
        "person share it; identify answers with it.",
    )
    faces = forms.ChoiceField(
        label="Faces to store",
        choices=[("biggest", "The largest face"), ("all", "Every face on the photo")],
        initial="biggest",
        widget=forms.RadioSelect,
    )


class GalleryFaceForm(forms.Form):
    meta = forms.CharField(
        label="Meta", max_length=META_MAX, validators=[validate_meta], required=False
    )


class ThresholdMixin(forms.Form):
    threshold = forms.ChoiceField(
        label="Threshold",
        choices=THRESHOLD_PRESETS,
        initial="medium",
        help_text="How sure a match must be; in brackets, about how many comparisons of two "
        "different people give one false match. Stricter finds fewer false matches and misses "
        "more true ones.",
    )


class GalleryLookupForm(PhotoMixin, ThresholdMixin):
    """Detect, or detect and identify within a gallery."""

    gallery = forms.ChoiceField(label="Identify in", required=False)
    n = forms.IntegerField(min_value=1, max_value=100, initial=3, label="Matches per face")

    def __init__(self, *args: Any, galleries: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "Every face (default)")]
        choices += [(g, g) for g in galleries if g != DEFAULT_GALLERY]
        self.fields["gallery"].choices = choices  # type: ignore[attr-defined]


class GalleryVerifyForm(ThresholdMixin):
    photo = forms.FileField(required=True, label="Photo A", help_text="Not stored.")
    photo2 = forms.FileField(required=True, label="Photo B", help_text="Not stored.")
    face1 = forms.CharField(required=False, widget=forms.HiddenInput)
    face2 = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name, key in (("photo", "picture"), ("photo2", "picture2")):
            if data.get(name):
                try:
                    data[key] = read_photo(data[name])
                except forms.ValidationError as exc:
                    self.add_error(name, exc)
        data["target1"] = parse_target(data.get("face1") or "")
        data["target2"] = parse_target(data.get("face2") or "")
        return data


class GalleryLookupEnrollForm(forms.Form):
    """Posted by the lookup result's "enroll to a gallery" button, with the lookup form's
    fields (so the browser re-sends the same photo)."""

    photo = forms.FileField(required=False)
    new_face = forms.CharField(required=False)  # "l,t,w,h"
    new_gallery = forms.CharField(required=False)
    new_meta = forms.CharField(required=False, max_length=META_MAX, validators=[validate_meta])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("photo"):
            raise forms.ValidationError(
                "Choose the photo again: the page does not keep it after reloading, and "
                "faceadmin did not store it."
            )
        data["picture"] = read_photo(data["photo"])
        data["target"] = parse_target(data.get("new_face") or "")
        if data["target"] is None:
            raise forms.ValidationError("This enroll button is damaged; run the lookup again.")
        data["gallery_name"] = data.get("new_gallery") or DEFAULT_GALLERY
        return data
