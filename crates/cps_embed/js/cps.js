// cps for any page: the checker as an ES module, JSON and YAML. Types: cps.d.ts (generated).
//   import { load, check } from "./cps.js";
//   await load();
//   const report = check("name: x\n");
import init, * as raw from "./cps_embed.js";
import { makeApi } from "./cps-api.js";

export const { load, check, checkSegment, convert, ConvertError } = makeApi(init, raw, new URL("./cps_embed_bg.wasm", import.meta.url));
