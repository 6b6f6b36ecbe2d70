//! `cargo xtask wasm-sizes FILE.wasm [--top N] [--grep TEXT]`: where a wasm module's bytes are.
//!
//! twiggy would do this but cannot be installed here (no `cargo install`), so this reads the
//! module itself: the size of each function body in the code section, named by the `name`
//! section (demangled), summed by crate (the first path segment of the name, for
//! `<T as Trait>::f` the crate of `T`), plus the data section. Sizes are raw bytes of the file
//! given; gzip shrinks code and data differently, so compare like with like. For a module as
//! shipped, keep its names: `wasm-bindgen` keeps them by default and `wasm-opt -Oz -g` keeps
//! them through optimisation (`cargo xtask build-web` strips them).

use std::collections::HashMap;

type Result<T = ()> = std::result::Result<T, String>;

fn leb(d: &[u8], i: &mut usize) -> Result<u64> {
    let (mut r, mut s) = (0u64, 0u32);
    loop {
        let b = *d.get(*i).ok_or("truncated LEB128")?;
        *i += 1;
        r |= u64::from(b & 0x7f) << s;
        s += 7;
        if b < 0x80 {
            return Ok(r);
        }
        if s > 63 {
            return Err("LEB128 too long".into());
        }
    }
}

/// One function: its index, name and body size in bytes.
pub struct Func {
    pub name: String,
    pub size: usize,
}

pub struct Module {
    pub funcs: Vec<Func>,
    pub sections: Vec<(String, usize)>,
    pub data_segments: Vec<usize>,
}

pub fn read(d: &[u8]) -> Result<Module> {
    if d.get(..4) != Some(b"\0asm") {
        return Err("not a wasm module".into());
    }
    let mut i = 8;
    let mut imported_funcs = 0u64;
    let mut bodies: Vec<usize> = Vec::new();
    let mut names: HashMap<u64, String> = HashMap::new();
    let mut sections = Vec::new();
    let mut data_segments = Vec::new();
    while i < d.len() {
        let id = d[i];
        i += 1;
        let len = leb(d, &mut i)? as usize;
        let start = i;
        let end = start + len;
        let mut j = start;
        let label = match id {
            0 => {
                let n = leb(d, &mut j)? as usize;
                let name = String::from_utf8_lossy(&d[j..j + n]).into_owned();
                j += n;
                if name == "name" {
                    while j < end {
                        let sub = d[j];
                        j += 1;
                        let sl = leb(d, &mut j)? as usize;
                        let next = j + sl;
                        if sub == 1 {
                            let count = leb(d, &mut j)?;
                            for _ in 0..count {
                                let idx = leb(d, &mut j)?;
                                let n = leb(d, &mut j)? as usize;
                                let raw = String::from_utf8_lossy(&d[j..j + n]);
                                names.insert(idx, format!("{:#}", rustc_demangle::demangle(&raw)));
                                j += n;
                            }
                        }
                        j = next;
                    }
                }
                format!("custom {name}")
            }
            2 => {
                let count = leb(d, &mut j)?;
                for _ in 0..count {
                    for _ in 0..2 {
                        let n = leb(d, &mut j)? as usize;
                        j += n;
                    }
                    let kind = d[j];
                    j += 1;
                    match kind {
                        0 => {
                            leb(d, &mut j)?;
                            imported_funcs += 1;
                        }
                        1 => {
                            j += 1;
                            let flags = leb(d, &mut j)?;
                            leb(d, &mut j)?;
                            if flags & 1 == 1 {
                                leb(d, &mut j)?;
                            }
                        }
                        2 => {
                            let flags = leb(d, &mut j)?;
                            leb(d, &mut j)?;
                            if flags & 1 == 1 {
                                leb(d, &mut j)?;
                            }
                        }
                        3 => j += 2,
                        4 => {
                            j += 1;
                            leb(d, &mut j)?;
                        }
                        k => return Err(format!("unknown import kind {k}")),
                    }
                }
                "import".into()
            }
            10 => {
                let count = leb(d, &mut j)?;
                for _ in 0..count {
                    let n = leb(d, &mut j)? as usize;
                    bodies.push(n);
                    j += n;
                }
                "code".into()
            }
            11 => {
                let count = leb(d, &mut j)?;
                for _ in 0..count {
                    let flags = leb(d, &mut j)?;
                    if flags == 2 {
                        leb(d, &mut j)?;
                    }
                    if flags != 1 {
                        // A constant expression: skip to its `end` (0x0b).
                        while d[j] != 0x0b {
                            j += 1;
                        }
                        j += 1;
                    }
                    let n = leb(d, &mut j)? as usize;
                    data_segments.push(n);
                    j += n;
                }
                "data".into()
            }
            1 => "type".into(),
            3 => "function".into(),
            4 => "table".into(),
            5 => "memory".into(),
            6 => "global".into(),
            7 => "export".into(),
            8 => "start".into(),
            9 => "element".into(),
            12 => "datacount".into(),
            n => format!("section {n}"),
        };
        sections.push((label, len));
        i = end;
    }
    let funcs = bodies
        .into_iter()
        .enumerate()
        .map(|(k, size)| {
            let idx = imported_funcs + k as u64;
            Func {
                name: names.remove(&idx).unwrap_or_else(|| format!("func[{idx}]")),
                size,
            }
        })
        .collect();
    Ok(Module {
        funcs,
        sections,
        data_segments,
    })
}

