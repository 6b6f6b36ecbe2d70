//! The data model as a live ER diagram: the Customers table on the left, each behavior table on
//! the right, joined 1-to-many on the customer key (crow's foot on the behavior side). A table
//! with errors is drawn in the error colour.

use crate::state::Shared;
use cps_core::Severity;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct DiagramProps {
    pub checked: crate::state::Shared,
}

const W: i32 = 250;
const ROW: i32 = 18;
const HEAD: i32 = 28;

fn has_errors(c: &Shared, prefix: &str) -> bool {
    c.diagnostics().iter().any(|d| {
        d.severity == Severity::Error
            && (d.path == prefix
                || d.path.starts_with(&format!("{prefix}."))
                || d.path.starts_with(&format!("{prefix}[")))
    })
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n - 1).collect::<String>() + "…"
    }
}

fn table_box(
    x: i32,
    y: i32,
    title: &str,
    subtitle: &str,
    rows: &[String],
    bad: bool,
    testid: String,
) -> Html {
    let h = HEAD + 16 + ROW * rows.len() as i32 + 8;
    html! {
        <g class={classes!("table", bad.then_some("bad"))} data-testid={testid} data-error={bad.to_string()}>
            <rect x={x.to_string()} y={y.to_string()} width={W.to_string()} height={h.to_string()} rx="6" class="box" />
            <rect x={x.to_string()} y={y.to_string()} width={W.to_string()} height={HEAD.to_string()} rx="6" class="head" />
            <text x={(x + 10).to_string()} y={(y + 19).to_string()} class="title">{truncate(title, 30)}</text>
            <text x={(x + 10).to_string()} y={(y + HEAD + 14).to_string()} class="sub">{truncate(subtitle, 36)}</text>
            { for rows.iter().enumerate().map(|(i, r)| html! {
                <text x={(x + 14).to_string()} y={(y + HEAD + 16 + ROW * (i as i32 + 1)).to_string()} class="row">{truncate(r, 34)}</text>
            }) }
        </g>
    }
}

#[function_component(Diagram)]
pub fn diagram(props: &DiagramProps) -> Html {
    let c = &props.checked;
    let Some(config) = &c.config else {
        return html! { <p class="blocked">{"The text does not parse yet."}</p> };
    };
    let v = |t: &Option<cps_core::config::model::Text>| {
        t.as_ref()
            .map(|t| t.value.to_string())
            .unwrap_or_else(|| "?".into())
    };
    let master = config.master.as_ref();
    let key = master
        .map(|m| v(&m.key_column))
        .unwrap_or_else(|| "?".into());
    let mut master_rows = vec![format!("PK {key}")];
    master_rows.extend(
        config
            .attributes
            .iter()
            .flat_map(|l| &l.items)
            .map(|a| format!("{} ← {} : {}", v(&a.name), v(&a.column), v(&a.type_))),
    );
    let master_title = master
        .map(|m| v(&m.table.table))
        .unwrap_or_else(|| "Customers".into());
    let master_sub = format!(
        "Customers · {}",
        master.map(|m| v(&m.table.schema)).unwrap_or_default()
    );
    let behaviors: Vec<_> = config
        .behaviors
        .iter()
        .flat_map(|l| l.items.iter().enumerate())
        .collect();
    let mut y = 20;
    let mut boxes = Vec::new();
    let mut links = Vec::new();
    let master_h = HEAD + 16 + ROW * master_rows.len() as i32 + 8;
    let master_key_y = 20 + HEAD + 16 + ROW - 5;
    for (i, b) in &behaviors {
        let mut rows = vec![
            format!("🔑 {}", v(&b.table_key)),
            format!("⏱ {}", v(&b.time_column)),
        ];
        rows.extend(b.columns.iter().flat_map(|l| &l.items).map(|col| {
            format!(
                "{} ← {} : {}",
                v(&col.name),
                v(&col.cdw_column),
                v(&col.type_)
            )
        }));
        let h = HEAD + 16 + ROW * rows.len() as i32 + 8;
        let bad = has_errors(c, &format!("behaviors[{i}]"));
        boxes.push(table_box(
            420,
            y,
            &v(&b.table.table),
            &format!("Behavior · {}", v(&b.name)),
            &rows,
            bad,
            format!("diagram-behavior-{i}"),
        ));
        let ty = y + HEAD + 16 + ROW - 5;
        let (x1, x2) = (20 + W, 420);
        links.push(html! {
            <g class="link">
                <path d={format!("M{x1},{master_key_y} C{},{master_key_y} {},{ty} {x2},{ty}", x1 + 70, x2 - 70)} class="edge" />
                <text x={(x1 + 6).to_string()} y={(master_key_y - 6).to_string()} class="card">{"1"}</text>
                // Crow's foot: many behavior rows per customer.
                <path d={format!("M{},{} L{x2},{} M{},{ty} L{x2},{ty} M{},{} L{x2},{}", x2 - 12, ty, ty - 7, x2 - 12, x2 - 12, ty, ty + 7)} class="crow" />
            </g>
        });
        y += h + 18;
    }
    let height = (y.max(master_h + 40)).max(120);
    // A GET response's master is its top level (`masterSchema`, a top-level connection id).
    let flat_master = [
        "masterSchema",
        "masterTable",
        "masterKeyColumn",
        "masterCatalog",
        "federatedQueryConfigId",
        "connectionId",
    ];
    let master_bad = has_errors(c, "master")
        || has_errors(c, "attributes")
        || (c.dialect == Some(cps_core::Dialect::Get)
            && flat_master.iter().any(|k| has_errors(c, k)));
    html! {
        <div class="diagram">
            <svg viewBox={format!("0 0 700 {height}")} width="100%" role="img" aria-label="Data model: the Customers table joined one-to-many to each behavior table" data-testid="diagram">
                { for links }
                { table_box(20, 20, &master_title, &master_sub, &master_rows, master_bad, "diagram-master".into()) }
                { for boxes }
            </svg>
            if behaviors.is_empty() { <p class="note">{"No behavior tables yet."}</p> }
            <p class="note">{"Each behavior table joins the Customers table one-to-many on the customer key. Tables with errors are outlined in red."}</p>
        </div>
    }
}
