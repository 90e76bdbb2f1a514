"""Importers: CSV (UTF-8/GBK), Excel and Open311 JSON exports into the store, with mapping profiles,
validation and a quarantine; and `export_tickets`, civicdesk's own export format.

Entry points: `import_file`, `preview`, `export_tickets`, `load_profiles`, `batches`, `quarantined_rows`,
`quality_summary`; reference data and callbacks: `import_reference`, `preview_reference`, `template`,
`unknown_streets`, `save_category_edits`.
"""
from civicdesk.ingest.display import display_tickets, masked_sample
from civicdesk.ingest.export import export_tickets
from civicdesk.ingest.history import batches, quality_summary, quarantined_rows
from civicdesk.ingest.importer import ImportReport, Preview, import_file, preview, resolve_mapping
from civicdesk.ingest.profiles import FIELDS, Profile, ProfileError, load_profiles
from civicdesk.ingest.readers import NotATableError, open_table
from civicdesk.ingest.reference import (ReferencePreview, import_reference, preview_reference, save_category_edits,
                                        unknown_streets)
from civicdesk.ingest.refspec import KINDS as REFERENCE_KINDS, ReferenceFileError
from civicdesk.ingest.templates import template, template_name

__all__ = [
    "display_tickets", "masked_sample", "export_tickets", "batches", "quality_summary", "quarantined_rows", "ImportReport", "Preview",
    "import_file", "preview", "resolve_mapping", "FIELDS", "Profile", "ProfileError", "load_profiles",
    "NotATableError", "open_table",
    "ReferencePreview", "import_reference", "preview_reference", "save_category_edits", "unknown_streets",
    "REFERENCE_KINDS", "ReferenceFileError", "template", "template_name",
]
