"""Dashboard routes. Every tenant page lives under /t/<slug>/; each views module lists its own."""

from django.urls import path

from faceadmin.dashboard.views import (
    audit,
    calibration,
    calibration_gallery,
    catalog,
    collections,
    galleries,
    jobs,
    lookup,
    privacy,
    snapshots,
    tenants,
    transfer,
    users,
)

app_name = "dashboard"

urlpatterns = [
    path("", tenants.home, name="home"),
    path("tenants/new/", tenants.tenant_create, name="tenant_create"),
    path("t/<slug:slug>/", tenants.tenant_home, name="tenant_home"),
    path("t/<slug:slug>/status/", tenants.tenant_status, name="tenant_status"),
    path("t/<slug:slug>/overview.csv", tenants.tenant_overview_csv, name="tenant_overview_csv"),
    path("t/<slug:slug>/keys/", tenants.tenant_keys, name="tenant_keys"),
    path("t/<slug:slug>/keys/replace/", tenants.tenant_key_replace, name="tenant_key_replace"),
    path("t/<slug:slug>/keys/swap/", tenants.tenant_key_swap, name="tenant_key_swap"),
    path("t/<slug:slug>/keys/test/", tenants.tenant_key_test, name="tenant_key_test"),
    path("t/<slug:slug>/members/", tenants.tenant_members, name="tenant_members"),
    path(
        "t/<slug:slug>/members/<int:membership_id>/role/",
        tenants.tenant_member_role,
        name="tenant_member_role",
    ),
    path(
        "t/<slug:slug>/members/<int:membership_id>/remove/",
        tenants.tenant_member_remove,
        name="tenant_member_remove",
    ),
    path("t/<slug:slug>/settings/", tenants.tenant_settings, name="tenant_settings"),
    *catalog.urlpatterns,
    *collections.urlpatterns,
    *galleries.urlpatterns,
    *lookup.urlpatterns,
    *audit.urlpatterns,
    *snapshots.urlpatterns,
    *jobs.urlpatterns,
    *privacy.urlpatterns,
    *transfer.urlpatterns,
    *users.urlpatterns,
    *calibration.urlpatterns,
    *calibration_gallery.urlpatterns,
]
