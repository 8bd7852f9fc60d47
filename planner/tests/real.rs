//! Decomposition quality on real monoliths (tests/fixtures/real: the real method-level call graphs
//! of four Java applications with the experts' decompositions, from the ASE 2024 artifact of Wang,
//! Bornais & Rubin; see its SOURCES.md): MoJoFM against the expert through [`planner::compare`],
//! automatic and told the expert's number of services. Run with `--nocapture` to see the table
//! (docs/quality.md).

use std::path::PathBuf;

use planner::{Config, compare, parse_reference, plan};

/// The apps, each with the MoJoFM of the best tool overall (Mosaic) on it, and the floor of
/// cleave's score told the expert's count: Mosaic's (the target; docs/quality.md).
const APPS: [(&str, f64, f64); 4] = [
    ("spring-petclinic", 69.44, 69.44),
    ("7ep-demo", 66.78, 66.78),
    ("jpetstore", 89.47, 89.47),
    ("partsunlimited", 86.21, 86.21),
];

/// MoJoFM, service count and expert service count of one app's plan, automatic (`None`) or
/// told `k`.
fn score(app: &str, services: Option<usize>) -> (f64, usize, usize) {
    score_with_seed(app, services, None)
}

/// One of an app's fixture files.
fn read(app: &str, file: &str) -> String {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/real");
    std::fs::read_to_string(dir.join(app).join(file)).expect("fixture")
}

/// [`score`] with the clustering's seed set (`None`: the default).
fn score_with_seed(app: &str, services: Option<usize>, seed: Option<u64>) -> (f64, usize, usize) {
    let graph = analyzer::load_json(&read(app, "callgraph.json")).expect("graph loads");
    let reference = parse_reference(&read(app, "expert.json")).expect("expert loads");
    let mut config = Config::default();
    config.clustering.services = services;
    if let Some(seed) = seed {
        config.clustering.seed = seed;
    }
    let p = plan(&graph, &config).expect("plans");
    let c = compare(&p, &reference);
    if let Some(told) = services {
        // Told fewer than the automatic plan's services, the plan merges those whole.
        let count = p.service_count.as_ref().expect("the count's reason");
        let automatic = count.automatic.expect("the automatic count");
        assert!(
            automatic >= told,
            "{app}: {automatic} automatic services, told {told}"
        );
        assert!(count.reason.contains("merged whole"), "{}", count.reason);
        // The notes name the automatic services each service merges.
        let merged = format!("services merged into the {told} asked for: ");
        let note = p.notes.iter().find_map(|n| n.split_once(&merged));
        assert!(automatic == told || note.is_some(), "{app}: {:?}", p.notes);
        // Each service that merges several is named for the largest: `s1 catalog = catalog + …`.
        for part in note.map_or("", |(_, parts)| parts).split("; ") {
            let Some((service, joined)) = part.split_once(" = ") else {
                continue;
            };
            let name = service.split_once(' ').map_or("", |(_, name)| name);
            assert_eq!(joined.split(" + ").next(), Some(name), "{app}: {part}");
        }
    }
    (c.mojofm, c.plan_services, c.reference_services)
}

