"""Forms of the collection, person, face and face-list audit pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import RegexValidator

from faceadmin.faceapi.common import USER_DATA_LIMITS, user_data_problem
from faceadmin.faceapi.duplicates import DEFAULT_THRESHOLD
from faceadmin.faceapi.kinds import (
    DEFAULT_RECOGNITION_MODEL,
    KIND_LABELS,
    KIND_SLUGS,
    RECOGNITION_MODELS,
)
from faceadmin.faceapi.models import FaceImage
from faceadmin.faceapi.types import FaceRectangle, PersistedFace

MAX_PHOTO_BYTES = 6 * 1024 * 1024
MIN_PHOTO_BYTES = 1024
MAX_PHOTOS_PER_UPLOAD = 20
PHOTO_TYPES = "image/jpeg,image/png,image/gif,image/bmp"


class UserDataField(forms.CharField):
    """userData: empty, or valid JSON of at most `limit` bytes."""

    def __init__(self, *, limit: int, **kwargs: Any) -> None:
        self.limit = limit
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", "User data")
        kwargs.setdefault(
            "help_text",
            f"Optional. Valid JSON, at most {limit // 1024} KB, e.g. "
            '{"employee": 1042}. The face API stores it as text and returns it as is.',
        )
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}))
        super().__init__(strip=True, **kwargs)

    def validate(self, value: Any) -> None:
        super().validate(value)
        problem = user_data_problem(value or "", limit=self.limit)
        if problem:
            raise forms.ValidationError(problem)


class CollectionCreateForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind",
        choices=[(KIND_SLUGS[k], label) for k, label in KIND_LABELS.items()],
        help_text="Person groups hold persons (up to 1,000,000 in a large one) for identify; "
        "face lists hold faces for find-similar (up to 1,000, or 1,000,000 in a large one).",
    )
    collection_id = forms.CharField(
        label="ID",
        max_length=64,
        validators=[
            RegexValidator(
                r"^[a-z0-9_-]{1,64}$",
                "Use 1 to 64 lower-case letters, digits, '-' and '_'.",
            )
        ],
        help_text="1 to 64 lower-case letters, digits, '-' and '_'. It cannot change later.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    name = forms.CharField(label="Name", max_length=128)
    recognition_model = forms.ChoiceField(
        label="Recognition model",
        choices=[(m, m) for m in RECOGNITION_MODELS],
        initial=DEFAULT_RECOGNITION_MODEL,
        help_text="recognition_04 is the most accurate and the one Azure recommends for new "
        "collections. The model is fixed at creation, and faces are only ever compared with "
        "faces of the same model, so pick what your identify/find-similar calls will use.",
    )
    user_data = UserDataField(limit=USER_DATA_LIMITS["collection"])


class CollectionEditForm(forms.Form):
    name = forms.CharField(label="Name", max_length=128)
    user_data = UserDataField(limit=USER_DATA_LIMITS["collection"])


class PersonForm(forms.Form):
    name = forms.CharField(label="Name", max_length=128)
    user_data = UserDataField(limit=USER_DATA_LIMITS["person"])


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos at once; each 1 KB to 6 MB (the face API's limits)."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if not files:
            raise forms.ValidationError("Choose at least one photo.")
        if len(files) > MAX_PHOTOS_PER_UPLOAD:
            raise forms.ValidationError(
                f"At most {MAX_PHOTOS_PER_UPLOAD} photos at once ({len(files)} chosen)."
            )
        return [super(PhotosField, self).clean(f, initial) for f in files]


class FaceUploadForm(forms.Form):
    photos = PhotosField(
        label="Photos",
        help_text="JPEG, PNG, GIF or BMP, 1 KB to 6 MB each; several at once. A photo with "
        "several faces is shown boxed so you can pick the face(s) to enroll.",
        widget=MultipleFileInput(attrs={"accept": PHOTO_TYPES}),
    )
    user_data = UserDataField(
        limit=USER_DATA_LIMITS["face"],
        help_text="Optional, for every face of this upload: valid JSON, at most 1 KB.",
        widget=forms.TextInput(attrs={"spellcheck": "false"}),
    )

    def clean_photos(self) -> list[UploadedFile]:
        photos: list[UploadedFile] = self.cleaned_data["photos"]
        for photo in photos:
            size = photo.size or 0
            if size > MAX_PHOTO_BYTES or size < MIN_PHOTO_BYTES:
                raise forms.ValidationError(f"{photo.name} is {size_text(size)}; {SIZE_RULE}.")
        return photos


SIZE_RULE = "photos must be 1 KB to 6 MB"


def size_text(size: int) -> str:
    """A file size in the unit of the limit it is compared with (KB below 1 MB, else MB)."""
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


class FacePickForm(forms.Form):
    """Which faces of a pending photo to enroll: "left,top,width,height" values."""

    token = forms.UUIDField(widget=forms.HiddenInput)
    faces = forms.MultipleChoiceField(
        label="Faces to enroll", widget=forms.CheckboxSelectMultiple, choices=[]
    )

    def __init__(self, *args: Any, rectangles: list[FaceRectangle] | None = None, **kw: Any):
        super().__init__(*args, **kw)
        field = self.fields["faces"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(r.as_target(), r.as_target()) for r in rectangles or []]

    def chosen(self) -> list[FaceRectangle]:
        return [FaceRectangle(*map(int, value.split(","))) for value in self.cleaned_data["faces"]]


class PersonFilterForm(forms.Form):
    q = forms.CharField(label="Filter this page by name", required=False, max_length=128)
    top = forms.TypedChoiceField(
        label="Per page",
        choices=[(n, n) for n in (10, 25, 50, 100, 200)],
        coerce=int,
        required=False,
        empty_value=None,
    )


class FaceListFilterForm(forms.Form):
    has_image = forms.ChoiceField(
        label="Stored image",
        required=False,
        choices=[("", "Any"), ("yes", "Stored"), ("no", "No image stored")],
    )
    enrolled_by = forms.CharField(label="Enrolled by", required=False, max_length=150)
    text = forms.CharField(label="Text in user data", required=False, max_length=200)

    def matches(self, face: PersistedFace, image: FaceImage | None) -> bool:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        has_image, by, text = data.get("has_image"), data.get("enrolled_by"), data.get("text")
        if (has_image == "yes" and image is None) or (has_image == "no" and image is not None):
            return False
        if by and (image is None or by.lower() not in image.uploaded_by_username.lower()):
            return False
        return not (text and text.lower() not in (face.user_data or "").lower())

    @property
    def active(self) -> bool:
        return self.is_bound and self.is_valid() and any(self.cleaned_data.values())


class DuplicatesForm(forms.Form):
    threshold = forms.FloatField(
        label="Confidence threshold",
        min_value=0.5,
        max_value=1.0,
        initial=DEFAULT_THRESHOLD,
        help_text="Pairs at or above this find-similar confidence are listed. 0.5 is the face "
        "API's 'same person'; 0.9 and above are usually the same photo.",
        widget=forms.NumberInput(attrs={"step": "0.05"}),
    )


class CatalogSearchForm(forms.Form):
    q = forms.CharField(
        label="Name, userData or person ID",
        required=False,
        max_length=128,
        help_text="Searches the whole group (its local catalog), any case.",
    )
    sort = forms.ChoiceField(
        label="Sort by",
        required=False,
        choices=[
            ("name", "Name A to Z"),
            ("-name", "Name Z to A"),
            ("-faces", "Most faces"),
            ("faces", "Fewest faces"),
        ],
    )
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
