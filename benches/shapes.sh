#!/usr/bin/env bash
# The clustering and whole-plan benchmark on every `cleave-gen` shape (docs/benchmarks.md,
# "Every graph shape"), measured side by side in one session. Not run in CI: it takes about
# 3 minutes a shape at a million nodes and needs networkit (`pip install networkit`).
#
#   benches/shapes.sh [WORKDIR]
#
# Environment: SHAPES (default: all six, then hubs with its ids shuffled: a shape name followed
# by `:shuffled` passes `--shuffle-ids`, so that ids no longer follow the communities),
# NODES (1000000), THREADS (2), ROUNDS (3: the default config's cluster phase and PLM are each
# timed this many times, a cleave run after each PLM run, and their medians compared, as well as
# the median of each cleave run over the PLM run before it; both vary by 20 % and more between
# runs of the same graph on this machine), CLEAVE and CLEAVE_GEN
# (default: target/release/cleave and target/release/cleave-gen, built first).
#
# For each shape:
#   - NODES nodes at 10 calls a node: networkit PLM's run time against `cleave plan`'s cluster
#     phase, with the default config and with benches/calls-only.toml (the calls alone, what PLM
#     gets); modularity Q on the raw call graph and NMI against the planted partition for all
#     three (networkit computes both, on the same graph);
#   - NODES nodes at 5 calls a node: the whole `cleave plan` (wall time, peak RSS, the load
#     phase's MB/s of JSON), and whether the plan is byte-identical on 1 thread and on THREADS.
# Prints one Markdown table row per shape; the runs' raw output stays in WORKDIR.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d)}
mkdir -p "$work"
shapes=${SHAPES:-lfr hubs noisy-modules layers uneven dense-core hubs:shuffled}
nodes=${NODES:-1000000}
threads=${THREADS:-2}
rounds=${ROUNDS:-3}
if [[ -z "${CLEAVE:-}" || -z "${CLEAVE_GEN:-}" ]]; then
    (cd "$here" && cargo build --release --quiet --bin cleave --bin cleave-gen)
fi
cleave=${CLEAVE:-$here/target/release/cleave}
gen=${CLEAVE_GEN:-$here/target/release/cleave-gen}
export RAYON_NUM_THREADS=$threads

# The value after `key` on the line of `file` matching `pattern` (first match).
field() { grep -m1 -- "$2" "$1" | sed -E "s/.*$3 +([0-9.]+).*/\1/"; }

echo "| shape | PLM s (median) | PLM Q | PLM NMI | cleave default s (median) | cleave / PLM, paired runs (median) | Q | NMI | calls only s | Q | NMI | plan at 5 calls a node s | peak MB | load MB/s | 1 = $threads threads |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
for spec in $shapes; do
    shape=${spec%%:*}
    shuffle=()
    if [[ $spec == *:shuffled ]]; then
        shuffle=(--shuffle-ids)
        shape=$shape-shuffled
    fi
    g10=$work/$shape-10.json g5=$work/$shape-5.json
    "$gen" --shape "${spec%%:*}" "${shuffle[@]}" --nodes "$nodes" --edges-per-node 10 --seed 1 -o "$g10" \
        --truth "$work/$shape-10.truth.json" 2>"$work/$shape-gen.log"
    "$cleave" plan "$g10" --out "$work/$shape-10-calls" --timings --quiet --fresh \
        -c "$here/benches/calls-only.toml" 2>"$work/$shape-10-calls.log"
    # The default config's runs alternate with PLM's (one after each), so that the machine's
    # drift falls on both alike.
    : >"$work/$shape-10-default.log"
    between=$(printf '%q ' "$cleave" plan "$g10" --out "$work/$shape-10-default" --timings \
        --quiet --fresh)
    between="$between 2>>$(printf '%q' "$work/$shape-10-default.log")"
    python3 "$here/benches/networkit_plm.py" "$g10" --threads "$threads" --runs "$rounds" \
        --between "$between" \
        --truth "$work/$shape-10.truth.json" --plan "$work/$shape-10-default/plan.json" \
        --plan "$work/$shape-10-calls/plan.json" >"$work/$shape-plm.log" 2>&1
    rm -f "$g10"
    "$gen" --shape "${spec%%:*}" "${shuffle[@]}" --nodes "$nodes" --edges-per-node 5 --seed 1 -o "$g5" \
        2>>"$work/$shape-gen.log"
    mb=$(awk "BEGIN { printf \"%.1f\", $(stat -c %s "$g5") / 1e6 }")
    /usr/bin/time -f "wall %e s, peak %M KB" "$cleave" plan "$g5" --out "$work/$shape-5" \
        --timings --quiet --fresh 2>"$work/$shape-5.log"
    RAYON_NUM_THREADS=1 "$cleave" plan "$g5" --out "$work/$shape-5-one" --quiet --fresh 2>/dev/null
    same=identical
    for f in plan.json plan.dot plan.md; do
        cmp -s "$work/$shape-5/$f" "$work/$shape-5-one/$f" || same="DIFFERENT ($f)"
    done
    rm -f "$g5"

    plm=$work/$shape-plm.log
    plm_s=$(field "$plm" "^PLM:" "PLM:")
    plm_q=$(field "$plm" "^PLM:" "modularity")
    plm_nmi=$(field "$plm" "^PLM NMI" "modules:")
    d_runs=$(grep -- "timing: cluster" "$work/$shape-10-default.log" |
        sed -E "s/.*cluster +([0-9.]+).*/\1/")
    d_s=$(sort -n <<<"$d_runs" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    # Each cleave run over the PLM run just before it; the median of those ratios.
    plm_runs=$(grep -m1 "^PLM:" "$plm" | sed -E 's/.*runs: ([0-9. ]+) s\).*/\1/' | tr ' ' '\n')
    paired=$(paste <(echo "$d_runs") <(echo "$plm_runs") | awk '$2 > 0 { print $1 / $2 }' |
        sort -n | awk '{ v[NR] = $1 } END { printf "%.2f", v[int((NR + 1) / 2)] }')
    d_q=$(field "$plm" "$shape-10-default/plan.json:" "modularity")
    d_nmi=$(field "$plm" "$shape-10-default/plan.json NMI" "modules:")
    c_s=$(field "$work/$shape-10-calls.log" "timing: cluster" "cluster")
    c_q=$(field "$plm" "$shape-10-calls/plan.json:" "modularity")
    c_nmi=$(field "$plm" "$shape-10-calls/plan.json NMI" "modules:")
    wall=$(field "$work/$shape-5.log" "^wall" "wall")
    peak=$(( $(field "$work/$shape-5.log" "^wall" "peak") / 1024 ))
    load=$(field "$work/$shape-5.log" "timing: load" "load")
    rate=$(awk "BEGIN { printf \"%.0f\", $mb / $load }")
    echo "| $shape | $plm_s | $plm_q | $plm_nmi | $d_s | $paired | $d_q | $d_nmi | $c_s | $c_q | $c_nmi | $wall | $peak | $rate | $same |"
done
echo "raw output in $work" >&2
