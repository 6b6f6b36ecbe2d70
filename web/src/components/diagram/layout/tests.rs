use super::*;

const SNOWFLAKE: &str = include_str!("../../../../../examples/snowflake.yaml");
const DATABRICKS: &str = include_str!("../../../../../examples/databricks.json");

fn check(text: &str) -> cps_core::Checked {
    cps_core::check(text, &cps_core::Options::default())
}

fn lay(c: &cps_core::Checked, width: i32) -> Layout {
    layout(c.config.as_ref().unwrap(), &c.diagnostics, &[], width)
}

/// A parent with `attrs` attributes and `behaviors` behaviors of 1–4 columns each, with long
/// names here and there.
fn big(attrs: usize, behaviors: usize) -> String {
    let mut s = String::from(
        "name: Big\ntimezone: UTC\nmaster:\n  connection: '1'\n  schema: PUBLIC\n  table: CUSTOMERS\n  key_column: CUSTOMER_ID\nattributes:\n",
    );
    for i in 0..attrs {
        let name = if i % 7 == 3 {
            format!("a_rather_long_attribute_name_number_{i}")
        } else {
            format!("attr_{i}")
        };
        s += &format!(
            "  - name: {name}\n    connection: '1'\n    schema: PUBLIC\n    table: CUSTOMERS\n    join: {{ table_key: CUSTOMER_ID, master_key: CUSTOMER_ID }}\n    column: COL_{i}\n    type: {}\n",
            if i % 2 == 0 { "string" } else { "number" }
        );
    }
    s += "behaviors:\n";
    for i in 0..behaviors {
        s += &format!(
            "  - name: behavior_{i}\n    connection: '1'\n    schema: PUBLIC\n    table: EVENTS_WITH_A_LONG_TABLE_NAME_{i}\n    join: {{ table_key: CUSTOMER_ID_IN_EVENTS, master_key: CUSTOMER_ID }}\n    time_column: TIME\n    columns:\n"
        );
        for j in 0..(1 + i % 4) {
            s += &format!(
                "      - {{ name: col_{j}, type: timestamp, column: SOURCE_COLUMN_{j} }}\n"
            );
        }
    }
    s
}

fn overlaps(a: (i32, i32, i32, i32), b: (i32, i32, i32, i32)) -> bool {
    a.0 < b.0 + b.2 && b.0 < a.0 + a.2 && a.1 < b.1 + b.3 && b.1 < a.1 + a.3
}

/// The geometry holds at every width: tables inside the drawing and apart, rows inside their
/// table and apart, join labels between the bus and their table.
fn assert_sound(l: &Layout) {
    let r = |t: &Table| (t.x, t.y, t.w, t.h);
    for (i, a) in l.tables.iter().enumerate() {
        assert!(
            a.x >= 0 && a.x + a.w <= l.width,
            "table {i} inside the width"
        );
        assert!(
            a.y >= 0 && a.y + a.h <= l.height,
            "table {i} inside the height"
        );
        for b in &l.tables[i + 1..] {
            assert!(
                !overlaps(r(a), r(b)),
                "{} and {} overlap",
                a.testid,
                b.testid
            );
        }
        let items = &l.items[a.items.clone()];
        for (j, it) in items.iter().enumerate() {
            assert!(
                it.x >= a.x && it.x + it.w <= a.x + a.w && it.y >= a.y && it.y + it.h <= a.y + a.h,
                "{} row {j} inside its table",
                a.testid
            );
            for other in &items[j + 1..] {
                assert!(
                    !overlaps(
                        (it.x, it.y, it.w, it.h),
                        (other.x, other.y, other.w, other.h)
                    ),
                    "{}: {} and {} overlap",
                    a.testid,
                    it.name,
                    other.name
                );
            }
        }
    }
    for e in &l.edges {
        let t = &l.tables[e.table];
        assert!(
            e.bus_y < e.y - 16 && e.y == t.y,
            "the label fits between bus and table"
        );
        // No bus crosses a table.
        for other in &l.tables {
            assert!(
                !(e.bus_y > other.y && e.bus_y < other.y + other.h),
                "bus over {}",
                other.testid
            );
        }
    }
}

