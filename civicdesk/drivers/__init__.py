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
from civicdesk.drivers._source import DataRangeError, ticket_keys
from civicdesk.drivers.diagnostics import ModelWarning
from civicdesk.drivers.model import DriverModel, fit_drivers, fit_store
from civicdesk.drivers.repeats import PRIORITY_WEIGHTS, KeyProblems, extract_site, key_problems, repeat_caller_flags
from civicdesk.drivers.table import (DEFAULT_FORMULA, DRIVERS, NoCallbacksError, driver_features, lump_rare_levels,
                                     modelling_table, usable_formula)
from civicdesk.drivers.topics import DISTRICT, HotTopics, hot_topics
from civicdesk.drivers.whatif import Levers, WhatIf, close_within, lever_changes, reduce_flag, sign_within

__all__ = ["DEFAULT_FORMULA", "DISTRICT", "DRIVERS", "PRIORITY_WEIGHTS", "DataRangeError", "DriverModel", "HotTopics",
           "KeyProblems", "Levers", "ModelWarning", "NoCallbacksError", "WhatIf", "close_within", "driver_features",
           "extract_site", "fit_drivers", "fit_store", "hot_topics", "key_problems", "lever_changes",
           "lump_rare_levels", "modelling_table", "reduce_flag", "repeat_caller_flags", "sign_within", "ticket_keys",
           "usable_formula"]