/// The crate a function belongs to: the first path segment, looking through `<` and `&`
/// (`<alloc::vec::Vec<T> as Drop>::drop` is `alloc`'s).
pub fn crate_of(name: &str) -> &str {
    let s = name.trim_start_matches(['<', '&', '*', '(']);
    let s = s.strip_prefix("mut ").unwrap_or(s);
    let s = s.strip_prefix("dyn ").unwrap_or(s);
    let end = s.find(['[', ':', '>']).unwrap_or(s.len());
    let c = &s[..end];
    if c.is_empty() || c.contains(['<', ' ', '[']) {
        "(other)"
    } else {
        c
    }
}

pub fn main(args: &[String]) -> Result {
    let file = args
        .first()
        .ok_or("usage: cargo xtask wasm-sizes FILE.wasm [--top N] [--grep TEXT]")?;
    let top = flag(args, "--top").map_or(Ok(40), |v| v.parse().map_err(|_| "--top N"))?;
    let grep = flag(args, "--grep");
    let d = std::fs::read(file).map_err(|e| format!("{file}: {e}"))?;
    let m = read(&d)?;
    println!("{file}: {} bytes", d.len());
    for (name, len) in &m.sections {
        println!("  {name:<28} {len:>9}");
    }
    let data: usize = m.data_segments.iter().sum();
    println!(
        "  data segments: {} ({} bytes)",
        m.data_segments.len(),
        data
    );
    let mut by_crate: HashMap<&str, (usize, usize)> = HashMap::new();
    for f in &m.funcs {
        let e = by_crate.entry(crate_of(&f.name)).or_default();
        e.0 += f.size;
        e.1 += 1;
    }
    let code: usize = m.funcs.iter().map(|f| f.size).sum();
    let mut crates: Vec<_> = by_crate.into_iter().collect();
    crates.sort_by_key(|c| std::cmp::Reverse(c.1 .0));
    println!(
        "\ncode by crate ({} functions, {code} bytes):",
        m.funcs.len()
    );
    for (c, (size, n)) in crates.iter().take(top) {
        println!(
            "  {size:>8} {:>5.1}% {n:>5} fns  {c}",
            *size as f64 * 100.0 / code as f64
        );
    }
    let mut funcs: Vec<&Func> = m
        .funcs
        .iter()
        .filter(|f| grep.is_none_or(|g| f.name.contains(g)))
        .collect();
    funcs.sort_by_key(|f| std::cmp::Reverse(f.size));
    let total: usize = funcs.iter().map(|f| f.size).sum();
    println!(
        "\nlargest functions{} ({} functions, {total} bytes):",
        grep.map(|g| format!(" matching {g:?}")).unwrap_or_default(),
        funcs.len()
    );
    for f in funcs.iter().take(top) {
        let name: String = f.name.chars().take(150).collect();
        println!("  {:>7}  {name}", f.size);
    }
    Ok(())
}

fn flag<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
}
