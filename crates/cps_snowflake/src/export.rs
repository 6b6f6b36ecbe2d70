//! Tabular exports from Snowsight, the SQL API, BigQuery and Databricks: the catalog query's
//! result ([`crate::catalog`]) and the check pack's ([`crate::pack`]). CSV and TSV are read by
//! `csv-core` (the `csv` crate's state machine, without its I/O), JSON by serde without a
//! document tree. What is cps's own: picking the delimiter from the header, finding the wanted
//! columns by name in any case, and the bounds: at most [`MAX_EXPORT_BYTES`], [`MAX_ROWS`] rows
//! and [`MAX_FIELDS`] fields a row.

/// Rows read from one export at most (a catalog of a few schemas has a few thousand).
pub const MAX_ROWS: usize = 200_000;
/// Bytes read from one export at most.
pub const MAX_EXPORT_BYTES: usize = 64 * 1024 * 1024;
/// Fields in one row at most.
const MAX_FIELDS: usize = 4096;

/// Reads a tabular export and returns, for every data row, where it is (`line 3`, `row 2`) and
/// the values of the `wanted` columns in that order. `wanted` is `(name, accepted header names)`;
/// header names match in any case, with spaces for `_`.
pub fn parse_table(
    text: &str,
    wanted: &[(&str, &[&str])],
) -> Result<Vec<(String, Vec<String>)>, String> {
    if text.len() > MAX_EXPORT_BYTES {
        return Err(format!(
            "the export is over {MAX_EXPORT_BYTES} bytes; a catalog of the config's schemas is far smaller"
        ));
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.bytes().any(|b| b == 0) {
        return Err("this is a binary file, not a CSV, TSV or JSON export".into());
    }
    if text.trim().is_empty() {
        return Err("the export is empty".into());
    }
    match text.trim_start().as_bytes().first() {
        Some(b'[') | Some(b'{') => json_table(text, wanted),
        _ => delimited_table(text, wanted),
    }
}

fn norm_header(h: &str) -> String {
    h.trim()
        .trim_matches('"')
        .trim()
        .to_ascii_uppercase()
        .replace(' ', "_")
}

/// The index of every wanted column in `header`, or what is missing.
fn locate(header: &[String], wanted: &[(&str, &[&str])]) -> Result<Vec<usize>, String> {
    let normed: Vec<String> = header.iter().map(|h| norm_header(h)).collect();
    let mut idx = Vec::new();
    let mut missing = Vec::new();
    for (name, aliases) in wanted {
        match aliases
            .iter()
            .find_map(|a| normed.iter().position(|h| h == a))
        {
            Some(i) => idx.push(i),
            None => missing.push(*name),
        }
    }
    if missing.is_empty() {
        return Ok(idx);
    }
    let mut found: Vec<String> = header
        .iter()
        .take(12)
        .map(|h| {
            let mut s: String = h.chars().take(40).filter(|c| !c.is_control()).collect();
            if h.chars().count() > 40 {
                s.push('…');
            }
            s
        })
        .collect();
    if header.len() > 12 {
        found.push(format!("… ({} in all)", header.len()));
    }
    let want: Vec<&str> = wanted.iter().map(|(n, _)| *n).collect();
    Err(format!(
        "the export has no {} {}; its first row has: {} (the first row must name the columns {})",
        missing.join(", "),
        if missing.len() == 1 {
            "column"
        } else {
            "columns"
        },
        if found.is_empty() {
            "nothing".to_string()
        } else {
            found.join(", ")
        },
        want.join(", ")
    ))
}

fn too_many_rows() -> String {
    format!("the export has more than {MAX_ROWS} rows; limit the query to the config's schemas")
}

/// Records of a CSV or TSV text, read by csv-core's state machine (RFC 4180: quoted fields,
/// `""` for a quote, line breaks inside quotes, LF or CRLF line ends), with the line each record
/// starts on. Blank lines hold no record.
struct Records<'a> {
    reader: csv_core::Reader,
    input: &'a [u8],
    pos: usize,
    line: usize,
    fields: Vec<u8>,
    ends: Vec<usize>,
}

