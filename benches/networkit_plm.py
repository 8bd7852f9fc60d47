#!/usr/bin/env python3
"""Times networkit's parallel Louvain (PLM) on a cleave JSON call graph, for docs/benchmarks.md.

Not run in CI. Needs `pip install networkit` (and numpy, which it pulls in).

    python3 benches/networkit_plm.py GRAPH.json [--threads N] [--plan DIR/plan.json ...]
        [--truth TRUTH.json] [--refine] [--runs R] [--between COMMAND]

The graph is read as cleave's modularity sees it (planner/src/metrics.rs): undirected, weighted by
the raw call weight (`weight`, default 1), duplicate and reverse edges summed, `async` and
`confidence` ignored. Only `PLM.run()` is timed (not reading the file or building the graph); with
`--runs R`, R runs and their median (the first run's partition is the one measured). The
modularity of both partitions is computed by networkit on that same graph, so the two figures
compare like with like; with `--plan`, the modularity of cleave's services is printed too. With
`--truth` (the planted partition `cleave-gen --truth` writes), the NMI of each partition against it
(arithmetic normalisation, as benches/plan.rs computes it). With `--between`, a shell command run
after each PLM run (benches/shapes.sh runs `cleave plan` there), so that the two tools' runs
alternate and drift in the machine's speed, which is large on a shared machine, falls on both
alike; PLM's graph stays in memory meanwhile.
"""

import argparse
import json
import os
import subprocess
import sys
import time

import networkit as nk
import numpy as np


def load(path):
    """Reads the JSON call graph into an undirected weighted networkit graph; returns it and ids."""
    with open(path, "rb") as f:
        data = json.load(f)
    ids = [n["id"] for n in data["nodes"]]
    index = {i: k for k, i in enumerate(ids)}
    edges = data.get("edges", [])
    src = np.fromiter((index[e["from"]] for e in edges), dtype=np.int64, count=len(edges))
    dst = np.fromiter((index[e["to"]] for e in edges), dtype=np.int64, count=len(edges))
    w = np.fromiter((float(e.get("weight", 1.0)) for e in edges), dtype=np.float64, count=len(edges))
    del data, edges
    n = len(ids)
    lo, hi = np.minimum(src, dst), np.maximum(src, dst)
    keys, inverse = np.unique(lo * n + hi, return_inverse=True)
    weights = np.bincount(inverse, weights=w)
    g = nk.Graph(n, weighted=True, directed=False)
    g.addEdges((weights, ((keys // n).astype(np.uint64), (keys % n).astype(np.uint64))))
    assert g.numberOfEdges() == len(keys), "networkit merged or doubled edges"
    return g, ids


def nmi(a, b):
    """Normalised mutual information 2 I(A;B) / (H(A) + H(B)) of two labelings."""
    a = np.unique(np.asarray(a), return_inverse=True)[1].astype(np.int64)
    b = np.unique(np.asarray(b), return_inverse=True)[1].astype(np.int64)
    n, width = len(a), int(b.max()) + 1
    pa, pb = np.bincount(a) / n, np.bincount(b) / n
    keys, joint = np.unique(a * width + b, return_counts=True)
    pj = joint / n
    mi = (pj * np.log(pj / (pa[keys // width] * pb[keys % width]))).sum()
    ha, hb = -(pa * np.log(pa)).sum(), -(pb * np.log(pb)).sum()
    return 1.0 if ha + hb == 0 else 2 * mi / (ha + hb)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("graph")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--plan", action="append", default=[],
                    help="a cleave plan.json whose services' modularity to print (repeatable)")
    ap.add_argument("--truth", help="the planted partition, {\"node id\": community}")
    ap.add_argument("--refine", action="store_true", help="PLM with its refinement phase")
    ap.add_argument("--runs", type=int, default=1,
                    help="time this many PLM runs and print the median (run times vary a lot)")
    ap.add_argument("--between", help="a shell command run after each PLM run")
    args = ap.parse_args()

    nk.setNumberOfThreads(args.threads)
    t = time.perf_counter()
    g, ids = load(args.graph)
    load_s = time.perf_counter() - t
    print(f"graph: {g.numberOfNodes()} nodes, {g.numberOfEdges()} undirected weighted edges "
          f"(read and built in {load_s:.1f} s)")
    print(f"networkit {nk.__version__}, threads: {nk.getMaxNumberOfThreads()}")

    times, part = [], None
    for _ in range(max(1, args.runs)):
        plm = nk.community.PLM(g, refine=args.refine, gamma=1.0)
        t = time.perf_counter()
        plm.run()
        times.append(time.perf_counter() - t)
        # The first run's partition is the one measured (PLM on threads is not deterministic).
        part = part or plm.getPartition()
        if args.between:
            subprocess.run(args.between, shell=True, check=True)
    plm_s = sorted(times)[len(times) // 2]
    q = nk.community.Modularity().getQuality(part, g)
    name = "PLMR" if args.refine else "PLM"
    each = " ".join(f"{t:.2f}" for t in times)
    print(f"{name}: {plm_s:.2f} s, {part.numberOfSubsets()} communities, modularity {q:.4f} "
          f"(median of {len(times)} runs: {each} s)")
    truth = None
    if args.truth:
        with open(args.truth, "rb") as f:
            planted = json.load(f)
        truth = [planted[i] for i in ids]
        print(f"{name} NMI against the planted modules: {nmi(part.getVector(), truth):.4f}")

    index = {i: k for k, i in enumerate(ids)}
    for path in args.plan:
        with open(path, "rb") as f:
            plan = json.load(f)
        cleave = nk.Partition(len(ids))
        cleave.setUpperBound(len(plan["clusters"]))
        for s, service in enumerate(plan["clusters"]):
            for m in service["members"]:
                cleave[index[m]] = s
        q = nk.community.Modularity().getQuality(cleave, g)
        print(f"cleave plan {path}: {len(plan['clusters'])} services, modularity {q:.4f} "
              f"(plan.json says {plan['metrics']['modularity']})")
        if truth is not None:
            vector = [cleave[k] for k in range(len(ids))]
            print(f"cleave plan {path} NMI against the planted modules: {nmi(vector, truth):.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
