"""Network snapshots in results files (/networks, docs/results-format.md): the
layout of a finished file as h5py and xarray see it, the Python reader
(`Results.networks`), an SWMR reader following a running writer, and what a kill
leaves (read as an SWMR reader, then `recover`).

The files are written by `pfsim_kill_writer --network-every M`
(tests/record/kill_writer.cpp): snapshot j = s / M of "interbank" and of
"fund_placements" on day s for every s % M == 0 (contents in `interbank()` and
`funds()` below).

Run with Debian's interpreter: /usr/bin/python3 -m pytest tests/python/test_networks_layout.py
(or `ctest -R record_py`). The writer is found as $PFSIM_BUILD_DIR/bin/pfsim_kill_writer
(default: build/). The reader is loaded from bindings/python/pfsim/_results.py, so these
tests need no compiled pfsim module.
"""

import importlib.util
import random
import subprocess
import sys
import time
import types

import pytest

from conftest import ROOT as REPO
from conftest import KillWriter, require_built, require_module

np = require_module("numpy")
pd = require_module("pandas")
h5py = require_module("h5py")

EXE = require_built("pfsim_kill_writer")

pytestmark = [
    # Debian's netCDF4 module warns about numpy's C ABI on import; not our concern.
    pytest.mark.filterwarnings("ignore:numpy.ndarray size changed"),
]

STEPS, K, F, E, M = 40, 2, 6, 5, 3
START = pd.Timestamp("2019-01-01")
ATTRS = ["equity", "capital_ratio", "failed"]  # declared order


# -- what pfsim_kill_writer records ---------------------------------------------

def interbank(s, every=M):
    """(nodes, edges) of the interbank snapshot recorded at step s (s % every == 0)."""
    j = s // every
    n = 2 + j % 3
    nodes = {
        "node_kind": ["bank" if i % 2 == 0 else "platform" for i in range(n)],
        "node_index": [100 * j + i for i in range(n)],
        "equity": [s * 1000.0 + i + 0.5 for i in range(n)],
        "capital_ratio": [i / 100.0 for i in range(n)],
        "failed": [float((s + i) % 2) for i in range(n)],
    }
    m = j % 4
    edges = {
        "source": [e % n for e in range(m)],
        "target": [(e + 1) % n for e in range(m)],
        "weight": [s * 10.0 + e + 0.25 for e in range(m)],
    }
    return nodes, edges


