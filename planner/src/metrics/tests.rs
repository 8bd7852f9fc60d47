//! Metrics on small decompositions computed by hand.

use analyzer::load_json;

use super::{decomposition_metrics, measure};

/// Two triangles a-b-c and d-e-f joined by c→d; weights 1.
fn two_triangles() -> analyzer::CallGraph {
    load_json(
        r#"{"nodes": [{"id": "a"}, {"id": "b"}, {"id": "c"}, {"id": "d"}, {"id": "e"}, {"id": "f"}],
            "edges": [{"from": "a", "to": "b"}, {"from": "b", "to": "c"}, {"from": "a", "to": "c"},
                      {"from": "d", "to": "e"}, {"from": "e", "to": "f"}, {"from": "d", "to": "f"},
                      {"from": "c", "to": "d"}]}"#,
    )
    .expect("valid")
}

#[test]
fn the_natural_split_of_two_triangles() {
    let g = two_triangles();
    let m = decomposition_metrics(&g, &[0, 0, 0, 1, 1, 1], 2);
    // Q = Σ e_c/m − (K_c/2m)²: each side 3/7 − (7/14)².
    let q = 2.0 * (3.0 / 7.0 - 0.25);
    assert!((m.modularity - q).abs() < 1e-12, "{}", m.modularity);
    // SM = (1/2)(3/9 + 3/9) − [σ/(2·3·3)·2]/1 = 1/3 − 1/9.
    assert!(
        (m.structural_modularity - (1.0 / 3.0 - 1.0 / 9.0)).abs() < 1e-12,
        "{}",
        m.structural_modularity
    );
    assert!((m.inter_call_percentage - 1.0 / 7.0).abs() < 1e-12);
    // One member (d) is called from the other service: IFN = 1/2.
    assert_eq!(m.interface_number, 0.5);
    // Both services have 3 < 5 members: all extreme.
    assert_eq!(m.non_extreme_distribution, 1.0);
    let s = measure(&g, &[0, 0, 0, 1, 1, 1], 2).1;
    assert_eq!(s[0].outgoing_weight, 1.0);
    assert_eq!(s[1].incoming_weight, 1.0);
    assert_eq!(s[1].interface_members, 1);
    assert!((s[0].cohesion - 0.75).abs() < 1e-12);
    assert_eq!(s[0].coupled_services, 1);
}

#[test]
fn one_service_has_zero_modularity_and_no_inter_calls() {
    let g = two_triangles();
    let m = decomposition_metrics(&g, &[0; 6], 1);
    assert!(m.modularity.abs() < 1e-12);
    assert_eq!(m.inter_call_percentage, 0.0);
    assert_eq!(m.interface_number, 0.0);
    // 6 members in one service of size 5–20: none extreme.
    assert_eq!(m.non_extreme_distribution, 0.0);
}

#[test]
fn a_bad_split_scores_worse() {
    let g = two_triangles();
    let good = decomposition_metrics(&g, &[0, 0, 0, 1, 1, 1], 2);
    let bad = decomposition_metrics(&g, &[0, 1, 0, 1, 0, 1], 2);
    assert!(bad.modularity < good.modularity);
    assert!(bad.structural_modularity < good.structural_modularity);
    assert!(bad.inter_call_percentage > good.inter_call_percentage);
}
