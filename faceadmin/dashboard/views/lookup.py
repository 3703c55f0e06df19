"""Placeholder: routes are added with the views."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
