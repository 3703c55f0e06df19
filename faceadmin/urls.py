from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from faceadmin.dashboard.views.users import password_set

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # A one-time link from an admin (invite or password reset) to choose a password.
    path("set-password/<uidb64>/<token>/", password_set, name="password_set"),
    path("admin/", admin.site.urls),
    # The embedded engine speaks Azure Face v1.0 at the same paths as Azure.
    path("face/v1.0/", include("faceadmin.engine.urls")),
    path("findface/v1/", include("faceadmin.engine.findface.urls"), {"api_version": "v1"}),
    path("findface/v0/", include("faceadmin.engine.findface.urls"), {"api_version": "v0"}),
    path("", include("faceadmin.dashboard.urls")),
]