#[test]
fn lays_out_the_template_with_join_keys_types_and_icons() {
    let c = check(SNOWFLAKE);
    let l = lay(&c, 560);
    assert_sound(&l);
    assert_eq!(l.tables.len(), 3);
    assert_eq!(l.items[0].name, "CUSTOMERS");
    assert_eq!(l.tables[0].kind, "Customers · PUBLIC");
    let names: Vec<_> = l.items.iter().map(|i| (i.kind, i.name.as_str())).collect();
    assert_eq!(
        &names[..5],
        &[
            (Kind::Header, "CUSTOMERS"),
            (Kind::Key, "CDP_CUSTOMER_ID"),
            (Kind::Field, "email"),
            (Kind::Field, "membership_tier"),
            (Kind::Field, "lifetime_value"),
        ]
    );
    // The source column only where it says more than the name.
    assert_eq!(l.items[2].source, None);
    assert_eq!(l.items[4].source.as_deref(), Some("LTV"));
    assert_eq!(l.items[4].type_.as_deref(), Some("number"));
    assert_eq!(l.edges.len(), 2);
    assert_eq!(l.edges[0].label, "CDP_CUSTOMER_ID → CDP_CUSTOMER_ID");
    assert_eq!(l.tables[2].kind, "Behavior · purchases");
    let svg = svg(&l, None, true, "", 1.0);
    assert!(svg.contains("CDP_CUSTOMER_ID → CDP_CUSTOMER_ID</text>"));
    // Every type TD names fits its badge uncut, even in the narrowest drawing.
    let narrow = lay(
        &check(&SNOWFLAKE.replace("type: number", "type: number_array")),
        300,
    );
    let ltv = narrow
        .items
        .iter()
        .find(|i| i.name == "lifetime_value")
        .unwrap();
    let (_, _, shown) = ltv.fitted(&narrow.tables[0]).badge.unwrap();
    assert_eq!(shown, "number_array");
    assert!(svg.contains(">timestamp<") || svg.contains(">string<"));
    // Icons are drawn, not characters: no emoji or pictographs anywhere.
    assert!(!svg.chars().any(
        |c| ('\u{1F000}'..='\u{1FFFF}').contains(&c) || ('\u{2300}'..='\u{23FF}').contains(&c)
    ));
    assert_eq!(l.unplaced, 0);
}

#[test]
fn a_click_selects_the_entry_and_a_selection_finds_its_element() {
    let c = check(SNOWFLAKE);
    let l = lay(&c, 560);
    let text = |s: Span| &SNOWFLAKE[s.range()];
    // The header selects the table's name, a key row its value, a field its whole entry.
    assert_eq!(text(l.items[0].jump), "CUSTOMERS");
    assert_eq!(text(l.items[1].jump), "CDP_CUSTOMER_ID");
    let ltv = &l.items[4];
    assert!(text(ltv.jump).starts_with("name: lifetime_value"));
    assert!(text(ltv.jump).ends_with("type: number"));
    // The selection inside an entry finds it; inside a behavior's keys, its table's header.
    let at = |needle: &str| SNOWFLAKE.find(needle).unwrap() as u32;
    assert_eq!(l.at(at("column: LTV")), Some(4));
    let orders = l.tables[2].items.start;
    assert_eq!(l.at(at("table: ORDERS")), Some(orders));
    assert_eq!(l.items[l.at(at("ORDERED_AT")).unwrap()].kind, Kind::Time);
    assert_eq!(l.items[l.at(at("SKU")).unwrap()].name, "sku");
    // Outside every entry: nothing.
    assert_eq!(l.at(at("timezone")), None);
}

