"""Import previews as people read them: callers masked, codes as labels, columns in a sensible order."""
from __future__ import annotations

import pandas as pd

from civicdesk import codes
from civicdesk.i18n import category_label, field_label
from civicdesk.ingest.callers import mask_phones
from civicdesk.ingest.normalize import CODE_TABLES, META_COLUMNS
from civicdesk.ingest.profiles import FIELDS

_HIDDEN = {"batch_id", "caller_key", *META_COLUMNS}


def _mask_name(value):
    return value if value is None or len(value) == 0 else value[0] + "*" * max(len(value) - 1, 1)


def masked_sample(preview) -> pd.DataFrame:
    """The preview's raw rows with caller phone numbers and names masked (138****5678, 张*)."""
    sample = preview.sample.drop(columns=[c for c in META_COLUMNS if c in preview.sample])
    for header in sample.columns:
        if header == preview.mapping.get("caller_name"):
            sample[header] = sample[header].map(_mask_name)
        else:
            sample[header] = mask_phones(sample[header])
    return sample


def display_tickets(frame: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """Normalised tickets for display: known fields first, codes as labels, headers translated."""
    columns = [f for f in FIELDS if f in frame and f not in _HIDDEN]
    columns += [c for c in frame.columns if c not in columns and c not in _HIDDEN]
    out = frame[columns].copy()
    for name, table in CODE_TABLES.items():
        if name in out:
            out[name] = out[name].map(lambda v, tb=table: None if v is None or pd.isna(v) else codes.label(tb, v, lang))
    if "category" in out:
        out["category"] = out["category"].map(lambda v: None if v is None or pd.isna(v) else category_label(v, lang))
    return out.rename(columns=lambda c: field_label(c, lang))
