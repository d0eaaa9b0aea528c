"""Bad input: one clear message with file:line:column, exit code 2, no results file."""
import pytest

from conftest import ROOT, run_pfsim


def _run_bad(tmp_path, text, *extra):
    scenario = tmp_path / "bad.yaml"
    scenario.write_text(text)
    out = tmp_path / "out.h5"
    proc = run_pfsim("run", scenario, "--out", out, *extra, check=False)
    assert proc.returncode == 2, proc.stderr
    assert not out.exists()
    assert not out.with_name("out.h5.partial").exists()
    return proc.stderr


def test_missing_file(pfsim_exe, tmp_path):
    proc = run_pfsim("run", tmp_path / "nope.yaml", "--out", tmp_path / "o.h5", check=False)
    assert proc.returncode == 2
    assert "nope.yaml" in proc.stderr and "cannot open" in proc.stderr
    assert not (tmp_path / "o.h5").exists()


def test_directory_instead_of_file(pfsim_exe, tmp_path):
    proc = run_pfsim("validate", tmp_path, check=False)
    assert proc.returncode == 2
    assert str(tmp_path) in proc.stderr


def test_invalid_yaml_names_line_and_column(pfsim_exe, tmp_path):
    err = _run_bad(tmp_path, "consumers:\n  count: [1, 2\n")
    assert "bad.yaml:" in err and "invalid YAML" in err


def test_unknown_key_with_suggestion(pfsim_exe, tmp_path):
    err = _run_bad(tmp_path, "consumers:\n  cuont: 10\n")
    assert "bad.yaml:2:3: consumers.cuont: unknown key 'cuont'" in err
    assert "did you mean 'count'?" in err


def test_wrong_type(pfsim_exe, tmp_path):
    err = _run_bad(tmp_path, "consumers:\n  count: many\n")
    assert "bad.yaml:2:10: consumers.count: expected an integer" in err
    assert '"many"' in err


def test_every_problem_reported_at_once(pfsim_exe, tmp_path):
    err = _run_bad(tmp_path, "consumers:\n  count: -5\n  mpc_income: .nan\nsmes:\n  coutn: 3\n")
    assert "consumers.count" in err and "out of range" in err
    assert "consumers.mpc_income" in err and "NaN" in err
    assert "smes.coutn" in err


def test_duplicate_key(pfsim_exe, tmp_path):
    err = _run_bad(tmp_path, "consumers:\n  count: 10\n  count: 20\n")
    assert "duplicate key 'count'" in err and "bad.yaml:3:3" in err


def test_list_item_key_path(pfsim_exe, tmp_path):
    err = _run_bad(tmp_path, "banks:\n  tiers:\n    - {name: a, count: 1, deposit_share: 0.5}\n"
                             "    - {name: b, count: 1, deposit_share: 0.5, capital_ratio: 2}\n")
    assert "banks.tiers[1].capital_ratio" in err


def test_shares_must_sum_to_one(pfsim_exe, tmp_path):
    err = _run_bad(tmp_path, "banks:\n  tiers:\n    - {name: a, count: 1, deposit_share: 0.5}\n")
    assert "deposit_share must sum to 1" in err


def test_bad_set_override(pfsim_exe, tmp_path):
    err = _run_bad(tmp_path, "", "--set", "consumers.cout=5")
    assert "unknown parameter 'consumers.cout'" in err and "consumers.count" in err


def test_unwritable_output(pfsim_exe, tmp_path):
    out = tmp_path / "no_such_dir" / "r.h5"
    proc = run_pfsim("run", ROOT / "scenarios/baseline.yaml", "--out", out, "--steps", 1, check=False)
    assert proc.returncode == 2, proc.stderr
    assert "r.h5" in proc.stderr
    assert not out.parent.exists()


def test_validate_ok(pfsim_exe):
    proc = run_pfsim("validate", ROOT / "scenarios/baseline.yaml")
    assert "valid" in proc.stdout


def test_help_and_version(pfsim_exe):
    assert "run" in run_pfsim("--help").stdout
    assert run_pfsim("--version").stdout.startswith("pfsim ")