#[test]
fn diagnostics_are_marked_on_their_element() {
    // An unknown type on one column (warning or error), and a behavior with both `all_columns`
    // and `columns` (an error on the table).
    let text = SNOWFLAKE
        .replace("{ name: sku, type: string", "{ name: sku, type: strang")
        .replace(
            "    time_column: ORDERED_AT\n",
            "    time_column: ORDERED_AT\n    all_columns: true\n",
        );
    let c = check(&text);
    let l = lay(&c, 560);
    let sku = l.items.iter().find(|i| i.name == "sku").unwrap();
    assert!(sku.mark.is_some(), "{:?}", c.diagnostics);
    assert!(
        sku.notes.iter().any(|n| n.contains("strang")),
        "{:?}",
        sku.notes
    );
    assert!(l.tables[2].errors);
    assert!(!l.tables[1].errors && l.tables[1].mark.is_none());
    assert!(!l.tables[0].errors);
    let svg = svg(&l, None, true, "", 1.0);
    assert!(svg.contains("data-testid=\"diagram-behavior-1\" data-error=\"true\""));
    assert!(svg.contains("class=\"me\""), "an error mark is drawn");
}

#[test]
fn the_flat_get_shape_and_json_lay_out() {
    let c = check(DATABRICKS);
    let l = lay(&c, 420);
    assert_sound(&l);
    assert!(l.tables.len() >= 2);
    let text = |s: Span| &DATABRICKS[s.range()];
    assert!(!text(l.items[0].jump).is_empty());
}

#[test]
fn forty_attributes_and_thirty_behaviors_stay_legible_at_every_width() {
    let text = big(40, 30);
    let c = check(&text);
    for width in [300, 428, 560, 621, 900, 1400] {
        let l = lay(&c, width);
        assert_sound(&l);
        assert_eq!(l.tables.len(), 31);
        assert_eq!(l.width, width);
        // Every row at least 260 px wide: a name and its type badge fit.
        assert!(
            l.items.iter().all(|i| i.w >= 250 || width < 560),
            "rows wide enough at {width}"
        );
    }
    // Wide panes put the attributes and the behaviors in columns.
    let wide = lay(&c, 1400);
    let narrow = lay(&c, 428);
    assert!(
        wide.height * 2 < narrow.height,
        "{} vs {}",
        wide.height,
        narrow.height
    );
}

#[test]
fn text_is_cut_to_fit_and_escaped() {
    assert_eq!(fit("short", 100.0, 13), "short");
    let cut = fit("a_very_long_name_that_does_not_fit", 100.0, 13);
    assert!(cut.ends_with('…'));
    assert!(text_width(&cut, 13) <= 100.0);
    assert_eq!(
        esc("<a href=\"x\">&'\u{1}"),
        "&lt;a href=&quot;x&quot;&gt;&amp;&#39;\u{FFFD}"
    );
    // A hostile name stays text.
    let text = SNOWFLAKE.replace("name: email", "name: \"<script>alert(1)</script>\"");
    let c = check(&text);
    let svg = svg(&lay(&c, 560), None, true, "", 1.0);
    assert!(!svg.contains("<script>"));
    assert!(svg.contains("&lt;script&gt;"));
}

#[test]
fn every_text_fits_its_row() {
    // The name and source end before the badges and marks, which stay inside the row (the
    // browser test measures the real glyphs).
    let text = big(40, 30).replace("type: number", "type: a_type_name_nobody_would_write");
    let c = check(&text);
    let uses = [SegmentUse {
        name: "s".into(),
        fields: vec!["attr_0".into(), "col_0".into(), "behavior_0".into()],
    }];
    for width in [300, 428, 621, 1400] {
        let l = layout(c.config.as_ref().unwrap(), &c.diagnostics, &uses, width);
        for it in &l.items {
            let f = it.fitted(&l.tables[it.table]);
            let font = if it.kind == Kind::Header { TITLE } else { FONT };
            let mut used = text_width(&f.name, font);
            if let Some(s) = &f.source {
                used += text_width(s, FONT);
            }
            assert!(
                f64::from(f.text_x) + used <= f64::from(f.text_end),
                "{} at {width}",
                it.name
            );
            if let Some(k) = &f.kind {
                assert!(f64::from(f.text_x) + text_width(k, SMALL) <= f64::from(it.x + it.w));
            }
            if let Some((x, w, _)) = f.badge {
                assert!(x > f.text_end && x + w <= it.x + it.w);
            }
            assert!(f.text_end > f.text_x + 40, "room for a name at {width}");
        }
    }
}

