"""Operators read plain words first, the provider's code and message beneath."""

import pytest

from faceadmin.clients import errors
from faceadmin.faceapi.services import ApiErrorView


@pytest.mark.parametrize(
    ("error", "title"),
    [
        (errors.PersonGroupExists("x", status=409), "A person group with that id already exists"),
        (errors.LargeFaceListNotFound("x", status=404), "That large face list does not exist"),
        (errors.PersonGroupNotTrained("x", status=400), "The person group has not been trained"),
        (errors.PersonGroupTrainingNotFinished("x", status=409), "The person group is still"),
        (errors.FaceListNotReady("x", status=400), "The face list is empty"),
        (errors.Unauthorized("x", status=401), "The provider refused the API key."),
        (errors.ProviderUnavailable("x"), "The provider did not answer."),
        (errors.FaceApiError("x", code="Weird", status=500), "internal error"),
    ],
)
def test_titles_are_plain_words(error: errors.FaceApiError, title: str) -> None:
    view = ApiErrorView.of(error)
    assert title in view.title
    assert view.code == error.code and view.message == "x"
