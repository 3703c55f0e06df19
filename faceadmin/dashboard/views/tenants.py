"""Tenant pages: overview, provider status, keys, members, settings."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from faceadmin.dashboard.forms import (
    KeyReplaceForm,
    MemberAddForm,
    MemberRoleForm,
    TenantCreateForm,
    TenantSettingsForm,
)
from faceadmin.dashboard.forms_privacy import RetentionForm
from faceadmin.faceapi.services import tenant_check_connection
from faceadmin.tenants import services as tenant_services
from faceadmin.tenants.access import TenantRequest, tenant_view, tenants_for_user
from faceadmin.tenants.models import AuditEvent, Membership, Role


@login_required
def home(request: HttpRequest) -> HttpResponse:
    tenants = list(tenants_for_user(request.user))
    last = request.session.get("last_tenant")
    for tenant in tenants:
        if tenant.slug == last:
            return redirect("dashboard:tenant_home", tenant.slug)
    if tenants:
        return redirect("dashboard:tenant_home", tenants[0].slug)
    return render(request, "dashboard/no_tenants.html")


@tenant_view()
def tenant_home(request: TenantRequest) -> HttpResponse:
    request.session["last_tenant"] = request.tenant.slug
    events = AuditEvent.objects.filter(tenant=request.tenant).select_related(None)[:10]
    return render(request, "dashboard/tenant_home.html", {"events": events})


@tenant_view()
def tenant_status(request: TenantRequest) -> HttpResponse:
    """Whether the provider answers; loaded by htmx so the overview renders at once."""
    check = tenant_check_connection(tenant=request.tenant)
    return render(request, "dashboard/tenant_home.html#provider-status", {"check": check})


@tenant_view(Role.ADMIN)
def tenant_keys(request: TenantRequest) -> HttpResponse:
    return render(request, "dashboard/tenant_keys.html", {"form": KeyReplaceForm()})


@tenant_view(Role.ADMIN)
@require_POST
def tenant_key_replace(request: TenantRequest) -> HttpResponse:
    form = KeyReplaceForm(request.POST)
    if not form.is_valid():
        return render(request, "dashboard/tenant_keys.html", {"form": form}, status=400)
    tenant_services.key_replace(
        tenant=request.tenant,
        user=request.user,
        which=form.cleaned_data["which"],
        key=form.cleaned_data["key"],
    )
    messages.success(request, f"The {form.cleaned_data['which']} key was replaced.")
    return redirect("dashboard:tenant_keys", request.tenant.slug)


@tenant_view(Role.ADMIN)
@require_POST
def tenant_key_swap(request: TenantRequest) -> HttpResponse:
    tenant_services.key_swap(tenant=request.tenant, user=request.user)
    messages.success(request, "Primary and secondary keys were swapped.")
    return redirect("dashboard:tenant_keys", request.tenant.slug)


@tenant_view(Role.ADMIN)
@require_POST
def tenant_key_test(request: TenantRequest) -> HttpResponse:
    check = tenant_check_connection(tenant=request.tenant, user=request.user, audit=True)
    if request.htmx:
        return render(request, "dashboard/tenant_keys.html#test-result", {"check": check})
    return render(request, "dashboard/tenant_keys.html", {"form": KeyReplaceForm(), "check": check})


@tenant_view(Role.ADMIN)
def tenant_members(request: TenantRequest) -> HttpResponse:
    form = MemberAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            tenant_services.member_add(
                tenant=request.tenant,
                user=request.user,
                username=form.cleaned_data["username"],
                role=form.cleaned_data["role"],
            )
        except tenant_services.MemberError as exc:
            form.add_error("username", str(exc))
        else:
            messages.success(request, f"{form.cleaned_data['username']} was added.")
            return redirect("dashboard:tenant_members", request.tenant.slug)
    members = Membership.objects.filter(tenant=request.tenant).select_related("user")
    return render(
        request,
        "dashboard/tenant_members.html",
        {"form": form, "members": members, "roles": Role.choices},
        status=400 if form.errors else 200,
    )


@tenant_view(Role.ADMIN)
@require_POST
def tenant_member_role(request: TenantRequest, membership_id: int) -> HttpResponse:
    membership = get_object_or_404(Membership, pk=membership_id, tenant=request.tenant)
    form = MemberRoleForm(request.POST)
    if form.is_valid():
        if membership.pk == request.membership.pk and form.cleaned_data["role"] != Role.ADMIN:
            messages.error(request, "You cannot lower your own role; ask another admin.")
        else:
            try:
                tenant_services.member_set_role(
                    tenant=request.tenant,
                    user=request.user,
                    membership=membership,
                    role=form.cleaned_data["role"],
                )
            except tenant_services.MemberError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, f"{membership.user} is now {form.cleaned_data['role']}.")
    return redirect("dashboard:tenant_members", request.tenant.slug)


@tenant_view(Role.ADMIN)
@require_POST
def tenant_member_remove(request: TenantRequest, membership_id: int) -> HttpResponse:
    membership = get_object_or_404(Membership, pk=membership_id, tenant=request.tenant)
    if membership.pk == request.membership.pk:
        messages.error(request, "You cannot remove yourself; ask another admin.")
    else:
        try:
            tenant_services.member_remove(
                tenant=request.tenant, user=request.user, membership=membership
            )
        except tenant_services.MemberError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"{membership.user} was removed from {request.tenant}.")
    return redirect("dashboard:tenant_members", request.tenant.slug)


@tenant_view(Role.ADMIN)
def tenant_settings(request: TenantRequest) -> HttpResponse:
    form = TenantSettingsForm(request.POST or None, instance=request.tenant)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            tenant_services.tenant_update(
                tenant=request.tenant,
                user=request.user,
                name=data["name"],
                provider=data["provider"],
                endpoint_url=data["endpoint_url"],
                primary_key=data["primary_key"],
                secondary_key=data["secondary_key"],
                rate_limit_per_second=(
                    None
                    if data.get("rate_limit_per_second") is None
                    else max(0.0, data["rate_limit_per_second"])
                ),
            )
        except tenant_services.KeysRequired as exc:
            form.add_error("primary_key", str(exc))
        else:
            messages.success(request, "Settings saved.")
            return redirect("dashboard:tenant_settings", request.tenant.slug)
    return render(
        request,
        "dashboard/tenant_settings.html",
        {
            "form": form,
            "retention_form": RetentionForm(instance=request.tenant),
            "retention_next": "settings",
        },
        status=400 if form.errors else 200,
    )


@login_required
def tenant_create(request: HttpRequest) -> HttpResponseBase:
    if not request.user.is_superuser:
        # Logged in but not allowed: a 403 page, not the login form again.
        raise PermissionDenied("Only staff administrators create tenants.")
    form = TenantCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        primary_key = data["primary_key"]
        minted = not primary_key and form.served_here()
        if minted:
            primary_key = tenant_services.tenant_key_mint(
                provider=data["provider"], slug=data["slug"]
            )
        tenant = tenant_services.tenant_create(
            name=data["name"],
            slug=data["slug"],
            provider=data["provider"],
            endpoint_url=data["endpoint_url"],
            primary_key=primary_key,
            secondary_key=data["secondary_key"],
            admin=request.user,
        )
        note = " A key was minted for it on this server." if minted else ""
        messages.success(request, f"Tenant {tenant.name} was created; you are its admin.{note}")
        return redirect("dashboard:tenant_home", tenant.slug)
    return render(
        request, "dashboard/tenant_create.html", {"form": form}, status=400 if form.errors else 200
    )
