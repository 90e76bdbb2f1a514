"""Driver models recover the demo generator's planted satisfaction model, and say clearly what they cannot do."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from civicdesk import store
from civicdesk.drivers import fit_drivers, modelling_table
from civicdesk.drivers.whatif import close_within, reduce_flag, sign_within
from civicdesk.synth.callers import PLANTED_FORMULA, planted_coefficients, planted_probability


@pytest.fixture(scope="module")
def table(demo_store_url):
    engine = store.connect(demo_store_url)
    try:
        return modelling_table(engine, reached_only=True)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def planted_fit(table):
    return fit_drivers(table, PLANTED_FORMULA)


def test_table_matches_the_stored_tickets(demo_store_url, small_district):
    engine = store.connect(demo_store_url)
    full = modelling_table(engine)
    engine.dispose()
    t = small_district.tickets
    assert len(full) == len(t)
    reached = t["callback_result"].isin(["satisfied", "basically_satisfied", "unsatisfied"])
    assert full["satisfied"].notna().sum() == reached.sum()
    assert full.loc[full["callback_result"] == "not_reached", "satisfied"].isna().all()
    assert full["satisfaction_level"].cat.categories.tolist() == ["unsatisfied", "basically_satisfied", "satisfied"]
    merged = full.merge(t[["ticket_id", "returned_count", "signed_at", "created_at"]], on="ticket_id",
                        suffixes=("", "_t"))
    assert (merged["returned"] == (merged["returned_count"] > 0)).all()
    hours = (merged["signed_at"] - merged["created_at_t"]).dt.total_seconds() / 3600
    assert np.allclose(merged["hours_to_sign"], hours, equal_nan=True)


def test_planted_coefficients_are_recovered(planted_fit):
    coefs = planted_fit.coefficients.set_index("term")
    truth = planted_coefficients()
    common = truth.index.intersection(coefs.index)
    assert len(common) >= 18, "the fixture lacks too many categories/channels to test recovery"
    inside = (coefs.loc[common, "ci_low"] <= truth[common]) & (truth[common] <= coefs.loc[common, "ci_high"])
    assert inside.mean() >= 0.90, coefs.loc[common].assign(truth=truth[common])[~inside]
    assert np.allclose(np.exp(coefs["estimate"]), coefs["odds_ratio"])


def test_what_if_matches_the_true_counterfactual(table, planted_fit):
    changed = close_within(table, working_days=3)
    assert len(changed) > 0
    answer = planted_fit.what_if(changed)
    counterfactual = table.copy()
    counterfactual.loc[changed.index, changed.columns] = changed
    truth = planted_probability(counterfactual).mean()
    assert abs(answer.rate - truth) < 0.01
    assert answer.ci_low < answer.rate < answer.ci_high
    assert answer.change > 0 and answer.change_ci_low > 0
    assert answer.baseline_rate == pytest.approx(table["satisfied"].mean(), abs=1e-6)  # logit: fitted mean = observed


def test_no_change_changes_nothing(table, planted_fit):
    answer = planted_fit.what_if(table.head(0))
    assert answer.change == pytest.approx(0.0, abs=1e-12)
    assert answer.n_changed == 0


@pytest.mark.parametrize("build, sign", [
    (lambda t: sign_within(t, hours=2), 1),
    (lambda t: reduce_flag(t, "repeat_caller", 0.5, seed=1), 1),
    (lambda t: t[t["repeat_caller"] == 0].assign(repeat_caller=1.0).head(500), -1),
])
def test_what_if_moves_the_right_way(table, planted_fit, build, sign):
    answer = planted_fit.what_if(build(table))
    assert np.sign(answer.change) == sign


def test_marginal_effects_and_importance(planted_fit):
    effects = planted_fit.marginal_effects.set_index("column")
    repeat = effects.loc["repeat_caller"]
    assert repeat["kind"] == "discrete" and repeat["ci_high"] < -0.05  # repeat callers: many points less
    assert effects.loc["days_to_sign", "kind"] == "slope"
    imp = planted_fit.importance
    assert imp["share"].sum() == pytest.approx(1.0)
    assert imp.iloc[0]["term"] == "repeat_caller"  # the largest planted effect on a common driver


def test_diagnostics(planted_fit):
    d = planted_fit.diagnostics
    assert 0.7 < d.auc < 0.95
    calib = d.calibration
    assert len(calib) == 10 and (calib["observed"] - calib["mean_predicted"]).abs().max() < 0.05
    # the half-year fixture has 2 callbacks of 重点巡查事项, both satisfied: the model must say so, and nothing else
    assert d.warnings and all("重点巡查事项" in w or "did not converge" in w for w in d.warnings)
    assert d.vif["vif"].max() < 10


def test_ordinal_and_cluster_robust(table):
    sample = table.sample(6000, random_state=0)
    ordinal = fit_drivers(sample, "satisfied ~ repeat_caller + days_to_sign + closed_on_time", kind="ordinal",
                          importance=False)
    terms = ordinal.coefficients["term"].tolist()
    assert terms[-2:] == ["cut: unsatisfied|basically_satisfied", "cut: basically_satisfied|satisfied"]
    # the generator splits 满意/基本满意 independently of the drivers, so proportional odds attenuates the effect
    assert ordinal.coefficients.set_index("term").loc["repeat_caller", "estimate"] < -0.5
    plain = fit_drivers(sample, "satisfied ~ repeat_caller + days_to_sign", importance=False)
    robust = fit_drivers(sample, "satisfied ~ repeat_caller + days_to_sign", cluster="street", importance=False)
    assert np.allclose(plain.params, robust.params)
    assert not np.allclose(plain.coefficients["std_error"], robust.coefficients["std_error"])


@pytest.mark.parametrize("formula, kwargs, message", [
    ("satisfied ~ repeat_caller + wait_minutes", {}, "wait_minutes"),
    ("satisfied repeat_caller", {}, "no '~'"),
    ("satisfied ~ repeat_caller", {"kind": "probit"}, "kind must be"),
    ("satisfied ~ repeat_caller", {"cluster": "district"}, "cannot cluster"),
])
def test_bad_formulas_and_arguments(table, formula, kwargs, message):
    with pytest.raises(ValueError, match=message):
        fit_drivers(table.head(2000), formula, **kwargs)


def test_one_class_outcome_and_no_callbacks(table):
    happy = table[table["satisfied"] == 1].head(500)
    with pytest.raises(ValueError, match="all 500 reached callbacks are satisfied"):
        fit_drivers(happy, "satisfied ~ repeat_caller")
    none = table.head(300).assign(satisfied=np.nan)
    with pytest.raises(ValueError, match="no ticket has a reached callback"):
        fit_drivers(none, "satisfied ~ repeat_caller")


def test_too_few_events_warn_and_perfect_separation_is_an_error(table):
    small = table.head(400).copy()
    model = fit_drivers(small, "satisfied ~ days_to_sign + repeat_caller + returned + reopened + closed_on_time",
                        importance=False)
    assert any("per parameter" in w for w in model.warnings)
    small["perfect"] = small["satisfied"]
    separated = fit_drivers(small, "satisfied ~ perfect + days_to_sign", importance=False)
    assert any("term perfect (quasi-)separates" in w for w in separated.warnings)
    assert not any("term Intercept" in w for w in separated.warnings)
    # each warning also carries its i18n key and parameters, for the views
    few = [n for n in model.notes if n.key == "pt_w_few"]
    assert len(few) == 1 and few[0].params["p"] == len(model.params)
    assert [n.params["term"] for n in separated.notes if n.key == "pt_w_separates"] == ["perfect"]
    assert [n.text for n in separated.notes] == list(separated.warnings)
    with pytest.raises(ValueError, match=r"perfectly separate .* drop them, merge rare levels"):
        fit_drivers(small, "satisfied ~ days_to_sign + C(category) + C(channel)", importance=False)


def test_what_if_needs_known_tickets(table, planted_fit):
    with pytest.raises(ValueError, match="ticket_id"):
        planted_fit.what_if(table.drop(columns="ticket_id").head(3))
    stranger = table.head(1).assign(ticket_id="NOT-A-TICKET")
    with pytest.raises(ValueError, match="not among the model's callbacks"):
        planted_fit.what_if(stranger)


def test_table_on_both_backends(store_url):
    from tests.conftest import make_tickets

    rows = [{"created_at": "2023-03-01 09:00", "signed_at": "2023-03-01 10:00", "closed_at": "2023-03-02 09:00",
             "deadline_at": "2023-03-08 00:00", "caller_key": "k1", "callback_result": "satisfied"},
            {"created_at": "2023-03-10 09:00", "signed_at": "2023-03-11 09:00", "closed_at": "2023-03-20 09:00",
             "deadline_at": "2023-03-17 00:00", "caller_key": "k1", "callback_result": "unsatisfied",
             "returned_count": 2},
            {"created_at": "2023-03-12 09:00", "caller_key": None, "callback_result": "not_reached"}]
    engine = store.connect(store_url)
    with engine.begin() as conn:
        store.write_tickets(conn, make_tickets(rows))
    got = modelling_table(engine, start="2023-03-01", end="2023-03-31")
    engine.dispose()
    assert got["satisfied"].tolist()[:2] == [1.0, 0.0] and np.isnan(got["satisfied"].iloc[2])
    assert got["repeat_caller"].tolist() == [0.0, 1.0, 0.0]
    assert got["closed_on_time"].tolist()[:2] == [1.0, 0.0]
    assert got["hours_to_sign"].tolist()[:2] == [1.0, 24.0]
    assert got["returned"].tolist() == [0.0, 1.0, 0.0]
    assert got["working_days_to_close"].iloc[1] == pytest.approx(6.0)  # Fri 10th → Mon 20th: 6 working days
    assert isinstance(got["created_at"].iloc[0], pd.Timestamp)


def test_rare_levels_are_merged_so_nothing_separates(table):
    from civicdesk.drivers.table import LUMPED, lump_rare_levels

    lumped = lump_rare_levels(table)
    assert "重点巡查事项" not in set(lumped["category"].astype(object))  # 2 callbacks, both satisfied
    assert len(lumped) == len(table) and lumped["category"].notna().all()
    model = fit_drivers(lumped, importance=False)
    assert model.warnings == ()
    counts = lumped.loc[lumped["category"] == LUMPED, "satisfied"]
    assert counts.empty or (len(counts) >= 50 and 5 <= counts.sum() <= len(counts) - 5)


def test_levers_combine(table, planted_fit):
    from civicdesk.drivers import Levers, lever_changes

    none = lever_changes(table, Levers())
    assert none.empty
    close = lever_changes(table, Levers(close_within_wd=3))
    both = lever_changes(table, Levers(close_within_wd=3, fewer_repeat_callers=1.0))
    assert set(close["ticket_id"]) <= set(both["ticket_id"])
    assert (both["repeat_caller"] == 0).all()
    assert planted_fit.what_if(both).change > planted_fit.what_if(close).change


@pytest.mark.parametrize("rhs", ["closed_on_time + C(category) + C(channel)",
                                 "closed_on_time + C(category, Treatment('供暖')) + C(channel, Sum)"])
def test_design_equals_patsys_own(table, rhs):
    """Our `C` lets a Categorical through uncoded (fast); the matrix and its column names are patsy's own."""
    import patsy

    from civicdesk.drivers import lump_rare_levels
    from civicdesk.drivers.design import _patsy_data, build_design

    data = lump_rare_levels(table)
    ours = build_design(f"satisfied ~ {rhs}", data).X
    used = data[data["satisfied"].notna()]
    theirs = patsy.dmatrix(rhs, _patsy_data(used), NA_action="drop", return_type="dataframe")
    theirs.index = used.index[theirs.index.to_numpy()]
    pd.testing.assert_frame_equal(ours, theirs)
