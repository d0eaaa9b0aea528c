"""pfsim.contagion / eisenberg_noe / debtrank / furfine / fire_sale: the engine's
contagion models from Python — the same answers, bit for bit, as
`pfsim contagion MODEL -`, numpy in and out, ValueError for bad input.
"""
import json

import numpy as np
import pytest

from conftest import require_pfsim, run_pfsim

pfsim = require_pfsim()

RING = np.array([[0, 10, 0], [0, 0, 10], [4, 0, 0]], float)
CASCADE = np.array([[0, 5, 0, 0, 0], [0, 0, 3, 4, 0], [0, 0, 0, 0, 2], [0, 0, 0, 0, 3], [0, 0, 0, 0, 0]], float)


def cli(model, inputs):
    return json.loads(run_pfsim("contagion", model, "-", input=json.dumps(inputs)).stdout)


def test_contagion_takes_a_dict_or_json_text():
    inputs = {"liabilities": RING, "external_assets": np.array([2, 3, 1])}
    out = pfsim.contagion("eisenberg_noe", inputs)
    assert out == {"payments": [6, 9, 4], "defaulted": [0, 1], "equity": [0, 0, 6], "net_worth": [-4, -1, 6],
                   "iterations": 3}
    text = '{"liabilities": [[0, 10, 0], [0, 0, 10], [4, 0, 0]], "external_assets": [2, 3, 1]}'
    assert pfsim.contagion("eisenberg_noe", text) == out


def test_eisenberg_noe_numpy():
    out = pfsim.eisenberg_noe(RING, [2, 3, 1])
    np.testing.assert_array_equal(out["payments"], [6, 9, 4])
    assert out["defaulted"].dtype == np.int64 and out["defaulted"].tolist() == [0, 1]
    assert out["payments"].dtype == np.float64 and out["iterations"] == 3
    rv = pfsim.eisenberg_noe([[0, 6], [2, 0]], [5, 1], [4, 3], bankruptcy_costs=(0.5, 0.5))
    np.testing.assert_allclose(rv["payments"], [130 / 47, 125 / 94], rtol=1e-13)


def test_debtrank_and_furfine_numpy():
    chain = np.array([[0, 0.5, 0], [0, 0, 0.4], [0, 0, 0]])
    d = pfsim.debtrank([1, 0, 0], impact_matrix=chain, variant="differential")
    np.testing.assert_allclose(d["h_final"], [1, 0.5, 0.2], rtol=1e-14)
    assert d["steps"] == 4 and d["debtrank"] == pytest.approx(0.7 / 3, rel=1e-14)
    e = pfsim.debtrank([0.5, 0], liabilities=[[0, 10], [0, 0]], equity=[5, 4])
    assert e["h_final"].tolist() == [0.5, 0.5] and e["debtrank"] == 0.25
    f = pfsim.furfine(CASCADE, [1, 4, 3, 5, 2], [0], tie="inclusive")
    assert f["defaulted"].tolist() == [0, 1, 2, 4]
    assert f["default_round"].tolist() == [0, 1, 2, -1, 3] and f["rounds"] == 3


def test_fire_sale_runs():
    out = pfsim.fire_sale([[10.0], [5.0]], [1.0], [8.0, 3.0], cash=[1.0, 1.0], price_shock=[0.05], price_impact=[0.01])
    assert set(out) == {"prices", "price_path", "losses", "defaulted", "units_sold", "rounds", "converged"}
    assert out["prices"][0] < 1.0


def test_same_answer_as_the_cli_bit_for_bit(pfsim_exe):
    rng = np.random.default_rng(5)
    n = 30
    m = np.where(rng.random((n, n)) < 0.2, rng.uniform(1, 10, (n, n)), 0.0)
    assets = rng.uniform(0, 20, n)
    inputs = {"liabilities": m, "external_assets": assets}
    assert pfsim.contagion("eisenberg_noe", inputs) == cli("eisenberg_noe", {k: v.tolist() for k, v in inputs.items()})
    dr = {"liabilities": m.tolist(), "equity": (m.sum(axis=0) + 1).tolist(), "h0": [1.0] + [0.0] * (n - 1),
          "variant": "differential"}
    assert pfsim.contagion("debtrank", dr) == cli("debtrank", dr)


def test_bad_input_raises_value_error_with_the_cli_message():
    with pytest.raises(ValueError, match=r"external_assets\[0\]: expected a finite number >= 0, found -1"):
        pfsim.eisenberg_noe(RING, [-1, 3, 1])
    with pytest.raises(ValueError, match="unknown model 'clearing'"):
        pfsim.contagion("clearing", {})
    with pytest.raises(ValueError, match=r"liabilities\[1\]: expected 3 numbers"):
        pfsim.contagion("eisenberg_noe", {"liabilities": [[0, 1, 0], [1, 0], [0, 0, 0]], "external_assets": [1, 1, 1]})
    with pytest.raises(ValueError, match="not valid JSON"):
        pfsim.contagion("eisenberg_noe", "{")
    with pytest.raises(TypeError, match="cannot convert"):
        pfsim.contagion("eisenberg_noe", {"liabilities": object(), "external_assets": [1]})
