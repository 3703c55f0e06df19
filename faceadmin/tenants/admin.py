from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from faceadmin.tenants.models import AuditEvent, Membership, Tenant


class TenantAdminForm(forms.ModelForm):
    """Keys are write-only here: typing a value replaces the key, leaving it blank keeps it."""

    new_primary_key = forms.CharField(
        required=False, widget=forms.PasswordInput(render_value=False), label="Replace primary key"
    )
    new_secondary_key = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        label="Replace secondary key",
    )

    class Meta:
        model = Tenant
        fields = ("name", "slug", "provider", "endpoint_url")

    def clean_endpoint_url(self) -> str:
        # Staff may move keys to another endpoint, but it must still be a permitted one.
        from faceadmin.clients.endpoints import EndpointRefused, endpoint_check

        url: str = self.cleaned_data.get("endpoint_url") or ""
        try:
            return endpoint_check(url) if url else ""
        except EndpointRefused as exc:
            raise forms.ValidationError(str(exc)) from None

    def save(self, commit: bool = True) -> Tenant:
        tenant: Tenant = super().save(commit=False)
        if self.cleaned_data.get("new_primary_key"):
            tenant.set_primary_key(self.cleaned_data["new_primary_key"])
        if self.cleaned_data.get("new_secondary_key"):
            tenant.set_secondary_key(self.cleaned_data["new_secondary_key"])
        if commit:
            tenant.save()
        return tenant


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    form = TenantAdminForm
    list_display = ("name", "slug", "provider", "endpoint_url", "primary_key_masked")
    prepopulated_fields = {"slug": ("name",)}
    inlines = (MembershipInline,)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is append-only everywhere, the admin included."""

    list_display = (
        "created_at",
        "tenant_slug",
        "username",
        "action",
        "target_kind",
        "target_id",
        "outcome",
    )
    list_filter = ("action", "outcome")
    search_fields = ("username", "action", "target_id", "tenant_slug")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
