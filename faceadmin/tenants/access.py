"""Who may see and do what in a tenant. Every dashboard view under /t/<slug>/ goes through here."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponseBase
from django_htmx.middleware import HtmxDetails

from faceadmin.tenants.models import Membership, Role, Tenant


class TenantRequest(HttpRequest):
    """An HttpRequest that went through @tenant_view (for type checkers)."""

    tenant: Tenant
    membership: Membership
    htmx: HtmxDetails


# view name -> the least role it needs; tests walk this to prove every view is guarded.
VIEW_ROLES: dict[str, str] = {}

type TenantViewFunc = Callable[Concatenate[TenantRequest, ...], HttpResponseBase]


def tenants_for_user(user: Any) -> QuerySet[Tenant]:
    if not user.is_authenticated:
        return Tenant.objects.none()
    return Tenant.objects.filter(memberships__user=user).order_by("name")


def tenant_view(
    role: str = Role.VIEWER,
) -> Callable[[TenantViewFunc], Callable[..., HttpResponseBase]]:
    """Resolve /t/<slug>/ to the user's membership, or 404 (never reveal other tenants).

    A member whose role is below `role` gets 403. Viewers can read everything in their tenant;
    any view that changes something must ask for operator or admin.
    """

    def decorator(view: TenantViewFunc) -> Callable[..., HttpResponseBase]:
        VIEW_ROLES[view.__name__] = role

        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, slug: str, *args: Any, **kwargs: Any) -> HttpResponseBase:
            membership = (
                Membership.objects.select_related("tenant")
                .filter(user=request.user.pk or 0, tenant__slug=slug)
                .first()
            )
            if membership is None:
                raise Http404("No such tenant.")
            # Set before the role check, so the 403 page keeps the tenant's header and links.
            tenant_request: TenantRequest = request  # type: ignore[assignment]
            tenant_request.tenant = membership.tenant
            tenant_request.membership = membership
            if not membership.allows(role):
                raise PermissionDenied(f"This needs the {role} role in {membership.tenant}.")
            return view(tenant_request, *args, **kwargs)

        wrapper.required_role = role  # type: ignore[attr-defined]
        return wrapper

    return decorator


def can(membership: Membership | None, role: str) -> bool:
    return membership is not None and membership.allows(role)
