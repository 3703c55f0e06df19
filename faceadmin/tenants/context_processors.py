from typing import Any

from django.http import HttpRequest


def tenants(request: HttpRequest) -> dict[str, Any]:
    return {}