impl<'a> Records<'a> {
    fn new(s: &'a str, delim: u8) -> Self {
        Records {
            reader: csv_core::ReaderBuilder::new().delimiter(delim).build(),
            input: s.as_bytes(),
            pos: 0,
            line: 1,
            fields: vec![0; 1024],
            ends: vec![0; 64],
        }
    }

    /// The next record and the line it starts on.
    fn next_record(&mut self) -> Option<Result<(usize, Vec<String>), String>> {
        use csv_core::ReadRecordResult as R;
        while let Some(&b) = self.input.get(self.pos) {
            match b {
                b'\n' => self.line += 1,
                b'\r' => {}
                _ => break,
            }
            self.pos += 1;
        }
        if self.pos >= self.input.len() {
            return None;
        }
        let (start, start_line) = (self.pos, self.line);
        let (mut out, mut n_ends) = (0, 0);
        // Once the text is read, one line end is given to the reader: it closes the last record,
        // unless that record is inside a quoted field (then the reader keeps asking for input).
        let mut probing = false;
        loop {
            let input = if probing {
                &b"\n"[..]
            } else {
                &self.input[self.pos..]
            };
            let (result, n_in, n_out, n_end) =
                self.reader
                    .read_record(input, &mut self.fields[out..], &mut self.ends[n_ends..]);
            if !probing {
                self.pos += n_in;
            }
            out += n_out;
            n_ends += n_end;
            match result {
                R::InputEmpty if probing => {
                    return Some(Err(format!(
                        "line {start_line}: a quoted field is never closed (a `\"` is missing)"
                    )))
                }
                R::InputEmpty => probing = true,
                R::OutputFull => {
                    let more = self.fields.len().max(1024);
                    self.fields.resize(self.fields.len() + more, 0);
                }
                R::OutputEndsFull => {
                    if self.ends.len() >= MAX_FIELDS {
                        return Some(Err(format!(
                            "line {start_line} has more than {MAX_FIELDS} fields"
                        )));
                    }
                    self.ends.resize(self.ends.len() * 2, 0);
                }
                R::Record | R::End => {
                    self.line += self.input[start..self.pos]
                        .iter()
                        .filter(|&&b| b == b'\n')
                        .count();
                    if result == R::End && n_ends == 0 {
                        return None;
                    }
                    let mut fields = Vec::with_capacity(n_ends);
                    let mut from = 0;
                    for &end in &self.ends[..n_ends] {
                        fields.push(String::from_utf8_lossy(&self.fields[from..end]).into_owned());
                        from = end;
                    }
                    return Some(Ok((start_line, fields)));
                }
            }
        }
    }
}

fn delimited_table(
    text: &str,
    wanted: &[(&str, &[&str])],
) -> Result<Vec<(String, Vec<String>)>, String> {
    // The header decides the delimiter: the first one under which every wanted column is found.
    type Candidate = (u8, Vec<String>, Result<Vec<usize>, String>);
    let mut best: Option<Candidate> = None;
    // A header that does not parse under a delimiter (a quote never closed) rules that one out;
    // if none parses, the comma's error is reported.
    let mut comma_error = None;
    for delim in [b'\t', b',', b';', b'|'] {
        let mut r = Records::new(text, delim);
        let header = match r.next_record() {
            Some(Ok((_, h))) => h,
            Some(Err(e)) => {
                if delim == b',' {
                    comma_error = Some(e);
                }
                continue;
            }
            None => return Err("the export is empty".into()),
        };
        let located = locate(&header, wanted);
        let better = match &best {
            None => true,
            Some((_, h, Err(_))) => located.is_ok() || header.len() > h.len(),
            Some((_, _, Ok(_))) => false,
        };
        if better {
            best = Some((delim, header, located));
        }
    }
    let Some((delim, _, located)) = best else {
        return Err(comma_error.unwrap_or_else(|| "the export is empty".into()));
    };
    let idx = located?;
    let needed = idx.iter().copied().max().unwrap_or(0) + 1;
    let mut r = Records::new(text, delim);
    let _ = r.next_record();
    let mut rows = Vec::new();
    while let Some(rec) = r.next_record() {
        let (line, mut fields) = rec?;
        if fields.len() == 1 && fields[0].trim().is_empty() {
            continue;
        }
        if fields.len() < needed {
            return Err(format!(
                "line {line} has {} fields; the header needs at least {needed}",
                fields.len()
            ));
        }
        if rows.len() >= MAX_ROWS {
            return Err(too_many_rows());
        }
        let picked = idx
            .iter()
            .map(|&i| std::mem::take(&mut fields[i]))
            .collect();
        rows.push((format!("line {line}"), picked));
    }
    Ok(rows)
}

