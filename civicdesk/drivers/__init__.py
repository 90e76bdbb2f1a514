"""Satisfaction drivers, repeat complaints and hot topics.

Modules:
- `table`: the ticket-level modelling table built from the store.
- `model`: `fit_drivers` → `DriverModel` (logit / ordinal, effects, importance, diagnostics, what-if);
  `design`, `link`, `effects`, `importance`, `diagnostics` are its parts.
- `whatif`: `WhatIf` and builders of changed tickets for the questions leaders ask.
- `_source`: reading tickets for `repeats` and `topics`; `DataRangeError` (a refusal with an i18n key).
- `repeats`: repeat callers and places, the key-problem list (重点问题清单).
- `topics`: hot topics (热点) from the Chinese descriptions.
"""
from __future__ import annotations

from civicdesk.lazy import lazy_names

#: Where each name lives; a name is imported from its module when first used (`from civicdesk.drivers import
#: hot_topics` works as before), so the hot topics and the key-problem list load without the driver model
#: (statsmodels' ordinal model, patsy) and the briefing's main process never imports it.
_WHERE = {
    "civicdesk.drivers._source": ("DataRangeError", "ticket_keys"),
    "civicdesk.drivers.diagnostics": ("ModelWarning",),
    "civicdesk.drivers.model": ("DriverModel", "fit_drivers", "fit_store"),
    "civicdesk.drivers.repeats": ("PRIORITY_WEIGHTS", "KeyProblems", "extract_site", "key_problems",
                                  "repeat_caller_flags"),
    "civicdesk.drivers.table": ("DEFAULT_FORMULA", "DRIVERS", "NoCallbacksError", "driver_features",
                                "lump_rare_levels", "modelling_table", "usable_formula"),
    "civicdesk.drivers.topics": ("DISTRICT", "HotTopics", "hot_topics"),
    "civicdesk.drivers.whatif": ("Levers", "WhatIf", "close_within", "lever_changes", "reduce_flag", "sign_within"),
}
__getattr__, __dir__, __all__ = lazy_names(__name__, _WHERE, globals())
