"""The HTTP clients: one end of the wire (the embedded engine is the other).

A plain package with no Django models and no knowledge of tenants: `transport` (the one place
that makes outbound HTTP, with `endpoints` refusing private addresses), `errors`, the Azure Face
v1.0 client (`azure`, typed by `types`), the FindFace client (`findface`, `findface_types`), and
the in-process transport to the embedded engine (`embedded`, `wsgi_adapter`). The tenant-aware
service layer (`faceadmin.faceapi`) builds these clients; nothing above it imports them.
"""
