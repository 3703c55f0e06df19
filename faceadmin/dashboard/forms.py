from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from faceadmin.tenants.models import Provider, Role, Tenant


class SecretInput(forms.PasswordInput):
    """Never renders a key back into the page, even after a failed submit."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(render_value=False, attrs={"autocomplete": "off", "spellcheck": "false"})


class TenantSettingsForm(forms.ModelForm):
    class Meta:
        model = Tenant
        fields: tuple[str, ...] = ("name", "provider", "endpoint_url")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["endpoint_url"].help_text = (
            "Scheme and host of the API, e.g. https://westus.api.cognitive.microsoft.com or "
            "https://api.findface.pro. Leave empty for this server's embedded engine (Azure "
            "API) or, with FindFace, for its FindFace facade."
        )

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
    username = forms.CharField(max_length=150)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.VIEWER)

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"]
        if not get_user_model().objects.filter(username=username).exists():
            raise forms.ValidationError(
                "No user with that username. Create the user in /admin/ first."
            )
        return username


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
