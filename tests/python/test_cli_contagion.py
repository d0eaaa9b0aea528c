"""`pfsim contagion MODEL FILE|-`: the worked examples, stdin vs file, the
conventions (0-based banks, L[i][j] = what i owes j, diagonal ignored) and bad
input (a message naming the file, exit code 2, nothing on stdout).

The worked examples are those of the library's own tests (tests/contagion/),
computed by hand in their comments; docs/contagion.md gives the three-bank ring.
"""
import json

import pytest

from conftest import run_pfsim

RING = {"liabilities": [[0, 10, 0], [0, 0, 10], [4, 0, 0]], "external_assets": [2, 3, 1]}
# docs/contagion.md, "JSON front end": the exact answer, keys sorted, shortest round-trip numbers.
RING_ANSWER = '{"defaulted":[0,1],"equity":[0.0,0.0,6.0],"iterations":3,"net_worth":[-4.0,-1.0,6.0],"payments":[6.0,9.0,4.0]}'

# tests/contagion/furfine_test.cpp: 0 owes 1: 5; 1 owes 2: 3 and 3: 4; 2 owes 4: 2; 3 owes 4: 3.
CASCADE = [[0, 5, 0, 0, 0], [0, 0, 3, 4, 0], [0, 0, 0, 0, 2], [0, 0, 0, 0, 3], [0, 0, 0, 0, 0]]
CASCADE_CAPITAL = [1, 4, 3, 5, 2]


def contagion(pfsim_exe, model, inputs, tmp_path, name="in.json"):
    """Runs the CLI on a file; returns the parsed answer (and checks it is one JSON object)."""
    path = tmp_path / name
    path.write_text(json.dumps(inputs))
    proc = run_pfsim("contagion", model, path)
    assert proc.stderr == ""
    assert proc.stdout.count("\n") == 1 and proc.stdout.endswith("\n")
    answer = json.loads(proc.stdout)
    assert isinstance(answer, dict)
    return answer


def from_stdin(model, text, check=True):
    return run_pfsim("contagion", model, "-", input=text, check=check)


def approx(x):
    return pytest.approx(x, rel=1e-13, abs=1e-14)


# ---------------------------------------------------------------- the command


def test_help_lists_the_subcommand(pfsim_exe):
    proc = run_pfsim("--help")
    assert any(line.split()[:1] == ["contagion"] for line in proc.stdout.splitlines())
    sub = run_pfsim("contagion", "--help")
    assert "eisenberg_noe" in sub.stdout and "standard input" in sub.stdout


def test_ring_from_a_file_matches_the_documented_answer_exactly(pfsim_exe, tmp_path):
    path = tmp_path / "ring.json"
    path.write_text(json.dumps(RING))
    proc = run_pfsim("contagion", "eisenberg_noe", path)
    assert proc.returncode == 0 and proc.stderr == ""
    assert proc.stdout == RING_ANSWER + "\n"


def test_stdin_and_file_give_the_same_bytes(pfsim_exe, tmp_path):
    path = tmp_path / "ring.json"
    text = json.dumps(RING, indent=2) + "\n"
    path.write_text(text)
    by_file = run_pfsim("contagion", "eisenberg_noe", path)
    by_stdin = from_stdin("eisenberg_noe", text)
    assert by_stdin.stdout == by_file.stdout == RING_ANSWER + "\n"
    assert by_stdin.stderr == ""


@pytest.mark.parametrize(
    "model,inputs,keys",
    [
        ("eisenberg_noe", RING, {"payments", "defaulted", "equity", "net_worth", "iterations"}),
        (
            "debtrank",
            {"impact_matrix": [[0, 0.5, 0], [0, 0, 0.4], [0, 0, 0]], "h0": [1, 0, 0]},
            {"h_final", "debtrank", "defaulted", "steps"},
        ),
        (
            "furfine",
            {"liabilities": CASCADE, "capital": CASCADE_CAPITAL, "initial_defaults": [0], "lgd": 1, "tie": "strict"},
            {"defaulted", "default_round", "rounds", "losses"},
        ),
    ],
)
def test_output_keys(pfsim_exe, tmp_path, model, inputs, keys):
    assert set(contagion(pfsim_exe, model, inputs, tmp_path)) == keys


