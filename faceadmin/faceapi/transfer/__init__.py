"""Bulk transfer of collections: import a ZIP or folder of photos, export a collection to a
ZIP that import reads back, and copy a collection to another tenant, provider or model.

Each is a background job (`job_kinds`), built on the same services as the hand-made pages
(`faceapi.collections`, `faceapi.galleries`, `faceapi.imagestore`): enrolled faces get the
same thumbnails, provenance and audit events as faces enrolled one by one.
"""
