"""FindFace Cloud API (v0 / v1) facade over the embedded engine's recognition core.

Its own app (label `findface_engine`): token accounts, galleries and faces live in their own
tables, so a FindFace tenant works offline beside the Azure-compatible engine.
"""
