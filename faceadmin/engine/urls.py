from django.urls import URLPattern

# Filled in by the engine's HTTP layer.
urlpatterns: list[URLPattern] = []
