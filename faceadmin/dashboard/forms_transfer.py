"""Forms of the import, export and copy pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import RegexValidator

from faceadmin.faceapi.kinds import (
    DEFAULT_RECOGNITION_MODEL,
    KIND_LABELS,
    KIND_SLUGS,
    RECOGNITION_MODELS,
)
from faceadmin.faceapi.transfer.importing import DEFAULT_MATCH_THRESHOLD, POLICIES
from faceadmin.faceapi.types import CollectionKind
from faceadmin.tenants.models import Tenant


class ImportForm(forms.Form):
    source = forms.FileField(
        label="ZIP file",
        help_text="A folder per person (Person Name/photo.jpg), or a manifest.csv with the "
        "columns person_id_or_name,name,user_data,file.",
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )
    policy = forms.ChoiceField(
        label="Photos with several faces",
        choices=list(POLICIES.items()),
        initial="largest",
    )
    detect = forms.BooleanField(
        label="Detect faces in the check (one call per photo; finds photos without a face, "
        "with several faces, or already matching another person)",
        required=False,
        initial=True,
    )
    skip_small = forms.BooleanField(
        label="Skip faces too small to recognise well", required=False, initial=True
    )
    match_threshold = forms.FloatField(
        label="Match threshold (trained groups)",
        required=False,
        min_value=0.0,
        max_value=1.0,
        initial=DEFAULT_MATCH_THRESHOLD,
    )

    def clean_source(self) -> Any:
        upload = self.cleaned_data["source"]
        name = (upload.name or "").lower()
        if not name.endswith(".zip"):
            raise forms.ValidationError("Upload a .zip file.")
        return upload


_ID = RegexValidator(r"^[a-z0-9_-]{1,64}$", "Lower-case letters, digits, - and _ (at most 64).")


class CopyForm(forms.Form):
    target_tenant = forms.ModelChoiceField(queryset=Tenant.objects.none(), label="To tenant")
    target_kind = forms.ChoiceField(
        label="As",
        choices=[(KIND_SLUGS[k], KIND_LABELS[k]) for k in CollectionKind]
        + [("gallery", "FindFace gallery")],
    )
    target_id = forms.CharField(label="New id", validators=[_ID], max_length=64)
    recognition_model = forms.ChoiceField(
        label="Recognition model",
        choices=[(m, m) for m in RECOGNITION_MODELS],
        initial=DEFAULT_RECOGNITION_MODEL,
    )

    def __init__(self, *args: Any, tenants: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["target_tenant"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = tenants

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        tenant = data.get("target_tenant")
        kind = data.get("target_kind")
        if tenant is not None and kind:
            gallery = tenant.provider == "findface"
            if gallery != (kind == "gallery"):
                raise forms.ValidationError(
                    "A FindFace tenant keeps galleries; the other providers keep the four "
                    "collection kinds."
                )
        return data
