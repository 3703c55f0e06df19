"""Users of a tenant, for its admins: invite with a one-time set-password link, reset a
password, deactivate or reactivate, set the role. Also the page where a link is used."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse_lazy
from django.views.decorators.http import require_POST

from faceadmin.tenants import services as tenant_services
from faceadmin.tenants.access import TenantRequest, tenant_view
from faceadmin.tenants.models import Membership, Role
from faceadmin.tenants.users import user_invite, user_reset_password, user_set_active


class InviteForm(forms.Form):
    username = forms.CharField(label="Username", max_length=150)
    email = forms.EmailField(
        label="Email", required=False, help_text="Optional; kept on the account."
    )
    role = forms.ChoiceField(label="Role", choices=Role.choices, initial=Role.VIEWER)

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"].strip()
        field = get_user_model()._meta.get_field("username")
        for validator in field.validators:
            validator(username)
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(
                "That username is taken. To give an existing account access, add it on the "
                "Members page."
            )
        return username


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


def _page(request: TenantRequest, form: InviteForm, *, link: str = "", who: str = "",
          status: int = 200) -> HttpResponse:  # fmt: skip
    members = (
        Membership.objects.filter(tenant=request.tenant)
        .select_related("user")
        .order_by("user__username")
    )
    context = {
        "form": form,
        "members": members,
        "roles": Role.choices,
        "link": request.build_absolute_uri(link) if link else "",
        "link_for": who,
    }
    return render(request, "dashboard/users.html", context, status=status)


@tenant_view(Role.ADMIN)
def users(request: TenantRequest) -> HttpResponse:
    form = InviteForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            return _page(request, form, status=400)
        membership, link = user_invite(
            tenant=request.tenant,
            actor=request.user,
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
        )
        who = membership.user.get_username()
        return _page(request, InviteForm(), link=link, who=who)
    return _page(request, form)


@tenant_view(Role.ADMIN)
@require_POST
def user_password(request: TenantRequest, membership_id: int) -> HttpResponse:
    membership = get_object_or_404(Membership, pk=membership_id, tenant=request.tenant)
    link = user_reset_password(tenant=request.tenant, actor=request.user, membership=membership)
    return _page(request, InviteForm(), link=link, who=membership.user.get_username())


@tenant_view(Role.ADMIN)
@require_POST
def user_active(request: TenantRequest, membership_id: int) -> HttpResponse:
    membership = get_object_or_404(Membership, pk=membership_id, tenant=request.tenant)
    active = request.POST.get("active") == "1"
    user_set_active(tenant=request.tenant, actor=request.user, membership=membership,
                    active=active)  # fmt: skip
    state = "reactivated" if active else "deactivated: it can no longer log in"
    messages.success(request, f"{membership.user.get_username()} was {state}.")
    return redirect("dashboard:users", request.tenant.slug)


@tenant_view(Role.ADMIN)
@require_POST
def user_role(request: TenantRequest, membership_id: int) -> HttpResponse:
    membership = get_object_or_404(Membership, pk=membership_id, tenant=request.tenant)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose admin, operator or viewer.")
    elif membership.pk == request.membership.pk and form.cleaned_data["role"] != Role.ADMIN:
        messages.error(request, "You cannot lower your own role; ask another admin.")
    else:
        role = form.cleaned_data["role"]
        tenant_services.member_set_role(
            tenant=request.tenant, user=request.user, membership=membership, role=role
        )
        messages.success(request, f"{membership.user} is now {form.cleaned_data['role']}.")
    return redirect("dashboard:users", request.tenant.slug)


password_set = auth_views.PasswordResetConfirmView.as_view(
    template_name="dashboard/password_set.html",
    success_url=reverse_lazy("login"),
    post_reset_login=False,
)

urlpatterns: list[URLPattern] = [
    path("t/<slug:slug>/users/", users, name="users"),
    path("t/<slug:slug>/users/<int:membership_id>/password/", user_password, name="user_password"),
    path("t/<slug:slug>/users/<int:membership_id>/active/", user_active, name="user_active"),
    path("t/<slug:slug>/users/<int:membership_id>/role/", user_role, name="user_role"),
]
