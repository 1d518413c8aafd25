// Accessibility of the article (issue 23). Arguments: the axe-core source (from the
// npm package axe-core, see the Makefile's `axe` target), the callback. Returns a
// list of problems: axe-core's serious and critical WCAG 2.1 A/AA violations inside
// the article (the theme's chrome around it is not checked: README lists its
// known upstream issues), formulas in the tab order, explorables without an
// accessible name or without exactly one polite live region.
const [axeSource, done] = arguments;
(async () => {
  const out = [];
  const clip = (s, n) => (s.length > n ? s.slice(0, n) + "..." : s);
  const squash = (s) => s.replace(/data:[^"')\s]{40,}/g, (m) => m.slice(0, 30) + "...").replace(/\s+/g, " ").trim();
  if (!window.axe) (0, eval)(axeSource);
  const article = document.querySelector("article.bd-article") || document.querySelector("article, main") || document.body;
  // Open what a reader can open (hidden code cells, solutions), so that it is checked too.
  document.querySelectorAll("details").forEach((d) => { d.open = true; });
  // MathJax's generated glyph markup is left out of axe (thousands of nodes, seconds a page); formulas
  // are checked below: none is a tab stop, and one that scrolls can be reached to be scrolled.
  const results = await window.axe.run({include: [article], exclude: [["mjx-container mjx-math"]]}, {
    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    resultTypes: ["violations"],
    // Experimental in axe but WCAG 2.5.3: a control's name must contain its visible label.
    rules: {"label-content-name-mismatch": {enabled: true}},
    preload: false,  // axe's own CSSOM fetch resolves the theme's @import against the page (a false 404)
  });
  for (const v of results.violations) {
    if (v.impact !== "serious" && v.impact !== "critical") continue;
    const first = v.nodes[0];
    out.push(`axe ${v.impact} "${v.id}" (${v.help}) on ${v.nodes.length} element(s), first ${first.target.join(" ")}: `
      + clip(squash(first.html), 140) + (first.failureSummary ? " | " + clip(squash(first.failureSummary), 160) : ""));
  }
  // A display equation that scrolls (kdbook-a11y.js marks it) must be reachable; no other formula is a tab stop.
  const tabStops = document.querySelectorAll('mjx-container[tabindex]:not([tabindex^="-"]):not([data-kd-scrolls])');
  if (tabStops.length) out.push(`${tabStops.length} formulas are tab stops (MathJax menuOptions.settings.inTabOrder)`);
  const stuck = Array.from(document.querySelectorAll('mjx-container[display="true"]'))
    .filter((box) => box.scrollWidth > box.clientWidth + 1 && !(box.tabIndex >= 0));
  if (stuck.length) out.push(`${stuck.length} display equations scroll but cannot be reached by keyboard (kdbook-a11y.js)`);
  for (const box of document.querySelectorAll(".kd-explorable")) {
    const name = box.getAttribute("data-kd-name") || "?";
    const ids = (box.getAttribute("aria-labelledby") || "").split(/\s+/).filter(Boolean);
    const label = (box.getAttribute("aria-label") || "") + ids.map((id) => (document.getElementById(id) || {}).textContent || "").join(" ");
    if (!label.trim()) out.push(`explorable ${name}: no accessible name (aria-label or aria-labelledby)`);
    const live = box.querySelectorAll("[aria-live]");
    if (live.length !== 1 || live[0].getAttribute("aria-live") !== "polite") {
      out.push(`explorable ${name}: needs exactly one aria-live="polite" region, has ${live.length}`);
    }
    const figure = box.closest("figure");
    const caption = figure && figure.querySelector("figcaption");
    if (!caption || !caption.textContent.trim()) out.push(`explorable ${name}: not inside a captioned figure (figure > figcaption)`);
  }
  done(out);
})().catch((e) => done(["the accessibility check failed: " + e]));
