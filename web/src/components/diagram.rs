//! The data model as a live ER diagram: the Customers table on top with its key and attributes,
//! each behavior table below, joined one-to-many on the customer key (the join written on each
//! edge, a crow's foot on the behavior side). Laid out for the pane's width (`layout.rs`, pure
//! and tested natively), drawn as one SVG text that the page shows and the export buttons save.
//! A click on a table or field selects its text in the editor; the editor's selection highlights
//! the element it is in; errors and warnings are marked where they point.

pub mod layout;

use layout::{Layout, SegmentUse};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct DiagramProps {
    pub checked: crate::state::Shared,
    /// The checked text: the editor's selection arrives in UTF-16 offsets into it.
    pub text: AttrValue,
    /// Selects a range of the text in the editor (a click on a table or field).
    pub on_jump: Callback<cps_core::Span>,
    /// The editor's selection (UTF-16 `from`, `to`), while the diagram is shown.
    #[prop_or_default]
    pub selection: Option<(u32, u32)>,
    /// Segments open beside the parent: each field shows how many use it, and which (tooltip and
    /// accessible name). Build each with [`SegmentUse::of`] from a segment file's check.
    #[prop_or_default]
    pub segments: Rc<Vec<SegmentUse>>,
}

/// The drawing's scale: 1 unless the drawing is short enough to be drawn larger and still fit
/// the pane's height (a small config fills more of its pane; text is never below 13 px).
const SCALES: [f64; 3] = [1.3, 1.15, 1.0];

/// A layout that fits `width` px, drawn larger when it still fits `height`.
fn fit(
    c: &crate::state::Shared,
    segments: &[SegmentUse],
    width: i32,
    height: i32,
) -> (Layout, f64) {
    let config = c.config.as_ref().expect("checked by the caller");
    let mut last = None;
    for s in SCALES {
        let l = layout::layout(
            config,
            c.diagnostics(),
            segments,
            (f64::from(width) / s) as i32,
        );
        if f64::from(l.height) * s <= f64::from(height) || s == 1.0 {
            return (l, s);
        }
        last = Some(l);
    }
    (last.expect("SCALES ends with 1"), 1.0)
}

/// The pane's width and the height left below the diagram's top.
fn measure(el: &web_sys::Element) -> (i32, i32) {
    // The exact width, rounded down: `clientWidth` rounds to the nearest pixel, and a drawing
    // half a pixel too wide would be scaled down by `max-width`.
    let rect = el.get_bounding_client_rect();
    let (width, top) = (rect.width().floor() as i32, rect.top());
    let bottom = el
        .closest(".tab-body")
        .ok()
        .flatten()
        .map(|b| b.get_bounding_client_rect().bottom())
        .unwrap_or(top + 600.0);
    (width, (bottom - top - 16.0).max(200.0) as i32)
}

/// The page's value of each colour the style names, for a file that is read without the page.
fn exported_style(el: &web_sys::Element) -> String {
    let css = web_sys::window().and_then(|w| w.get_computed_style(el).ok().flatten());
    layout::style(&|name| {
        css.as_ref()
            .and_then(|s| s.get_property_value(name).ok())
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| "#777".into())
    })
}

/// Draws `svg` on a canvas at twice its size and offers it as a PNG.
fn export_png(svg: String, width: i32, height: i32) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type("image/svg+xml");
    let parts = js_sys::Array::of1(&JsValue::from_str(&svg));
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    let Ok(img) = web_sys::HtmlImageElement::new() else {
        return;
    };
    let loaded = img.clone();
    let src = url.clone();
    let onload = Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&src);
        let Ok(canvas) = doc.create_element("canvas") else {
            return;
        };
        let canvas: web_sys::HtmlCanvasElement = canvas.unchecked_into();
        canvas.set_width(width as u32 * 2);
        canvas.set_height(height as u32 * 2);
        let ctx = canvas
            .get_context("2d")
            .ok()
            .flatten()
            .and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok());
        if let Some(ctx) = ctx {
            let _ = ctx.draw_image_with_html_image_element_and_dw_and_dh(
                &loaded,
                0.0,
                0.0,
                f64::from(width * 2),
                f64::from(height * 2),
            );
            if let (Ok(data), Ok(a)) = (canvas.to_data_url(), doc.create_element("a")) {
                let a: web_sys::HtmlAnchorElement = a.unchecked_into();
                a.set_href(&data);
                a.set_download("data-model.png");
                a.click();
            }
        }
    });
    img.set_onload(Some(onload.unchecked_ref()));
    img.set_src(&url);
}

