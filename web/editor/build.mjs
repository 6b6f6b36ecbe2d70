// Bundles web/editor/src/editor.js (CodeMirror 6 + the window.cpsEditor API)
// into web/vendor/editor.js as a self-contained, minified IIFE.
//
//   npm ci && npm run build:editor
//
// Works offline once node_modules is installed. The output is a build
// artefact (git-ignored via web/vendor/.gitignore).

import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
const entry = join(here, "src", "editor.js");
const outfile = join(here, "..", "vendor", "editor.js");

await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  format: "iife",
  platform: "browser",
  target: "es2020",
  minify: true,
  sourcemap: false,
  legalComments: "eof",
  logLevel: "warning",
});

const bytes = readFileSync(outfile);
const gzipped = gzipSync(bytes, { level: 9 }).length;
const kib = (n) => (n / 1024).toFixed(1);
console.log(
  `${relative(process.cwd(), outfile) || outfile}: ${bytes.length} bytes ` +
    `(${kib(bytes.length)} KiB), gzip ${gzipped} bytes (${kib(gzipped)} KiB)`,
);
