// cps for any page: the checker as an ES module. Types: cps.d.ts (generated).
//   import { load, check } from "./cps.js";
//   await load();
//   const report = check("name: x\n");
import init, * as raw from "./cps_embed.js";

let loading = null;

export function load(url) {
  loading ??= init({ module_or_path: url ?? new URL("./cps_embed_bg.wasm", import.meta.url) });
  return loading.then(() => undefined);
}

export class ConvertError extends Error {
  constructor(report) {
    const n = report.files[0].diagnostics.filter((d) => d.severity === "error").length;
    super(`the config has ${n} error${n === 1 ? "" : "s"}; it was not converted`);
    this.report = report;
  }
}

export function check(text, options = {}) {
  return JSON.parse(raw.check(text, JSON.stringify(options)));
}

export function convert(text, to, options = {}) {
  try {
    return raw.convert(text, to, JSON.stringify(options));
  } catch (e) {
    if (typeof e === "string" && e.startsWith("{")) throw new ConvertError(JSON.parse(e));
    throw new Error(String(e));
  }
}
