//! Generated configs of any size, for the tests (`tests/hostile.rs`) and the benchmark
//! (`crates/xtask/src/bench.rs` includes this file).

/// A valid Snowflake config in tdx YAML with `behaviors` × `columns`.
pub fn tdx_config(behaviors: usize, columns: usize) -> String {
    let mut s = String::from(
        "name: Generated\ndescription: Generated config\ntimezone: UTC\nmaster:\n  connection: '167'\n  schema: PUBLIC\n  table: CUSTOMERS\n  key_column: ID\nattributes:\n  - name: email\n    connection: '167'\n    schema: PUBLIC\n    table: CUSTOMERS\n    join: { table_key: ID, master_key: ID }\n    column: EMAIL\n    type: string\nbehaviors:\n",
    );
    for b in 0..behaviors {
        s.push_str(&format!(
            "  - name: behavior_{b}\n    connection: '167'\n    schema: PUBLIC\n    table: EVENTS_{b}\n    join: {{ table_key: ID, master_key: ID }}\n    time_column: TIME\n    columns:\n"
        ));
        for c in 0..columns {
            s.push_str(&format!(
                "      - {{ name: col_{c}, type: string, column: COL_{c} }}\n"
            ));
        }
    }
    s
}
