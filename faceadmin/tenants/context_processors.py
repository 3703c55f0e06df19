from typing import Any

from django.http import HttpRequest

from faceadmin.tenants.access import tenants_for_user


def tenants(request: HttpRequest) -> dict[str, Any]:
    """The header's tenant switcher, and the current tenant/role when a view resolved one."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "my_tenants": tenants_for_user(user),
        "tenant": getattr(request, "tenant", None),
        "membership": getattr(request, "membership", None),
    }
