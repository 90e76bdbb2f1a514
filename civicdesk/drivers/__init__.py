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

import importlib

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
_MODULE = {name: module for module, names in _WHERE.items() for name in names}


def __getattr__(name: str):
    module = _MODULE.get(name)
    if module is None:
        raise AttributeError(f"module 'civicdesk.drivers' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = ["DEFAULT_FORMULA", "DISTRICT", "DRIVERS", "PRIORITY_WEIGHTS", "DataRangeError", "DriverModel", "HotTopics",
           "KeyProblems", "Levers", "ModelWarning", "NoCallbacksError", "WhatIf", "close_within", "driver_features",
           "extract_site", "fit_drivers", "fit_store", "hot_topics", "key_problems", "lever_changes",
           "lump_rare_levels", "modelling_table", "reduce_flag", "repeat_caller_flags", "sign_within", "ticket_keys",
           "usable_formula"]