# ---------------------------------------------------------------- Eisenberg-Noe


def test_eisenberg_noe_three_bank_ring_two_waves(pfsim_exe, tmp_path):
    # tests/contagion/eisenberg_noe_test.cpp: bank 0 defaults, then bank 1; bank 2 survives.
    out = contagion(pfsim_exe, "eisenberg_noe", RING, tmp_path)
    assert out["payments"] == [6, 9, 4]
    assert out["defaulted"] == [0, 1]
    assert out["equity"] == [0, 0, 6]
    assert out["net_worth"] == [-4, -1, 6]
    assert out["iterations"] == 3


def test_eisenberg_noe_external_creditors_pari_passu(pfsim_exe, tmp_path):
    # L = [[0, 6], [2, 0]], el = (4, 3): (a) e = (5, 1): one default; (b) e = (5, 0.5): a 2 x 2 system.
    base = {"liabilities": [[0, 6], [2, 0]], "external_liabilities": [4, 3]}
    one = contagion(pfsim_exe, "eisenberg_noe", {**base, "external_assets": [5, 1]}, tmp_path)
    assert one["payments"] == [approx(7), 5]
    assert one["defaulted"] == [0]
    assert one["equity"] == [0, pytest.approx(0.2, abs=1e-12)]
    assert one["iterations"] == 2
    both = contagion(pfsim_exe, "eisenberg_noe", {**base, "external_assets": [5, 0.5]}, tmp_path)
    assert both["payments"] == [approx(130 / 19), approx(175 / 38)]
    assert both["defaulted"] == [0, 1]
    assert both["net_worth"] == [pytest.approx(-60 / 19, rel=1e-12), pytest.approx(-15 / 38, rel=1e-12)]
    # Value conservation: the outside assets 5.5 all reach the outside creditors.
    assert 0.4 * both["payments"][0] + 0.6 * both["payments"][1] == approx(5.5)


def test_eisenberg_noe_cash_exactly_equal_to_obligations_is_solvent(pfsim_exe, tmp_path):
    out = contagion(pfsim_exe, "eisenberg_noe", {"liabilities": [[0, 5], [3, 0]], "external_assets": [2, 0]}, tmp_path)
    assert out["defaulted"] == [] and out["payments"] == [5, 3] and out["equity"] == [0, 2]
    assert out["iterations"] == 1


def test_eisenberg_noe_returns_the_greatest_clearing_vector(pfsim_exe, tmp_path):
    # Every (x, x), x in [0, 1], clears two banks owing each other 1 with nothing outside.
    out = contagion(pfsim_exe, "eisenberg_noe", {"liabilities": [[0, 1], [1, 0]], "external_assets": [0, 0]}, tmp_path)
    assert out["payments"] == [1, 1] and out["defaulted"] == []
    # Decimal amounts do not start a rounding default.
    decimals = {"liabilities": [[0, 0.1, 0.2], [0.3, 0, 0], [0, 0.2, 0]], "external_assets": [0, 0, 0]}
    assert contagion(pfsim_exe, "eisenberg_noe", decimals, tmp_path)["defaulted"] == []


def test_conventions_zero_based_debtor_rows_diagonal_ignored(pfsim_exe, tmp_path):
    # Row 0 is bank 0, which owes bank 1 ten and has 4: it defaults and pays 4 to bank 1.
    # The diagonal entries (100, 7) change nothing.
    with_diagonal = {"liabilities": [[100, 10], [0, 7]], "external_assets": [4, 0]}
    without = {"liabilities": [[0, 10], [0, 0]], "external_assets": [4, 0]}
    a = contagion(pfsim_exe, "eisenberg_noe", with_diagonal, tmp_path)
    b = contagion(pfsim_exe, "eisenberg_noe", without, tmp_path)
    assert a == b
    assert a["payments"] == [4, 0] and a["defaulted"] == [0] and a["equity"] == [0, 4]
    # The transpose is a different network: now bank 1 owes bank 0 and has nothing.
    t = contagion(pfsim_exe, "eisenberg_noe", {"liabilities": [[0, 0], [10, 0]], "external_assets": [4, 0]}, tmp_path)
    assert t["defaulted"] == [1] and t["payments"] == [0, 0] and t["equity"] == [4, 0]


