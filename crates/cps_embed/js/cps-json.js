// cps for pages that show the API's JSON body: the same API as cps.js without the YAML reader,
// a third of the download. YAML text gets a `yaml-unsupported` diagnostic, a segment (segments are
// tdx YAML) a `segment-file` one, and `checkSegment` throws. Types: cps-json.d.ts.
import init, * as raw from "./cps_embed_json.js";
import { makeApi } from "./cps-api.js";

export const { load, check, checkSegment, convert, ConvertError } = makeApi(init, raw, new URL("./cps_embed_json_bg.wasm", import.meta.url));