/// JSON exports, read without a document tree: an array of objects (`[{"TABLE_NAME": …}]`), an
/// array of arrays whose first row is the header, or the SQL API's result
/// (`{"resultSetMetaData": {"rowType": [{"name": …}]}, "data": [[…]]}`); an object whose `data`,
/// `rows` or `results` holds such an array is read too.
mod json_rows {
    use super::{too_many_rows, MAX_FIELDS, MAX_ROWS};
    use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
    use std::fmt;

    pub enum Row {
        Map(Vec<(String, String)>),
        List(Vec<String>),
    }

    #[derive(Default)]
    pub struct Doc {
        pub header: Option<Vec<String>>,
        pub rows: Option<Vec<Row>>,
    }

    /// A scalar as text; nested values become empty.
    struct Cell(String);

    impl<'de> Deserialize<'de> for Cell {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Cell;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("a value")
                }
                fn visit_str<E>(self, v: &str) -> Result<Cell, E> {
                    Ok(Cell(v.to_string()))
                }
                fn visit_string<E>(self, v: String) -> Result<Cell, E> {
                    Ok(Cell(v))
                }
                fn visit_bool<E>(self, v: bool) -> Result<Cell, E> {
                    Ok(Cell(v.to_string()))
                }
                fn visit_i64<E>(self, v: i64) -> Result<Cell, E> {
                    Ok(Cell(v.to_string()))
                }
                fn visit_u64<E>(self, v: u64) -> Result<Cell, E> {
                    Ok(Cell(v.to_string()))
                }
                fn visit_f64<E>(self, v: f64) -> Result<Cell, E> {
                    Ok(Cell(v.to_string()))
                }
                fn visit_unit<E>(self) -> Result<Cell, E> {
                    Ok(Cell(String::new()))
                }
                fn visit_none<E>(self) -> Result<Cell, E> {
                    Ok(Cell(String::new()))
                }
                fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Cell, D::Error> {
                    Cell::deserialize(d)
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Cell, A::Error> {
                    while a.next_element::<IgnoredAny>()?.is_some() {}
                    Ok(Cell(String::new()))
                }
                fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Cell, A::Error> {
                    while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                    Ok(Cell(String::new()))
                }
            }
            d.deserialize_any(V)
        }
    }

    impl<'de> Deserialize<'de> for Row {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Row;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("a row: an object or a list")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Row, A::Error> {
                    let mut v = Vec::new();
                    while let Some((k, c)) = a.next_entry::<String, Cell>()? {
                        if v.len() >= MAX_FIELDS {
                            return Err(de::Error::custom(format!(
                                "a row has more than {MAX_FIELDS} fields"
                            )));
                        }
                        v.push((k, c.0));
                    }
                    Ok(Row::Map(v))
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Row, A::Error> {
                    let mut v = Vec::new();
                    while let Some(c) = a.next_element::<Cell>()? {
                        if v.len() >= MAX_FIELDS {
                            return Err(de::Error::custom(format!(
                                "a row has more than {MAX_FIELDS} fields"
                            )));
                        }
                        v.push(c.0);
                    }
                    Ok(Row::List(v))
                }
            }
            d.deserialize_any(V)
        }
    }

    struct Rows(Vec<Row>);

    impl<'de> Deserialize<'de> for Rows {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Rows;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("a list of rows")
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Rows, A::Error> {
                    let mut v = Vec::new();
                    while let Some(r) = a.next_element::<Row>()? {
                        if v.len() > MAX_ROWS {
                            return Err(de::Error::custom(too_many_rows()));
                        }
                        v.push(r);
                    }
                    Ok(Rows(v))
                }
            }
            d.deserialize_seq(V)
        }
    }

    /// `rowType`: `[{"name": "TABLE_NAME", …}, …]` (or plain strings).
    struct Names(Vec<String>);

    impl<'de> Deserialize<'de> for Names {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Names;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("a list of column descriptions")
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Names, A::Error> {
                    let mut v = Vec::new();
                    while let Some(r) = a.next_element::<Row>()? {
                        if v.len() >= MAX_FIELDS {
                            return Err(de::Error::custom("too many columns"));
                        }
                        v.push(match r {
                            Row::Map(m) => m
                                .into_iter()
                                .find(|(k, _)| k.eq_ignore_ascii_case("name"))
                                .map(|(_, n)| n)
                                .unwrap_or_default(),
                            Row::List(l) => l.into_iter().next().unwrap_or_default(),
                        });
                    }
                    Ok(Names(v))
                }
            }
            d.deserialize_seq(V)
        }
    }

    /// A single string is a row of its own here (`rowType` entries may be plain names).
    impl<'de> Deserialize<'de> for Doc {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Doc;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("a list of rows, or an object holding one")
                }
                fn visit_seq<A: SeqAccess<'de>>(self, a: A) -> Result<Doc, A::Error> {
                    let rows = Rows::deserialize(de::value::SeqAccessDeserializer::new(a))?;
                    Ok(Doc {
                        header: None,
                        rows: Some(rows.0),
                    })
                }
                fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Doc, A::Error> {
                    let mut doc = Doc::default();
                    while let Some(k) = a.next_key::<String>()? {
                        match k.to_ascii_lowercase().as_str() {
                            "data" | "rows" | "results" | "result" | "resultset"
                                if doc.rows.is_none() =>
                            {
                                let inner = a.next_value::<Doc>()?;
                                doc.rows = inner.rows;
                                if doc.header.is_none() {
                                    doc.header = inner.header;
                                }
                            }
                            "rowtype" | "columns" if doc.header.is_none() => {
                                doc.header = Some(a.next_value::<Names>()?.0);
                            }
                            "resultsetmetadata" | "metadata" => {
                                let inner = a.next_value::<Doc>()?;
                                if doc.header.is_none() {
                                    doc.header = inner.header;
                                }
                            }
                            _ => {
                                a.next_value::<IgnoredAny>()?;
                            }
                        }
                    }
                    Ok(doc)
                }
            }
            d.deserialize_any(V)
        }
    }
}