def test_eisenberg_noe_sparse_input_equals_dense(pfsim_exe, tmp_path):
    sparse = {
        "liabilities": {"size": 3, "entries": [[0, 1, 6], [0, 1, 4], [1, 2, 10], [2, 0, 4], [2, 2, 99]]},
        "external_assets": [2, 3, 1],
    }
    proc = from_stdin("eisenberg_noe", json.dumps(sparse))
    assert proc.stdout == RING_ANSWER + "\n"


def test_rogers_veraart_bankruptcy_costs(pfsim_exe, tmp_path):
    inputs = {
        "liabilities": [[0, 6], [2, 0]],
        "external_assets": [5, 1],
        "external_liabilities": [4, 3],
        "bankruptcy_costs": {"alpha": 0.5, "beta": 0.5},
    }
    out = contagion(pfsim_exe, "eisenberg_noe", inputs, tmp_path)
    assert out["defaulted"] == [0, 1]  # bank 1 survives without the costs
    assert out["payments"] == [approx(130 / 47), approx(125 / 94)]
    assert out["iterations"] == 3


# ---------------------------------------------------------------- DebtRank

CHAIN = [[0, 0.5, 0], [0, 0, 0.4], [0, 0, 0]]


@pytest.mark.parametrize("variant", ["battiston2012", "differential"])
def test_debtrank_chain_both_variants(pfsim_exe, tmp_path, variant):
    out = contagion(pfsim_exe, "debtrank", {"impact_matrix": CHAIN, "h0": [1, 0, 0], "variant": variant}, tmp_path)
    assert out["h_final"] == [1, approx(0.5), approx(0.2)]
    assert out["debtrank"] == approx(0.7 / 3)
    assert out["defaulted"] == [0] and out["steps"] == 4


def test_debtrank_default_variant_and_weights(pfsim_exe, tmp_path):
    plain = contagion(pfsim_exe, "debtrank", {"impact_matrix": CHAIN, "h0": [1, 0, 0]}, tmp_path)
    assert plain["debtrank"] == approx(0.7 / 3)  # battiston2012 is the default
    weighted = contagion(pfsim_exe, "debtrank", {"impact_matrix": CHAIN, "h0": [1, 0, 0], "weights": [0, 1, 1]}, tmp_path)
    assert weighted["debtrank"] == approx(0.35)


def test_debtrank_cycle_is_cut_by_battiston2012_not_by_differential(pfsim_exe, tmp_path):
    base = {"impact_matrix": [[0, 0.5], [0.5, 0]], "h0": [0.2, 0]}
    original = contagion(pfsim_exe, "debtrank", {**base, "variant": "battiston2012"}, tmp_path)
    assert original["h_final"] == [approx(0.25), approx(0.1)]
    assert original["debtrank"] == approx(0.075) and original["steps"] == 3
    diff = contagion(pfsim_exe, "debtrank", {**base, "variant": "differential"}, tmp_path)
    assert diff["h_final"] == [pytest.approx(4 / 15, rel=1e-10), pytest.approx(2 / 15, rel=1e-10)]
    assert diff["debtrank"] == pytest.approx(0.1, rel=1e-10)


