"""Forms of the privacy pages: the erasure search photo, the ticked matches, retention."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms

from faceadmin.dashboard.forms_lookup import read_photo
from faceadmin.faceapi.lookup import Photo
from faceadmin.tenants.models import Tenant


class EraseSearchForm(forms.Form):
    photo = forms.FileField(
        label="Photo of the person",
        help_text="JPEG, PNG, GIF or BMP, at most 6 MB. It is searched in memory and never "
        "stored; the largest face on it is the person searched for.",
    )

    def clean_photo(self) -> Photo:
        return read_photo(self.cleaned_data["photo"])


class EraseStartForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)
    match = forms.MultipleChoiceField(
        required=True,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Tick at least one match to erase."},
    )

    def __init__(self, *args: Any, keys: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        posted = self.data.getlist("match") if hasattr(self.data, "getlist") else []
        field = self.fields["match"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(k, k) for k in (keys or posted)]


class RetentionForm(forms.ModelForm):
    class Meta:
        model = Tenant
        fields: ClassVar = [
            "retention_original_days",
            "retention_keep_thumbnails",
            "retention_pending_hours",
        ]

    def clean_retention_pending_hours(self) -> int:
        hours: int = self.cleaned_data["retention_pending_hours"]
        if hours < 1:
            raise forms.ValidationError("Keep pending photos at least one hour.")
        return hours