#[test]
fn mojofm_on_real_monoliths() {
    println!(
        "| app | MoJoFM auto | services auto | MoJoFM at expert count | expert services | Mosaic |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    let (mut auto_sum, mut exact_sum) = (0.0, 0.0);
    for (app, mosaic, floor) in APPS {
        let (auto, k_auto, k) = score(app, None);
        let (exact, k_exact, _) = score(app, Some(k));
        println!("| {app} | {auto:.1} | {k_auto} | {exact:.1} | {k} | {mosaic:.1} |");
        assert_eq!(k_exact, k, "{app}: --services not honoured");
        // A reviewer accepts at most twice the experts' count (issue 11).
        assert!(k_auto <= 2 * k, "{app}: {k_auto} services, expert {k}");
        // Told the count, at least what the best published tool overall scores on the app,
        // where cleave reaches it.
        assert!(
            exact >= floor,
            "{app}: {exact:.1} below its floor {floor:.1} (Mosaic {mosaic:.1})"
        );
        auto_sum += auto;
        exact_sum += exact;
    }
    let n = APPS.len() as f64;
    println!(
        "| mean | {:.1} | | {:.1} | | |",
        auto_sum / n,
        exact_sum / n
    );
    // Floors a little under today's figures (docs/quality.md), so a change that costs quality
    // on real code fails CI.
    assert!(
        auto_sum / n >= 86.0,
        "automatic MoJoFM fell to {:.1}",
        auto_sum / n
    );
    // The target is 85; today's mean is 86.8.
    assert!(
        exact_sum / n >= 86.0,
        "exact-count MoJoFM fell to {:.1}",
        exact_sum / n
    );
}

/// Most a seed may move an app's MoJoFM: a few nodes (of 133 to 440) placed differently, not a
/// different decomposition. PetClinic, 7ep-demo and PartsUnlimited score the same at every seed;
/// JPetStore within 1.0 point in both modes at seeds 1–4 (2.7 at seed 0, where seven of `Item`'s
/// methods join the line items; docs/quality.md).
const SEED_TOLERANCE: f64 = 1.5;

/// The plans do not hinge on the seed: before the consensus of Leiden runs, 7ep-demo scored 81.8
/// to 87.6 told the expert's count depending on it (docs/quality.md).
#[test]
fn real_plans_do_not_depend_on_the_seed() {
    for (app, _, _) in APPS {
        let (auto, _, k) = score(app, None);
        let (exact, _, _) = score(app, Some(k));
        for seed in 1..=4 {
            let other = score_with_seed(app, None, Some(seed)).0;
            assert!(
                (other - auto).abs() <= SEED_TOLERANCE,
                "{app} seed {seed}: {other} against {auto}"
            );
            let other = score_with_seed(app, Some(k), Some(seed)).0;
            assert!(
                (other - exact).abs() <= SEED_TOLERANCE,
                "{app} seed {seed}, told {k}: {other} against {exact}"
            );
        }
    }
}

/// Told more services than the automatic plan has, the plan splits the automatic services rather
/// than starting over from Leiden's clusters: each service is a piece of one automatic service
/// (nodes with calls; isolated nodes are placed afterwards), the count's sentence says so, and a
/// note names the pieces. Before, one more service than the automatic count reshuffled the plan
/// (PetClinic told 6 scored 90.6 MoJoFM against its own plan told 5; docs/quality.md).
#[test]
fn told_more_than_the_automatic_plan_splits_its_services() {
    for (app, _, _) in APPS {
        let graph = analyzer::load_json(&read(app, "callgraph.json")).expect("graph loads");
        let automatic = plan(&graph, &Config::default()).expect("plans");
        let told = automatic.clusters.len() + 2;
        let mut config = Config::default();
        config.clustering.services = Some(told);
        let p = plan(&graph, &config).expect("plans");
        assert_eq!(p.clusters.len(), told, "{app}");
        let count = p.service_count.as_ref().expect("the count's reason");
        assert_eq!(count.automatic, Some(automatic.clusters.len()), "{app}");
        assert!(count.reason.contains("split into"), "{}", count.reason);
        let split = format!("services split into the {told} asked for: ");
        assert!(
            p.notes.iter().any(|n| n.contains(&split)),
            "{app}: {:?}",
            p.notes
        );
        let isolated: std::collections::HashSet<&str> =
            p.isolated.iter().map(String::as_str).collect();
        let home: std::collections::HashMap<&str, usize> = automatic
            .clusters
            .iter()
            .enumerate()
            .flat_map(|(s, c)| c.members.iter().map(move |m| (m.as_str(), s)))
            .collect();
        for c in &p.clusters {
            let from: std::collections::BTreeSet<usize> = c
                .members
                .iter()
                .filter(|m| !isolated.contains(m.as_str()))
                .map(|m| home[m.as_str()])
                .collect();
            assert!(from.len() <= 1, "{app}: {} holds parts of {from:?}", c.name);
        }
    }
}