# -- where results go: mistakes refused before anything runs -------------------------------


def _run_tiny(tmp_path, *out_args):
    return run_pfsim("run", ROOT / "scenarios/baseline.yaml", *out_args, "--steps", 2, "-q",
                     "--population", 500, check=False, cwd=tmp_path)


def test_an_option_after_out_is_not_taken_as_the_file_name(tmp_path):
    proc = _run_tiny(tmp_path, "--out", "--help")
    assert proc.returncode == 2
    assert "looks like an option" in proc.stderr and "--out ./--help" in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_results_file_must_be_named_h5(tmp_path):
    proc = _run_tiny(tmp_path, "--out", "table.csv")
    assert proc.returncode == 2
    assert "ends in .h5" in proc.stderr and "not .csv" in proc.stderr
    assert "pfsim tidy" in proc.stderr  # the way to CSV
    assert list(tmp_path.iterdir()) == []
    assert _run_tiny(tmp_path, "--out", "r.HDF5").returncode == 0


def test_existing_results_are_replaced_only_with_force(tmp_path):
    out = tmp_path / "r.h5"
    assert _run_tiny(tmp_path, "--out", out).returncode == 0
    before = out.read_bytes()
    proc = _run_tiny(tmp_path, "--out", out)
    assert proc.returncode == 2
    assert "exists" in proc.stderr and "--force" in proc.stderr
    assert out.read_bytes() == before
    assert _run_tiny(tmp_path, "--out", out, "--force").returncode == 0


def test_the_default_results_file_is_named_after_the_scenario_file(tmp_path):
    scenario = tmp_path / "my_policy.yaml"
    scenario.write_text("extends: " + str(ROOT / "scenarios/baseline.yaml") + "\nrun: {name: other}\n")
    proc = run_pfsim("run", scenario, "--steps", 2, "-q", "--population", 500, check=False, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "my_policy.h5").exists()
    help_text = run_pfsim("run", "--help", check=False).stdout
    assert "scenario file's name with .h5" in help_text and "--force" in help_text


def test_recover_output_is_checked_like_run_output(tmp_path):
    proc = run_pfsim("recover", tmp_path / "r.h5.partial", "-o", "--help", check=False, cwd=tmp_path)
    assert proc.returncode == 2 and "-o '--help' looks like an option" in proc.stderr
    proc = run_pfsim("recover", tmp_path / "r.h5.partial", "-o", "r.txt", check=False, cwd=tmp_path)
    assert proc.returncode == 2 and "ends in .h5" in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_steps_past_the_last_readable_date_are_refused_before_the_run(tmp_path):
    proc = run_pfsim("run", ROOT / "scenarios/baseline.yaml", "--set", "run.start_date=2250-01-01",
                     "--steps", 36500, "--population", 500, "-q", "--out", tmp_path / "r.h5", check=False)
    assert proc.returncode == 2 and "would pass 2262-04-11" in proc.stderr
    assert list(tmp_path.iterdir()) == []


def _limit_address_space(gib):
    import resource

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (gib << 30, gib << 30))

    return limit


def test_a_run_that_cannot_fit_in_memory_is_refused_before_building(tmp_path):
    import time

    t0 = time.monotonic()
    proc = run_pfsim("run", ROOT / "scenarios/baseline.yaml", "--population", 10_000_000, "-q",
                     "--out", tmp_path / "r.h5", check=False, preexec_fn=_limit_address_space(2))
    assert time.monotonic() - t0 < 10
    assert proc.returncode == 2, proc.stderr
    assert "needs about 2.2 GB" in proc.stderr and "only 2.1 GB is available" in proc.stderr
    assert "--population" in proc.stderr
    assert list(tmp_path.iterdir()) == []
    # a run that fits under the same limit goes ahead
    small = run_pfsim("run", ROOT / "scenarios/baseline.yaml", "--population", 2000, "--steps", 2, "-q",
                      "--set", "run.spinup_days=0", "--out", tmp_path / "s.h5", check=False,
                      preexec_fn=_limit_address_space(2))
    assert small.returncode == 0, small.stderr