def test_debtrank_from_liabilities_and_equity(pfsim_exe, tmp_path):
    # Bank 0 owes bank 1 10, E = (5, 4): W01 = 10 / 4 = 2.5 (capped at 1 by battiston2012 only).
    base = {"liabilities": [[0, 10], [0, 0]], "equity": [5, 4], "h0": [0.5, 0]}
    original = contagion(pfsim_exe, "debtrank", base, tmp_path)
    assert original == {"h_final": [0.5, 0.5], "debtrank": 0.25, "defaulted": [], "steps": 3}
    diff = contagion(pfsim_exe, "debtrank", {**base, "variant": "differential"}, tmp_path)
    assert diff == {"h_final": [0.5, 1.0], "debtrank": 0.5, "defaulted": [1], "steps": 3}
    # The same as the impact matrix W = L / E (column j divided by E_j).
    by_impact = contagion(pfsim_exe, "debtrank", {"impact_matrix": [[0, 2.5], [0, 0]], "h0": [0.5, 0]}, tmp_path)
    assert by_impact == original


# ---------------------------------------------------------------- Furfine


def test_furfine_cascade_strict(pfsim_exe, tmp_path):
    inputs = {"liabilities": CASCADE, "capital": CASCADE_CAPITAL, "initial_defaults": [0], "lgd": 1, "tie": "strict"}
    out = contagion(pfsim_exe, "furfine", inputs, tmp_path)
    assert out == {"defaulted": [0, 1], "default_round": [0, 1, -1, -1, -1], "rounds": 1, "losses": [0, 5, 3, 4, 0]}
    del inputs["tie"], inputs["lgd"]  # defaults: strict, lgd 1
    assert contagion(pfsim_exe, "furfine", inputs, tmp_path) == out


def test_furfine_cascade_inclusive(pfsim_exe, tmp_path):
    inputs = {"liabilities": CASCADE, "capital": CASCADE_CAPITAL, "initial_defaults": [0], "lgd": 1, "tie": "inclusive"}
    out = contagion(pfsim_exe, "furfine", inputs, tmp_path)
    assert out == {"defaulted": [0, 1, 2, 4], "default_round": [0, 1, 2, -1, 3], "rounds": 3, "losses": [0, 5, 3, 4, 2]}


def test_furfine_lgd_and_an_exact_tie(pfsim_exe, tmp_path):
    half = {"liabilities": CASCADE, "capital": CASCADE_CAPITAL, "initial_defaults": [0], "lgd": 0.5, "tie": "inclusive"}
    assert contagion(pfsim_exe, "furfine", half, tmp_path) == {
        "defaulted": [0],
        "default_round": [0, -1, -1, -1, -1],
        "rounds": 0,
        "losses": [0, 2.5, 0, 0, 0],
    }
    # Bank 2 is owed 2 by bank 0 and 4 by bank 1; lgd 0.5 gives a loss of exactly its capital 3.
    tie = {"liabilities": [[0, 0, 2], [0, 0, 4], [0, 0, 0]], "capital": [1, 1, 3], "initial_defaults": [0, 1], "lgd": 0.5}
    assert contagion(pfsim_exe, "furfine", {**tie, "tie": "strict"}, tmp_path)["defaulted"] == [0, 1]
    inclusive = contagion(pfsim_exe, "furfine", {**tie, "tie": "inclusive"}, tmp_path)
    assert inclusive["defaulted"] == [0, 1, 2] and inclusive["default_round"] == [0, 0, 1]


# ---------------------------------------------------------------- bad input


def bad(proc, *fragments):
    """Checks the error contract: exit 2, nothing on stdout, each fragment in the message."""
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert proc.stdout == ""
    assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1, proc.stderr
    for fragment in fragments:
        assert fragment in proc.stderr, (fragment, proc.stderr)
    return proc.stderr


def test_missing_file(pfsim_exe, tmp_path):
    path = tmp_path / "nope.json"
    bad(run_pfsim("contagion", "eisenberg_noe", path, check=False), str(path), "cannot open", "No such file")


def test_directory_instead_of_file(pfsim_exe, tmp_path):
    bad(run_pfsim("contagion", "eisenberg_noe", tmp_path, check=False), str(tmp_path), "directory")


