//! The exports: snapshots for the small plan, hostile names, ids, and the DOT diagram's caps.

use crate::render::{self, DiagramOptions};

use super::{mermaid, plantuml, structurizr};

fn small_plan() -> crate::Plan {
    crate::render::tests::small_plan()
}

#[test]
fn mermaid_snapshot() {
    insta::assert_snapshot!(mermaid::mermaid(&small_plan(), &DiagramOptions::default()));
}

#[test]
fn structurizr_snapshot() {
    insta::assert_snapshot!(structurizr::structurizr(
        &small_plan(),
        &DiagramOptions::default()
    ));
}

#[test]
fn plantuml_snapshot() {
    insta::assert_snapshot!(plantuml::plantuml(
        &small_plan(),
        &DiagramOptions::default()
    ));
}

/// A plan whose first service has a name and an id full of each language's syntax.
pub(crate) fn hostile_plan() -> crate::Plan {
    let mut p = small_plan();
    let hostile = "a\"b\\\"]) --> x; %% c #d <b>e</b> **f** //g// [[h]] `i` $$j$$ ${k} %date() \n!include l |m| {n} @enduml }";
    let old = p.clusters[0].id.clone();
    p.clusters[0].id = hostile.to_string();
    p.clusters[0].name = hostile.to_string();
    p.clusters[1].name = hostile.to_string();
    for c in &mut p.cross_calls {
        if c.from == old {
            c.from = hostile.to_string();
        }
        if c.to == old {
            c.to = hostile.to_string();
        }
    }
    for s in &mut p.data_stores {
        s.name = hostile.to_string();
    }
    p
}

#[test]
fn mermaid_labels_cannot_escape_their_quotes() {
    assert_eq!(
        mermaid::text("a\"b #c <d> `e` ;|"),
        "a#quot;b #35;c #60;d#62; #96;e#96; #59;#124;"
    );
    let text = mermaid::mermaid(&hostile_plan(), &DiagramOptions::default());
    for line in text.lines().skip(4) {
        // Our own syntax only: every quote opens or closes a label, nothing input-made is left.
        assert_eq!(line.matches('"').count() % 2, 0, "{line}");
        for bad in ["%%", "<b>", "`", "$$", "--> x"] {
            assert!(
                !line.contains(bad) || line.trim_start().starts_with("%%"),
                "{bad} in {line}"
            );
        }
    }
    assert!(!text.contains('\u{a}') || text.lines().all(|l| !l.contains("!include")));
}

#[test]
fn plantuml_text_is_code_points_for_punctuation() {
    assert_eq!(
        plantuml::text("a\"b %d() **e** \\n"),
        "a<U+0022>b <U+0025>d() <U+002A><U+002A>e<U+002A><U+002A> <U+005C>n"
    );
    let text = plantuml::plantuml(&hostile_plan(), &DiagramOptions::default());
    for line in text.lines() {
        assert!(!line.contains("%date"), "{line}");
        assert!(!line.contains("**"), "{line}");
        if !line.starts_with('\'') {
            assert_eq!(line.matches('"').count() % 2, 0, "{line}");
        }
    }
    assert_eq!(text.matches("@enduml").count(), 1);
}

#[test]
fn structurizr_strings_hold_no_quote_or_substitution() {
    assert_eq!(structurizr::text("a\"b\\ ${c}"), "a'b\u{2216} $ {c}");
    let text = structurizr::structurizr(&hostile_plan(), &DiagramOptions::default());
    for line in text.lines() {
        assert_eq!(line.matches('"').count() % 2, 0, "{line}");
        assert!(!line.contains("${"), "{line}");
    }
}

#[test]
fn ids_are_the_planners_or_positional() {
    let p = hostile_plan();
    let scene = super::scene(&p, &DiagramOptions::default());
    for (id, _) in &scene.services {
        assert!(
            id.chars().all(|c| c.is_ascii_alphanumeric()),
            "{id} is an identifier"
        );
    }
    assert_eq!(scene.services[0].0, "x1", "a hostile id is replaced");
    assert_eq!(
        scene.services[1].0, p.clusters[1].id,
        "the planner's id is kept"
    );
    for link in &scene.links {
        assert!(scene.services.iter().any(|(id, _)| *id == link.from));
        assert!(scene.services.iter().any(|(id, _)| *id == link.to));
    }
}

/// The exports draw what the DOT diagram draws: the same services, links and stores, capped.
#[test]
fn exports_keep_the_dot_diagrams_caps() {
    let mut p = small_plan();
    let template = p.clusters[1].clone();
    for i in 0..render::MAX_DRAWN_SERVICES + 10 {
        let mut s = template.clone();
        s.id = format!("s{}", i + 100);
        s.name = format!("extra{i}");
        p.clusters.push(s);
    }
    let scene = super::scene(&p, &DiagramOptions::default());
    assert_eq!(scene.services.len(), render::MAX_DRAWN_SERVICES);
    assert!(scene.rest.is_some());
    assert!(
        scene
            .left_out
            .iter()
            .any(|n| n.contains("smallest services are drawn as one node")),
        "{:?}",
        scene.left_out
    );
    let text = mermaid::mermaid(&p, &DiagramOptions::default());
    assert!(text.contains("rest[["));
}

/// Past 40 services plan.md embeds only the heaviest links, and says so.
#[test]
fn big_plans_embed_the_heaviest_links_in_plan_md() {
    let mut p = small_plan();
    let template = p.clusters[1].clone();
    let call = p.cross_calls[0].clone();
    for i in 0..render::MATRIX_FROM {
        let mut s = template.clone();
        s.id = format!("s{}", i + 100);
        p.clusters.push(s);
        for j in 0..3 {
            let mut c = call.clone();
            c.from = format!("s{}", i + 100);
            c.to = format!("s{}", (i + j + 1) % render::MATRIX_FROM + 100);
            c.calls_per_day = (i * 3 + j) as f64;
            p.cross_calls.push(c);
        }
    }
    let md = render::markdown(&p);
    let all = p.cross_calls.len();
    assert!(
        md.contains(&format!("Only the 60 heaviest of {all} links")),
        "{md}"
    );
    let block = md
        .split("```mermaid\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a mermaid block");
    assert_eq!(
        block.matches("-->").count() + block.matches("-.->").count(),
        60
    );
}
