"""Satisfaction drivers, repeat complaints and hot topics.

Modules:
- `table`: the ticket-level modelling table built from the store.
- `model`: `fit_drivers` → `DriverModel` (logit / ordinal, effects, importance, diagnostics, what-if).
- `repeats`: repeat callers and places, the key-problem list (重点问题清单).
- `topics`: hot topics (热点) from the Chinese descriptions.
"""
