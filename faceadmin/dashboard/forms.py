from typing import Any, ClassVar

from django import forms

from faceadmin.faceapi.connection import EndpointRefused, endpoint_check
from faceadmin.tenants.models import RATE_LIMIT_PRESETS, Provider, Role, Tenant


class SecretInput(forms.PasswordInput):
    """Never renders a key back into the page, even after a failed submit."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(render_value=False, attrs={"autocomplete": "off", "spellcheck": "false"})


class TenantSettingsForm(forms.ModelForm):
    primary_key = forms.CharField(
        required=False,
        widget=SecretInput(),
        max_length=512,
        help_text="Needed when you change the endpoint: keys are only sent to the endpoint "
        "they were entered for. Leave empty otherwise.",
    )
    secondary_key = forms.CharField(required=False, widget=SecretInput(), max_length=512)

    class Meta:
        model = Tenant
        fields: tuple[str, ...] = ("name", "provider", "endpoint_url", "rate_limit_per_second")
        labels: ClassVar = {"rate_limit_per_second": "Calls per second (bulk jobs)"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "rate_limit_per_second" in self.fields:
            field = self.fields["rate_limit_per_second"]
            field.required = False  # left out: the stored limit stays
            field.help_text = "Imports and copies keep to it, across all workers. " + "; ".join(
                f"{label}: {value:g}" for value, label in RATE_LIMIT_PRESETS
            )
            field.widget.attrs.update({"min": "0", "step": "0.01"})
        self.fields["endpoint_url"].help_text = (
            "https:// and the host of the API, e.g. https://westus.api.cognitive.microsoft.com "
            "or https://api.findface.pro. Leave empty for this server's embedded engine (Azure "
            "API) or, with FindFace, for its FindFace facade."
        )

    def clean_endpoint_url(self) -> str:
        url: str = self.cleaned_data.get("endpoint_url") or ""
        if not url:
            return ""
        if self.instance.pk and url.strip().rstrip("/") == (
            self.instance.endpoint_url or ""
        ).rstrip("/"):
            # Unchanged: renaming a tenant must not depend on DNS answering right now; every
            # connection checks the endpoint again anyway.
            return self.instance.endpoint_url
        try:
            return endpoint_check(url)
        except EndpointRefused as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        served_here = (Provider.EMBEDDED, Provider.FINDFACE)
        if data.get("provider") not in served_here and not data.get("endpoint_url"):
            self.add_error("endpoint_url", "Cloud providers need the endpoint URL.")
        return data


class TenantCreateForm(TenantSettingsForm):
    primary_key = forms.CharField(
        required=False,
        widget=SecretInput(),
        max_length=512,
        help_text="Leave empty for this server's embedded engine or FindFace facade: a key is "
        "minted for the tenant. A cloud tenant needs the key its provider issued.",
    )
    secondary_key = forms.CharField(required=False, widget=SecretInput(), max_length=512)

    class Meta:
        model = Tenant
        fields: tuple[str, ...] = ("name", "slug", "provider", "endpoint_url")

    def served_here(self) -> bool:
        data = self.cleaned_data
        served = data.get("provider") in (Provider.EMBEDDED, Provider.FINDFACE)
        return served and not data.get("endpoint_url")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        cloud_findface = data.get("provider") == Provider.FINDFACE and data.get("endpoint_url")
        if cloud_findface and not data.get("primary_key"):
            self.add_error(
                "primary_key",
                "FindFace Cloud needs your account's API token: sign in to your FindFace "
                "Cloud account, copy the token from its API settings and paste it here.",
            )
        return data


class KeyReplaceForm(forms.Form):
    which = forms.ChoiceField(choices=[("primary", "Primary"), ("secondary", "Secondary")])
    key = forms.CharField(widget=SecretInput(), max_length=512, strip=True, label="New key")


class MemberAddForm(forms.Form):
    # Whether the user exists is decided by the service, with one message for every user
    # who cannot be added (see tenants.services.member_add).
    username = forms.CharField(max_length=150)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.VIEWER)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