def test_invalid_json_names_the_file(pfsim_exe, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"liabilities": [[0, 1], [1, 0]], "external_assets": [1, 2')
    bad(run_pfsim("contagion", "eisenberg_noe", path, check=False), str(path), "not valid JSON")


def test_nan_is_not_json(pfsim_exe):
    err = bad(from_stdin("eisenberg_noe", '{"liabilities": [[0, 1], [1, 0]], "external_assets": [NaN, 1]}', check=False))
    assert "<stdin>" in err and "NaN" in err


def test_empty_input(pfsim_exe):
    bad(from_stdin("furfine", "  \n", check=False), "<stdin>", "empty input")


def test_not_an_object(pfsim_exe):
    bad(from_stdin("eisenberg_noe", "[[0, 1], [1, 0]]", check=False), "<stdin>", "expected a JSON object")


def test_unknown_model(pfsim_exe, tmp_path):
    path = tmp_path / "ring.json"
    path.write_text(json.dumps(RING))
    err = bad(run_pfsim("contagion", "eisenberg-noe", path, check=False), "unknown model 'eisenberg-noe'")
    assert "eisenberg_noe" in err and "debtrank" in err and "furfine" in err


@pytest.mark.parametrize(
    "model,inputs,fragments",
    [
        # ragged / non-square matrix
        ("eisenberg_noe", {"liabilities": [[0, 1, 2], [1, 0], [0, 0, 0]], "external_assets": [1, 1, 1]},
         ["liabilities[1]", "expected 3 numbers"]),
        # vector of the wrong length
        ("eisenberg_noe", {"liabilities": [[0, 1], [1, 0]], "external_assets": [1, 1, 1]}, ["external_assets"]),
        # negative amount
        ("eisenberg_noe", {"liabilities": [[0, 1], [1, 0]], "external_assets": [-2, 1]},
         ["external_assets[0]", ">= 0", "-2"]),
        # a matrix that is not an array
        ("eisenberg_noe", {"liabilities": "L", "external_assets": [1]}, ["liabilities", "expected an array"]),
        # missing key
        ("eisenberg_noe", {"liabilities": [[0, 1], [1, 0]]}, ["missing key 'external_assets'"]),
        # misspelt optional key
        ("eisenberg_noe", {"liabilities": [[0, 1], [1, 0]], "external_assets": [1, 1], "external_liabilites": [0, 0]},
         ["unknown key 'external_liabilites'"]),
        # bad DebtRank variant, h0 out of range, both matrices
        ("debtrank", {"impact_matrix": CHAIN, "h0": [1, 0, 0], "variant": "bardoscia"}, ["variant", "differential"]),
        ("debtrank", {"impact_matrix": CHAIN, "h0": [1.5, 0, 0]}, ["h0[0]"]),
        ("debtrank", {"impact_matrix": CHAIN, "liabilities": CHAIN, "equity": [1, 1, 1], "h0": [1, 0, 0]},
         ["impact_matrix", "not both"]),
        ("debtrank", {"liabilities": CHAIN, "equity": [1, 0, 1], "h0": [1, 0, 0]}, ["equity[1]"]),
        # Furfine: bad tie rule, bank index out of range, lgd out of [0, 1]
        ("furfine", {"liabilities": CASCADE, "capital": CASCADE_CAPITAL, "initial_defaults": [0], "tie": "weak"},
         ["tie", "inclusive"]),
        ("furfine", {"liabilities": CASCADE, "capital": CASCADE_CAPITAL, "initial_defaults": [5]},
         ["initial_defaults[0]", "[0, 5)"]),
        ("furfine", {"liabilities": CASCADE, "capital": CASCADE_CAPITAL, "initial_defaults": [0], "lgd": 1.5}, ["lgd"]),
    ],
)
def test_wrong_shapes_and_values(pfsim_exe, tmp_path, model, inputs, fragments):
    path = tmp_path / "input.json"
    path.write_text(json.dumps(inputs))
    bad(run_pfsim("contagion", model, path, check=False), str(path), *fragments)
    bad(from_stdin(model, json.dumps(inputs), check=False), "<stdin>", *fragments)


def test_missing_arguments_are_a_usage_error(pfsim_exe):
    proc = run_pfsim("contagion", "eisenberg_noe", check=False)
    assert proc.returncode == 2 and proc.stdout == ""
    assert "file" in proc.stderr.lower()
