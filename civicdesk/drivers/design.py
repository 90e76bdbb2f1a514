"""Formulas to design matrices (patsy), with readable errors for an analyst's mistakes."""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import patsy

#: Names a formula may use that are not columns (patsy built-ins and numpy).
_FORMULA_BUILTINS = {"C", "I", "Q", "np", "log", "log1p", "exp", "sqrt", "center", "standardize", "scale", "bs",
                     "cr", "cc", "te", "Treatment", "Sum", "Diff", "Poly", "Helmert", "levels", "Reference",
                     "reference", "abs"}
_NAME = re.compile(r"(?<![\w.])([A-Za-z_]\w*)")


@dataclass(frozen=True)
class Design:
    """A formula's outcome, design matrix and the columns each formula term owns."""

    outcome: str
    X: pd.DataFrame
    info: patsy.DesignInfo
    index: pd.Index  # rows of the input frame that were used

    @property
    def terms(self) -> dict[str, list[int]]:
        """Formula term -> design column positions (the intercept left out)."""
        out = {}
        for name, sl in self.info.term_name_slices.items():
            if name != "Intercept":
                out[name] = list(range(sl.start, sl.stop))
        return out

    def matrix(self, frame: pd.DataFrame) -> np.ndarray:
        """The design matrix of new rows (same columns and coding as the fit)."""
        try:
            (X,) = patsy.build_design_matrices([self.info], _patsy_data(frame), NA_action="raise",
                                               return_type="matrix")
        except patsy.PatsyError as exc:
            raise ValueError(f"the changed tickets cannot be put through the model's formula: {exc}") from None
        return np.asarray(X, dtype=float)


def _patsy_data(frame: pd.DataFrame) -> dict:
    """Columns for patsy, categoricals as bare `pd.Categorical` (patsy 1.0 only recognises those as
    categorical under pandas 3; a categorical Series would be coded value by value, 20× slower)."""
    return {c: frame[c].array if isinstance(frame[c].dtype, pd.CategoricalDtype) else frame[c].to_numpy()
            for c in frame.columns}


def _categorical(data, contrast=None, levels=None):
    """patsy's `C(...)` in our formulas: a bare pandas Categorical passes through as it is (patsy reads its
    codes at once; boxed by patsy's own `C` it is coded value by value, 5× slower); with a contrast or
    levels it is patsy's `C`. The design matrix and its column names are the same either way."""
    if contrast is None and levels is None and isinstance(data, pd.Categorical):
        return data
    return patsy.builtins.C(data, contrast, levels)


#: The namespace formulas are evaluated in (ahead of patsy's built-ins); designs remember it for new data.
_EVAL_ENV = patsy.EvalEnvironment([{"C": _categorical}])


def _strip_quoted(formula: str) -> str:
    return re.sub(r"'[^']*'|\"[^\"]*\"", "''", formula)


def formula_names(formula: str) -> set[str]:
    """The column names a formula refers to (identifiers other than patsy/numpy built-ins)."""
    return set(_NAME.findall(_strip_quoted(formula))) - _FORMULA_BUILTINS


def check_formula(formula: str, columns) -> str:
    """The formula's outcome name; raises ValueError naming any column the table lacks."""
    if "~" not in formula:
        raise ValueError(f"the formula {formula!r} has no '~': write it as 'outcome ~ driver + driver'")
    lhs = formula.split("~", 1)[0].strip()
    missing = sorted(n for n in formula_names(formula) if n not in set(columns))
    if missing:
        raise ValueError(f"the formula names column(s) {', '.join(missing)} that the modelling table does not "
                         f"have; its columns are: {', '.join(map(str, columns))}")
    return lhs


def build_design(formula: str, frame: pd.DataFrame, outcome: str | None = None) -> Design:
    """The design of ``formula`` on ``frame``: rows with a missing outcome or driver are dropped.

    Args:
        outcome: replaces the formula's left-hand side (the ordinal model reads the level column).
    """
    lhs = check_formula(formula, frame.columns)
    rhs = formula.split("~", 1)[1]
    outcome = outcome or lhs
    used = frame[frame[outcome].notna()]
    try:
        X = patsy.dmatrix(rhs, _patsy_data(used), NA_action="drop", return_type="dataframe", eval_env=_EVAL_ENV)
    except patsy.PatsyError as exc:
        raise ValueError(f"the formula {formula!r} cannot be evaluated on the table: {exc}") from None
    if X.empty:
        raise ValueError("no ticket has a reached callback and every driver of the formula; nothing to fit")
    index = used.index[X.index.to_numpy()]  # patsy numbers the rows it kept by position
    X.index = index
    return Design(outcome, X, X.design_info, index)


def is_binary(column: np.ndarray) -> bool:
    """Whether a design column holds only 0 and 1."""
    values = np.unique(column[: min(len(column), 200_000)])
    return len(values) <= 2 and set(values.tolist()) <= {0.0, 1.0}
