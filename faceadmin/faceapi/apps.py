from django.apps import AppConfig


class FaceApiConfig(AppConfig):
    name = "faceadmin.faceapi"
    label = "faceapi"