def funds(s, every=M):
    nodes = {"node_kind": ["fund"], "node_index": [s // every], "aum": [float(s)]}
    return nodes, {"source": [], "target": [], "weight": []}


NETWORKS = {"interbank": interbank, "fund_placements": funds}


def flat(network, snapshots, every=M):
    """The expected flat node and edge tables of the first `snapshots` snapshots."""
    nodes, edges = {}, {}
    for j in range(snapshots):
        n, e = NETWORKS[network](j * every, every)
        for key, values in n.items():
            nodes.setdefault(key, []).extend(values)
        nodes.setdefault("snapshot", []).extend([j] * len(n["node_kind"]))
        for key, values in e.items():
            edges.setdefault(key, []).extend(values)
        edges.setdefault("snapshot", []).extend([j] * len(e["source"]))
    return nodes, edges


# -- helpers --------------------------------------------------------------------

def run_writer(out, *args):
    proc = subprocess.run([str(EXE), str(out), "--steps", str(STEPS), "--indicators", str(K),
                           "--flush-every", str(F), "--event-every", str(E),
                           "--network-every", str(M), "--sleep-ms", "0", *map(str, args)],
                          capture_output=True, text=True, check=True)
    return proc.stdout.splitlines()


def recover(partial, out):
    proc = subprocess.run([str(EXE), "--recover", str(partial), str(out)],
                          capture_output=True, text=True, check=True)
    return int(proc.stdout.strip().split("=")[1])


def creation_order(group):
    names = []
    group.id.links.iterate(lambda n: names.append(n.decode()), idx_type=h5py.h5.INDEX_CRT_ORDER)
    return names


def text(value):
    """Fixed-length string attributes come back from h5py as numpy.bytes_."""
    return value.decode() if isinstance(value, bytes) else value


def load_reader():
    """bindings/python/pfsim/_results.py from the source tree, with a stand-in for
    the compiled `_core` (the file reader only calls its structure check)."""
    name = "_pfsim_source"
    if f"{name}._results" in sys.modules:
        return sys.modules[f"{name}._results"]
    src = REPO / "bindings" / "python" / "pfsim"
    package = types.ModuleType(name)
    package.__path__ = [str(src)]
    sys.modules[name] = package
    core = types.ModuleType(f"{name}._core")
    core.inspect_results_file = lambda path: 0  # the engine's structure check: not needed here
    core.ScenarioError = type("ScenarioError", (ValueError,), {})
    sys.modules[f"{name}._core"] = core
    spec = importlib.util.spec_from_file_location(f"{name}._results", src / "_results.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def node_kinds(ds, rows):
    """The first `rows` node kinds as str: text in a `.partial`, an enum of
    one-byte codes in a finished file (results format 2)."""
    members = h5py.check_enum_dtype(ds.dtype)
    if members is None:
        return ds.asstr()[:rows]
    names = {code: name for name, code in members.items()}
    return [names[c] for c in ds[:rows]]


def check_networks(f, *, min_snapshots=0, exact=True, every=M, slack=0):
    """Asserts the /networks contents of an open file against what the writer
    recorded (a snapshot every `every` steps). `exact`: a finished file (tables
    exactly as long as the snapshots cover); else a `.partial`, whose node/edge
    tables and snapshot columns may run ahead of `snapshot` after a kill in
    mid-flush. `slack`: how many snapshots the two networks may differ by (a kill
    inside a flush can fall between the two networks' batches). Returns the
    smaller snapshot count."""
    assert creation_order(f["networks"]) == ["interbank", "fund_placements"]
    counts = set()
    for network in NETWORKS:
        g = f["networks"][network]
        n = g["snapshot"].shape[0]  # written last in each flush: complete snapshots
        counts.add(n)
        assert n >= min_snapshots
        np.testing.assert_array_equal(g["snapshot"][:], np.arange(n))
        for column in ("day", "node_start", "node_count", "edge_start", "edge_count"):
            assert g[column].shape[0] == n if exact else g[column].shape[0] >= n
        np.testing.assert_array_equal(g["day"][:n], np.arange(n) * every)
        nodes, edges = flat(network, n, every)
        expected = [NETWORKS[network](j * every, every) for j in range(n)]
        counts_n = [len(nodes_j["node_kind"]) for nodes_j, _ in expected]
        counts_e = [len(edges_j["source"]) for _, edges_j in expected]
        np.testing.assert_array_equal(g["node_count"][:n], counts_n)
        np.testing.assert_array_equal(g["edge_count"][:n], counts_e)
        np.testing.assert_array_equal(g["node_start"][:n], np.cumsum([0] + counts_n)[:n])
        np.testing.assert_array_equal(g["edge_start"][:n], np.cumsum([0] + counts_e)[:n])

        rows = len(nodes.get("node_kind", []))
        ng = g["nodes"]
        assert ng["row"].shape[0] == rows if exact else ng["row"].shape[0] >= rows
        np.testing.assert_array_equal(ng["row"][:rows], np.arange(rows))
        assert list(node_kinds(ng["node_kind"], rows)) == nodes.get("node_kind", [])
        for column in ("snapshot", "node_index", *(ATTRS if network == "interbank" else ["aum"])):
            np.testing.assert_array_equal(ng[column][:rows], nodes.get(column, []))
        rows = len(edges.get("source", []))
        eg = g["edges"]
        assert eg["row"].shape[0] == rows if exact else eg["row"].shape[0] >= rows
        for column in ("snapshot", "source", "target", "weight"):
            np.testing.assert_array_equal(eg[column][:rows], edges.get(column, []))
    # Both networks get a snapshot at the same steps.
    assert max(counts) - min(counts) <= slack
    return min(counts)


# -- a finished file ------------------------------------------------------------

@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out = tmp_path_factory.mktemp("networks") / "results.h5"
    lines = run_writer(out, "--finish")
    assert lines[-1] == f"finished rows={STEPS}"
    return out


SNAPSHOTS = (STEPS + M - 1) // M
BATCH = (F + M - 1) // M  # most snapshots one flush can hold


def test_finished_file_layout(results):
    assert sorted(p.name for p in results.parent.iterdir()) == ["results.h5"]
    with h5py.File(results, "r") as f:
        assert creation_order(f) == ["timeseries", "events", "networks", "metadata"]
        assert check_networks(f) == SNAPSHOTS
        g = f["networks/interbank"]
        assert creation_order(g) == ["snapshot", "day", "node_start", "node_count",
                                     "edge_start", "edge_count", "nodes", "edges"]
        assert creation_order(g["nodes"]) == ["row", "snapshot", "node_kind_t", "node_kind",
                                              "node_index", *ATTRS]
        assert creation_order(g["edges"]) == ["row", "snapshot", "source", "target", "weight"]
        assert text(g.attrs["description"]) == "Test network: interbank claims."
        assert "held by `target`" in text(g.attrs["edge_direction"])
        assert text(f["networks/fund_placements"].attrs["description"]) == ""
        # Coordinates: dimension scales, sized exactly; the rest extendable.
        for path, dim in (("snapshot", "snapshot"), ("nodes/row", "row"), ("edges/row", "row")):
            ds = g[path]
            assert h5py.h5ds.is_scale(ds.id)
            assert text(ds.attrs["NAME"]) == dim
            assert ds.maxshape == ds.shape
        assert g["day"].maxshape == (None,)
        assert g["nodes/equity"].maxshape == (None,)
        assert text(g["day"].attrs["units"]) == "days since 2019-01-01"
        assert text(g["edges/weight"].attrs["units"]) == "RMB"
        assert g["nodes/node_index"].dtype == np.uint32
        assert g["edges/source"].dtype == np.uint32
        assert g["node_start"].dtype == np.int64
        assert np.isnan(g["nodes/equity"].attrs["_FillValue"])
        # node_kind: an enum of one-byte codes (kinds in name order), its type
        # named nodes/node_kind_t, with the CF categorical attributes; no
        # variable-length strings (no HDF5 global heap, docs/performance.md).
        kind = g["nodes/node_kind"]
        assert kind.dtype == np.uint8
        assert h5py.check_enum_dtype(kind.dtype) == {"bank": 0, "platform": 1}
        assert isinstance(g["nodes/node_kind_t"], h5py.Datatype)
        assert list(kind.attrs["flag_values"]) == [0, 1]
        assert text(kind.attrs["flag_meanings"]) == "bank platform"
        assert h5py.check_enum_dtype(f["networks/fund_placements/nodes/node_kind"].dtype) == {
            "fund": 0}
        # Event text stays variable-length.
        assert h5py.check_string_dtype(f["events/type"].dtype).length is None


@pytest.mark.parametrize("engine", ["h5netcdf", "netcdf4"])
def test_xarray_opens_every_network_group(results, engine):
    xr = require_module("xarray")
    require_module("netCDF4" if engine == "netcdf4" else "h5netcdf")
    with xr.open_dataset(results, group="networks/interbank", engine=engine) as ds:
        assert dict(ds.sizes) == {"snapshot": SNAPSHOTS}
        assert ds["day"].values[1] == np.datetime64("2019-01-04")  # decoded from "days since"
    with xr.open_dataset(results, group="networks/interbank/nodes", engine=engine) as ds:
        nodes, _ = flat("interbank", SNAPSHOTS)
        # Codes, named by the CF attribute flag_meanings (xarray does not decode
        # them; pfsim's reader and h5py's enum dtype do).
        kind = ds["node_kind"]
        meanings = kind.attrs["flag_meanings"].split()
        assert meanings == ["bank", "platform"]
        assert [meanings[c] for c in kind.values] == nodes["node_kind"]
        np.testing.assert_array_equal(ds["equity"].values, nodes["equity"])
    with xr.open_dataset(results, group="networks/interbank/edges", engine=engine) as ds:
        assert ds["weight"].attrs["units"] == "RMB"
        df = ds.to_dataframe()
        _, edges = flat("interbank", SNAPSHOTS)
        np.testing.assert_array_equal(df["source"].values, edges["source"])
    with xr.open_dataset(results, group="networks/fund_placements/edges", engine=engine) as ds:
        assert dict(ds.sizes) == {"row": 0}
    # The time series still open as before.
    with xr.open_dataset(results, group="timeseries", engine=engine) as ds:
        assert ds.sizes["date"] == STEPS


def expect_snapshot(network, s, snapshot):
    nodes, edges = NETWORKS[network](s)
    expected_nodes = pd.DataFrame(nodes, index=pd.RangeIndex(len(nodes["node_kind"]), name="node"))
    expected_nodes["node_index"] = expected_nodes["node_index"].astype(np.uint32)
    expected_nodes["node_kind"] = expected_nodes["node_kind"].astype(object)
    expected_edges = pd.DataFrame(
        {"source": np.asarray(edges["source"], dtype=np.uint32),
         "target": np.asarray(edges["target"], dtype=np.uint32),
         "weight": np.asarray(edges["weight"], dtype=np.float64)},
        index=pd.RangeIndex(len(edges["source"]), name="edge"))
    got_nodes, got_edges = snapshot  # a NamedTuple: unpacks as (nodes, edges)
    pd.testing.assert_frame_equal(got_nodes, expected_nodes)
    pd.testing.assert_frame_equal(got_edges, expected_edges)
    assert got_edges.attrs["units"] == {"weight": "RMB"}


def test_reader_networks_accessor(results):
    reader = load_reader()
    r = reader.open_results(results)
    assert r.network_names == ("interbank", "fund_placements")
    for network in NETWORKS:
        snaps = r.networks(network)
        assert list(snaps) == [START + pd.Timedelta(days=j * M) for j in range(SNAPSHOTS)]
        for j, (date, snapshot) in enumerate(snaps.items()):
            expect_snapshot(network, j * M, snapshot)
            assert snapshot.nodes is snapshot[0]
    # Column order: kind, index, then the attributes in declared order (the writer
    # was handed them as failed, equity, capital_ratio).
    nodes = r.networks("interbank")[START].nodes
    assert list(nodes.columns) == ["node_kind", "node_index", *ATTRS]
    with pytest.raises(KeyError, match="colending"):
        r.networks("colending")


# -- while running, and after a kill ------------------------------------------------

def Writer(out, *, flush_every=F, sleep_ms=2, network_every=M):
    """A running pfsim_kill_writer with networks whose announcements we follow."""
    return KillWriter(out, "--indicators", K, "--flush-every", flush_every, "--sleep-ms", sleep_ms,
                      "--event-every", E, "--network-every", network_every)


def test_swmr_reader_follows_a_running_writer(tmp_path):
    w = Writer(tmp_path / "live.h5", sleep_ms=5)
    try:
        w.wait_for_flushes(2)
        with h5py.File(w.partial, "r", swmr=True) as f:
            first = check_networks(f, min_snapshots=w.snapshots, exact=False, slack=BATCH)
            w.wait_for_flushes(3)
            # New batches become visible after refresh() (SWMR: no reopen needed).
            for network in NETWORKS:
                g = f["networks"][network]
                for ds in (g["snapshot"], g["day"], g["node_start"], g["node_count"],
                           g["edge_start"], g["edge_count"], *g["nodes"].values(),
                           *g["edges"].values()):
                    ds.refresh()
            later = check_networks(f, min_snapshots=w.snapshots, exact=False, slack=BATCH)
            assert later > first
        # The Python reader reads a running writer's `.partial` too.
        r = load_reader().open_results(w.partial)
        snaps = r.networks("interbank")
        assert len(snaps) >= later
        for j, snapshot in enumerate(snaps.values()):
            expect_snapshot("interbank", j * M, snapshot)
    finally:
        w.kill()


def test_kill_then_recover_carries_networks_over(tmp_path):
    w = Writer(tmp_path / "killed.h5")
    w.wait_for_flushes(4)
    w.kill()
    with h5py.File(w.partial, "r", swmr=True) as f:
        n = check_networks(f, min_snapshots=w.snapshots, exact=False, slack=BATCH)
    out = tmp_path / "recovered.h5"
    assert recover(w.partial, out) >= w.rows
    with h5py.File(out, "r") as f:  # a plain open: a normal finished file
        assert check_networks(f, slack=BATCH) == n
    r = load_reader().open_results(out)
    assert len(r.networks("fund_placements")) == n


def test_random_kills_while_writing_flat_out(tmp_path):
    """Kills land anywhere, inside flushes too (flush every row, a snapshot every
    step, no sleep): every complete snapshot is exact, and recover() cuts the
    node and edge tables to the complete snapshots."""
    rng = random.Random(20240607)
    for trial in range(6):
        out = tmp_path / f"flat{trial}.h5"
        w = Writer(out, flush_every=1, sleep_ms=0, network_every=1)
        w.wait_for_flushes(1)
        time.sleep(rng.uniform(0.0, 0.05))
        w.kill()
        with h5py.File(w.partial, "r", swmr=True) as f:
            n = check_networks(f, min_snapshots=1, exact=False, every=1, slack=1)
        recovered = tmp_path / f"recovered{trial}.h5"
        recover(w.partial, recovered)
        with h5py.File(recovered, "r") as f:
            assert check_networks(f, every=1, slack=1) == n
