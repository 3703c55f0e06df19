"""Forms of the calibration page: the sample size, and the threshold an admin saves."""

from __future__ import annotations

from django import forms

from faceadmin.faceapi.calibration import MAX_SAMPLE


class CalibrationForm(forms.Form):
    sample = forms.IntegerField(
        min_value=2,
        max_value=MAX_SAMPLE,
        label="Sample size (pairs)",
        help_text="At most this many pairs are scored, one verify call each: genuine pairs "
        "first (up to half), then impostor pairs.",
    )


class ThresholdForm(forms.Form):
    threshold = forms.FloatField(
        required=False,
        min_value=0,
        max_value=1,
        label="Default identify threshold",
        help_text="0 to 1. Lookups use it when the operator leaves the threshold blank; "
        "blank here goes back to the provider's default.",
        widget=forms.NumberInput(attrs={"step": "0.001"}),
    )
    job = forms.UUIDField(widget=forms.HiddenInput)
