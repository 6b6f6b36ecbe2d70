//! The cps studio: edit and check a Composable Parent Segment config entirely in the browser.
//! Nothing of the config leaves the page: checking is `cps_core` compiled to WebAssembly.

mod app;
mod components;
mod editor;
mod keyedit;
mod path;
mod project;
mod services;
mod state;
mod step_host;
mod typing;

fn main() {
    yew::Renderer::<app::App>::new().render();
}
