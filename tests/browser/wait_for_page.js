// Resolve when the page is ready to be checked: MathJax has typeset everything,
// fonts and images have loaded. Returns a list of problems found on the way.
const done = arguments[arguments.length - 1];
(async () => {
  const problems = [];
  const MJ = window.MathJax;
  const hasMath = document.querySelector(".math") !== null;
  if (MJ && !MJ.startup) problems.push("MathJax did not load (its script is missing or failed): formulas show as raw TeX");
  if (!MJ && hasMath) problems.push("the page has math but does not load MathJax");
  if (MJ && MJ.startup && MJ.startup.promise) {
    try { await MJ.startup.promise; } catch (e) { problems.push("MathJax failed: " + e); }
  }
  if (document.fonts && document.fonts.ready) await document.fonts.ready;
  // A lazy image far from the viewport does not load until it nears it: not waited for here.
  await Promise.all(Array.from(document.images).map((img) => img.complete || img.loading === "lazy" ? null
    : new Promise((resolve) => { img.addEventListener("load", resolve); img.addEventListener("error", resolve); })));
  done(problems);
})().catch((e) => done(["the page check could not wait for the page: " + e]));