#[function_component(Diagram)]
pub fn diagram(props: &DiagramProps) -> Html {
    let canvas = use_node_ref();
    let size = use_state_eq(|| None::<(i32, i32)>);
    // Measured after the first paint and whenever the pane changes size (window, zoom, a
    // scrollbar): the drawing is laid out again for the width it has. The pane exists only
    // while there is a config to draw, so it is observed again when one appears.
    {
        let (canvas, size) = (canvas.clone(), size.clone());
        use_effect_with(props.checked.config.is_some(), move |_| {
            let observer = canvas.cast::<web_sys::Element>().and_then(|el| {
                size.set(Some(measure(&el)));
                let target = el.clone();
                let on_resize = Closure::<dyn Fn()>::new(move || size.set(Some(measure(&target))));
                let observer =
                    web_sys::ResizeObserver::new(on_resize.as_ref().unchecked_ref()).ok()?;
                observer.observe(&el);
                if let Some(body) = el.closest(".tab-body").ok().flatten() {
                    observer.observe(&body);
                }
                Some((observer, on_resize))
            });
            move || {
                if let Some((o, _closure)) = observer {
                    o.disconnect();
                }
            }
        });
    }
    let c = &props.checked;
    let drawn = use_memo(
        (c.clone(), props.segments.clone(), *size),
        |(c, segments, size)| match (size, &c.config) {
            (Some((w, h)), Some(_)) => Some(Rc::new(fit(c, segments, *w, *h))),
            _ => None,
        },
    );
    let selected = drawn.as_ref().as_ref().and_then(|d| {
        let (from, _) = props.selection?;
        d.0.at(layout::byte_offset(&props.text, from))
    });
    let svg = use_memo((drawn.clone(), selected), |(drawn, selected)| {
        drawn.as_ref().as_ref().map(|d| {
            let (l, s) = &**d;
            layout::svg(
                l,
                *selected,
                true,
                &layout::style(&|n| format!("var({n})")),
                *s,
            )
        })
    });

    if c.config.is_none() {
        let why = match c.kind {
            Some(cps_core::FileKind::Segment) => {
                "This is a segment file: the diagram draws a parent segment's tables."
            }
            _ => "The text does not read as a config yet: the diagram appears once it does.",
        };
        return html! { <p class="blocked">{why}</p> };
    }
    let jump = {
        let (drawn, on_jump) = (drawn.clone(), props.on_jump.clone());
        move |target: Option<web_sys::EventTarget>| {
            let el = target
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|e| e.closest("[data-el]").ok().flatten());
            let i = el.and_then(|e| e.get_attribute("data-el")?.parse::<usize>().ok());
            if let (Some(i), Some(d)) = (i, drawn.as_ref().as_ref()) {
                if let Some(item) = d.0.items.get(i) {
                    on_jump.emit(item.jump);
                }
            }
        }
    };
    let onclick = {
        let jump = jump.clone();
        Callback::from(move |e: MouseEvent| jump(e.target()))
    };
    let onkeydown = Callback::from(move |e: KeyboardEvent| {
        if e.key() == "Enter" || e.key() == " " {
            e.prevent_default();
            jump(e.target());
        }
    });
    let export = |png: bool| {
        let (drawn, canvas) = (drawn.clone(), canvas.clone());
        Callback::from(move |_| {
            let (Some(d), Some(el)) = (drawn.as_ref().as_ref(), canvas.cast::<web_sys::Element>())
            else {
                return;
            };
            let l = &d.0;
            let text = layout::svg(l, None, false, &exported_style(&el), 1.0);
            if png {
                export_png(text, l.width, l.height);
            } else {
                cps_bridge::browser::download("data-model.svg", "image/svg+xml", &text);
            }
        })
    };
    let (unplaced, hidden, unmarked) = drawn
        .as_ref()
        .as_ref()
        .map_or((0, 0, 0), |d| (d.0.unplaced, d.0.hidden, d.0.unmarked));
    let segments = props.segments.len();
    html! {
        <div class="diagram">
            <div class="diagram-bar">
                <p class="note">{"Click a table or field to select it in the editor; the editor's selection is highlighted here."}</p>
                <button onclick={export(false)} data-testid="diagram-svg">{"Export SVG"}</button>
                <button onclick={export(true)} data-testid="diagram-png">{"Export PNG"}</button>
            </div>
            <div class="diagram-canvas" data-testid="diagram-canvas" ref={canvas} {onclick} {onkeydown}>
                if let Some(svg) = (*svg).clone() { { Html::from_html_unchecked(AttrValue::from(svg)) } }
            </div>
            <p class="note">
                {"Each behavior table joins the Customers table one-to-many on the keys written on its edge. A key marks a join key, a clock the time column; the grey badges are types. Tables and fields with errors or warnings are outlined and marked."}
                if segments > 0 { {format!(" The blue badges count how many of the {segments} open segments use a field (hover for their names).")} }
                if hidden > 0 { {format!(" {hidden} attributes, behaviors or columns are not drawn: the drawing stops at {} attributes, {} behavior tables and {} columns a table.", layout::MAX_ATTRIBUTES, layout::MAX_BEHAVIORS, layout::MAX_COLUMNS)} }
                if unmarked > 0 { {format!(" The first {} errors and warnings are marked here; Problems lists all of them.", layout::MAX_MARKS)} }
                if unplaced > 0 { {format!(" {unplaced} {} to no table drawn here (top-level settings): see Problems.", if unplaced == 1 { "problem belongs" } else { "problems belong" })} }
            </p>
        </div>
    }
}
