"""Forecast ticket volumes: models, a parallel `Forecaster` with rolling-origin backtests, `auto_forecast`,
metrics and hierarchical reconciliation. Input is long-format daily series `unique_id, ds, y`
(`civicdesk.store.daily_counts`); forecasts carry per model the mean and `-lo-80/-hi-80/-lo-95/-hi-95`.
"""
from civicdesk.forecast.auto import auto_forecast
from civicdesk.forecast.core import MIN_HISTORY, Forecaster, ForecastInputError, check_series
from civicdesk.forecast.features import calendar_regressors
from civicdesk.forecast.hierarchy import Hierarchy, aggregate, is_coherent, reconcile
from civicdesk.forecast.metrics import evaluate, summarise
from civicdesk.forecast.models import ETS, SARIMAX, CountRegression, SeasonalNaive, default_models

__all__ = ["auto_forecast", "MIN_HISTORY", "Forecaster", "ForecastInputError", "check_series", "calendar_regressors",
           "ETS", "SARIMAX", "CountRegression", "SeasonalNaive", "default_models", "Hierarchy", "aggregate",
           "is_coherent", "reconcile", "evaluate", "summarise"]
