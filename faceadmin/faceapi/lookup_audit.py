"""Moved to `faceadmin.faceapi.lookup.audit`; this name stays until its importer
(`dashboard.views.audit`) imports the package."""

from __future__ import annotations

from faceadmin.faceapi.lookup.audit import MAX_LOOKUP_REASON, audited_lookup, match_token

__all__ = ["MAX_LOOKUP_REASON", "audited_lookup", "match_token"]
