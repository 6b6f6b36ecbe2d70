// The shared wrapper of both flavours of the checker: `cps.js` (JSON and YAML) and `cps-json.js`
// (JSON only, a third of the size). Both export the same API, typed by cps.d.ts; in the JSON-only
// one `checkSegment` throws (segments are tdx YAML) and a segment given to `check` gets one error.
export function makeApi(init, raw, wasmUrl) {
  let loading = null;

  class ConvertError extends Error {
    constructor(report) {
      const n = report.files[0].diagnostics.filter((d) => d.severity === "error").length;
      super(`the config has ${n} error${n === 1 ? "" : "s"}; it was not converted`);
      this.report = report;
    }
  }

  return {
    ConvertError,
    load(url) {
      loading ??= init({ module_or_path: url ?? wasmUrl });
      return loading.then(() => undefined);
    },
    check(text, options = {}) {
      return JSON.parse(raw.check(text, JSON.stringify(options)));
    },
    checkSegment(segment, parent, options = {}) {
      // Segments are tdx YAML: the JSON-only flavour has no segment reader (nor this export).
      if (!raw.checkSegment) throw new Error("checkSegment needs the full module (cps.js): segments are tdx YAML");
      return JSON.parse(raw.checkSegment(segment, parent, JSON.stringify(options)));
    },
    convert(text, to, options = {}) {
      try {
        return raw.convert(text, to, JSON.stringify(options));
      } catch (e) {
        if (typeof e === "string" && e.startsWith("{")) throw new ConvertError(JSON.parse(e));
        throw new Error(String(e));
      }
    },
  };
}