#[test]
fn segments_are_counted_on_the_fields_they_use() {
    let seg = "type: composable_segment\nname: VIP\nrule:\n  type: And\n  conditions:\n    - type: Value\n      leftValue: { name: lifetime_value }\n      operator: { type: Greater, not: false, rightValue: '1000' }\n    - type: Or\n      conditions:\n        - type: Value\n          leftValue: { name: sku }\n          operator: { type: Equal, not: false, rightValue: 'A' }\n        - type: Value\n          leftValue: { name: lifetime_value }\n          operator: { type: Greater, not: false, rightValue: '5' }\nactivations:\n  - name: to_crm\n    connection: crm\n    columns: [email]\n";
    let s = check(seg);
    let model = s.segment.as_ref().expect("a segment model");
    assert_eq!(fields_used(model), ["lifetime_value", "sku", "email"]);
    let uses = [
        SegmentUse::of("vip.yml", model),
        SegmentUse {
            name: "churn.yml".into(),
            fields: vec!["lifetime_value".into(), "purchases".into()],
        },
    ];
    let c = check(SNOWFLAKE);
    let l = layout(c.config.as_ref().unwrap(), &c.diagnostics, &uses, 560);
    let by = |n: &str| {
        l.items
            .iter()
            .find(|i| i.name == n)
            .unwrap()
            .used_by
            .clone()
    };
    assert_eq!(by("lifetime_value"), ["vip.yml", "churn.yml"]);
    assert_eq!(by("email"), ["vip.yml"]);
    assert_eq!(by("membership_tier"), Vec::<String>::new());
    // A behavior's name is used through its table's header.
    assert_eq!(by("ORDERS"), ["churn.yml"]);
    let svg = svg(&l, None, true, "", 1.0);
    assert!(svg.contains("used by 2 segments: vip.yml, churn.yml"));
}

#[test]
fn utf16_offsets_become_byte_offsets() {
    assert_eq!(byte_offset("abc", 2), 2);
    assert_eq!(byte_offset("abc", 9), 3);
    // "é" is 2 bytes and 1 unit; "😀" 4 bytes and 2 units.
    let t = "é😀x";
    assert_eq!(byte_offset(t, 1), 2);
    assert_eq!(byte_offset(t, 3), 6);
    assert_eq!(byte_offset(t, 4), 7);
}

#[test]
fn a_huge_config_is_drawn_in_part() {
    // 2,000 behaviors and 400 attributes: the drawing stops at its limits and says how much it
    // left out; of 20,000 diagnostics the first `MAX_MARKS` are marked.
    let text = big(400, 2000);
    let c = check(&text);
    let config = c.config.as_ref().unwrap();
    let many: Vec<Diagnostic> = (0..20_000u32)
        .map(|i| {
            let at = (i as usize * 97) % text.len();
            Diagnostic::new(cps_core::Code::InvalidType, "x", Span::new(at, at + 1))
        })
        .collect();
    let l = layout(config, &many, &[], 560);
    assert_eq!(l.tables.len(), 1 + MAX_BEHAVIORS);
    assert_eq!(
        l.items
            .iter()
            .filter(|i| i.table == 0 && i.kind == Kind::Field)
            .count(),
        MAX_ATTRIBUTES
    );
    let columns: usize = (MAX_BEHAVIORS..2000).map(|i| 1 + i % 4).sum();
    assert_eq!(
        l.hidden,
        (400 - MAX_ATTRIBUTES) + (2000 - MAX_BEHAVIORS),
        "{columns} columns of hidden tables are not counted"
    );
    assert_eq!(l.unmarked, 20_000 - MAX_MARKS);
    assert_eq!(
        l.items.iter().map(|i| i.notes.len()).sum::<usize>() + l.unplaced,
        MAX_MARKS
    );
    assert_sound(&l);
}