fn json_table(
    text: &str,
    wanted: &[(&str, &[&str])],
) -> Result<Vec<(String, Vec<String>)>, String> {
    use serde::Deserialize;
    let mut de = serde_json::Deserializer::from_str(text);
    let doc = json_rows::Doc::deserialize(&mut de)
        .and_then(|d| de.end().map(|_| d))
        .map_err(|e| format!("the JSON export cannot be read: {e}"))?;
    let Some(rows) = doc.rows else {
        return Err("the JSON export holds no rows: expected a list of objects with the columns, or an object with `data`".into());
    };
    let mut rows = rows.into_iter().peekable();
    let header: Vec<String> = match (doc.header, rows.peek()) {
        (Some(h), _) => h,
        (None, Some(json_rows::Row::Map(m))) => m.iter().map(|(k, _)| k.clone()).collect(),
        (None, Some(json_rows::Row::List(_))) => match rows.next() {
            Some(json_rows::Row::List(h)) => h,
            _ => Vec::new(),
        },
        (None, None) => return Ok(Vec::new()),
    };
    let idx = locate(&header, wanted)?;
    let normed: Vec<String> = idx.iter().map(|&i| norm_header(&header[i])).collect();
    let mut out = Vec::new();
    for (n, row) in rows.enumerate() {
        if out.len() >= MAX_ROWS {
            return Err(too_many_rows());
        }
        let picked = match row {
            json_rows::Row::List(mut l) => idx
                .iter()
                .map(|&i| l.get_mut(i).map(std::mem::take).unwrap_or_default())
                .collect(),
            json_rows::Row::Map(m) => {
                let mut picked = vec![String::new(); normed.len()];
                for (k, v) in m {
                    let k = norm_header(&k);
                    if let Some(slot) = normed.iter().position(|w| *w == k) {
                        picked[slot] = v;
                    }
                }
                picked
            }
        };
        out.push((format!("row {}", n + 1), picked));
    }
    Ok(out)
}
