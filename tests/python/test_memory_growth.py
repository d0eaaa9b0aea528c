"""Memory flat in run length (issue 18 item 3; docs/architecture.md, "Memory in long runs").

* peak memory of `pfsim run` writing a results file: 4 simulated years within
  10% of 1 year at 2,000 consumers (network snapshots every 30 days, the
  default). PFSIM_MEMORY_SOAK=1 adds 10 years (off in CI; +3.0% measured
  since node kinds are an enum, bound 10%);
* the snapshots and indicator rows a streaming run keeps only in its file
  come back whole: a fork taken while streaming, and a save after the file was
  finished, write the same /networks and /timeseries as the streamed file, and
  `sim.results` is the same with or without a file.
"""

import os
import subprocess
import sys


from conftest import PFSIM, ROOT, require_built, require_module, require_pfsim

h5py = require_module("h5py")
require_built("pfsim")

BASELINE = ROOT / "scenarios" / "baseline.yaml"

# Runs pfsim as a child and prints the child's peak resident memory (KiB).
PEAK_OF_CHILD = (
    "import resource, subprocess, sys\n"
    "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def peak_kib(tmp_path, days):
    out = tmp_path / f"run_{days}.h5"
    args = [
        str(PFSIM),
        "run",
        str(BASELINE),
        "--population",
        "2000",
        "--steps",
        str(days),
        "--out",
        str(out),
        "--threads",
        "2",
        "-q",
    ]
    proc = subprocess.run(
        [sys.executable, "-c", PEAK_OF_CHILD, *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    with h5py.File(out, "r") as f:  # the run did record what it is measured on
        assert f["timeseries/date"].shape == (days,)
        # every 30 days, and on any day a bank fails
        assert f["networks/suppliers/snapshot"].shape[0] >= (days - 1) // 30 + 1
    return int(proc.stdout.split()[-1])


def test_peak_memory_flat_in_run_length(tmp_path):
    one_year = peak_kib(tmp_path, 365)
    four_years = peak_kib(tmp_path, 4 * 365)
    print(f"peak RSS: 1 year {one_year} KiB, 4 years {four_years} KiB")
    # The target: within 10%. Measured -0.7% (2026-12-07: 36.8 vs
    # 36.6 MB) now that rows and snapshots live only in the file and node
    # kinds are one-byte enum codes in the final copy (no HDF5 global heap).
    assert four_years <= 1.10 * one_year
    if os.environ.get("PFSIM_MEMORY_SOAK") == "1":
        ten_years = peak_kib(tmp_path, 3650)
        print(f"peak RSS: 10 years {ten_years} KiB")
        # Measured +3.0% (37.9 vs 36.8 MB; +11.2% while node kinds were
        # variable-length strings in HDF5's global heap, docs/performance.md,
        # "Memory in run length"): the 10%.
        assert ten_years <= 1.10 * one_year


def network_datasets(path, group="networks"):
    out = {}
    with h5py.File(path, "r") as f:

        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                data = obj[()]
                out[name] = (
                    data.tobytes()
                    if data.dtype.kind != "O"
                    else repr(data.tolist()).encode()
                )

        f[group].visititems(visit)
    return out


def test_streamed_snapshots_come_back_for_forks_and_saves(tmp_path):
    pfsim = require_pfsim()
    sc = pfsim.Scenario(BASELINE)
    sc.set_population(500)
    sc["run.spinup_days"] = 20
    sc["interbank.snapshot_every_days"] = 4
    streamed = tmp_path / "streamed.h5"
    sim = pfsim.Simulation(sc, seed=3, threads=2, out=streamed)
    sim.step(30)
    copy = sim.fork()  # the snapshots so far, read back from the open file
    sim.step(10)
    copy.step(10)
    sim.close()
    again = sim.save(tmp_path / "again.h5")  # read back from the finished file
    forked = copy.save(tmp_path / "forked.h5")
    reference = network_datasets(streamed)
    assert reference["suppliers/snapshot"]  # snapshots on days 0, 4, ..., 36
    assert network_datasets(again) == reference
    assert network_datasets(forked) == reference


def test_checkpoint_of_a_streaming_run_holds_its_snapshots(tmp_path):
    pfsim = require_pfsim()
    sc = pfsim.Scenario(BASELINE)
    sc.set_population(500)
    sc["run.spinup_days"] = 20
    sc["interbank.snapshot_every_days"] = 4
    sim = pfsim.Simulation(sc, seed=3, threads=1, out=tmp_path / "a.h5")
    sim.step(9)
    ckpt = sim.save_checkpoint(tmp_path / "a.ckpt.h5")
    sim.close()
    resumed = pfsim.Simulation.load(ckpt, threads=2)
    resumed.save(tmp_path / "b.h5")
    assert network_datasets(tmp_path / "b.h5") == network_datasets(tmp_path / "a.h5")


def timeseries_of(results):
    frame = results.to_pandas()
    return {c: frame[c].to_numpy().tobytes() for c in frame.columns}


def test_streamed_rows_come_back_for_results_forks_and_saves(tmp_path):
    pfsim = require_pfsim()
    sc = pfsim.Scenario(BASELINE)
    sc.set_population(500)
    sc["run.spinup_days"] = 20
    sc["run.flush_every_steps"] = 7  # rows still buffered when they are read back
    in_memory = pfsim.Simulation(sc, seed=3, threads=2)
    streamed = tmp_path / "streamed.h5"
    sim = pfsim.Simulation(sc, seed=3, threads=2, out=streamed)
    in_memory.step(30)
    sim.step(30)
    # Read back from the open file (flushed first) = kept in memory.
    assert timeseries_of(sim.results) == timeseries_of(in_memory.results)
    copy = sim.fork()
    sim.step(10)
    copy.step(10)
    in_memory.step(10)
    sim.close()
    # From the finished file, then the file's rows and the later ones in memory.
    assert timeseries_of(sim.results) == timeseries_of(in_memory.results)
    sim.step(5)
    in_memory.step(5)
    assert len(sim.results) == 45
    assert timeseries_of(sim.results) == timeseries_of(in_memory.results)
    copy.step(5)
    again = sim.save(tmp_path / "again.h5")  # the finished file's rows + 5 in memory
    forked = copy.save(tmp_path / "forked.h5")
    reference = in_memory.save(tmp_path / "reference.h5")
    expected = network_datasets(reference, "timeseries")
    assert len(expected) > 100
    assert network_datasets(again, "timeseries") == expected
    assert network_datasets(forked, "timeseries") == expected


def test_a_closed_partial_reopened_at_its_path_keeps_its_rows(tmp_path):
    pfsim = require_pfsim()
    sc = pfsim.Scenario(BASELINE)
    sc.set_population(500)
    sc["run.spinup_days"] = 20
    sc["interbank.snapshot_every_days"] = 4
    reference = pfsim.Simulation(sc, seed=5, threads=1)
    reference.step(12)
    sim = pfsim.Simulation(sc, seed=5, threads=1, out=tmp_path / "a.h5")
    sim.step(12)
    # Unfinished close: the rows stay in a.h5.partial, which the next writer
    # at the same path replaces, so they must come back into memory first.
    sim._core.close_results_file()
    sim._out = None
    sim.save(tmp_path / "a.h5")
    reference.save(tmp_path / "b.h5")
    for group in ("timeseries", "networks"):
        assert network_datasets(tmp_path / "a.h5", group) == network_datasets(
            tmp_path / "b.h5", group
        )
