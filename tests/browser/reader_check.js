// What makes a chapter page read like a program rather than a textbook
// (issue 26), as a list of strings, on the page as it loads (nothing opened).
// Returns {failures, codeLines, buildMentions} so that the book-wide budgets
// can be summed over pages.
const out = [];
const clip = (s, n) => (s.length > n ? s.slice(0, n) + "..." : s);
const squash = (s) => s.replace(/\s+/g, " ").trim();
const article = document.querySelector("article") || document.body;
// Rendered and not inside a collapsed <details> (whose content Chromium keeps laid out but hidden).
const shown = (el) => el.getClientRects().length > 0
  && (!el.checkVisibility || el.checkVisibility({contentVisibilityAuto: true, visibilityProperty: true}))
  && !Array.from(document.querySelectorAll("details:not([open])")).some((d) => d.contains(el) && !d.querySelector(":scope > summary").contains(el));
const where = (el) => {
  const section = el.closest("section[id]");
  return section ? "#" + section.id : "(top)";
};

// 1. Everything a reader may cite has a number: numbered boxes, and no
// reference that renders a name without its number ("By Proposition , ...").
const NAMES = "Theorem|Lemma|Proposition|Corollary|Definition|Exercise|Fig\\.|Figure|Table|Example|Remark|Conjecture|Algorithm|Assumption|Observation|Property|Axiom|Criterion|Equation|Section|Chapter";
const bare = new RegExp(`(^|\\W)(${NAMES})\\s*$`);
for (const box of article.querySelectorAll("div.proof.admonition, div.exercise.admonition")) {
  if (box.classList.contains("proof") && box.classList.length <= 2 && !box.querySelector(".caption-number")) continue;  // prf:proof
  const title = box.querySelector(":scope > .admonition-title");
  const number = title && title.querySelector(".caption-number");
  if (!number || !/\d/.test(number.textContent)) {
    out.push(`unnumbered ${box.classList[1] || box.classList[0]} box in ${where(box)}: "${clip(squash(title ? title.textContent : box.textContent), 80)}"`);
  }
}
for (const a of article.querySelectorAll("a.reference.internal")) {
  const text = squash(a.textContent);
  if (bare.test(text) || /^\(?\s*\)?$/.test(text) && !a.querySelector("img")) {
    out.push(`reference without its number in ${where(a)}: "${clip(squash((a.parentElement || a).textContent), 100)}"`);
  }
}

// 2. One figure, not two: no figure right before an explorable.
const blocks = [];
for (const el of article.querySelectorAll("p, figure, .kd-explorable, h1, h2, h3, h4, div.cell_output img, ul, ol, div.math, table")) {
  if (!shown(el)) continue;
  if (el.closest(".kd-explorable") && !el.classList.contains("kd-explorable")) continue;
  if (el.matches("figure") && el.querySelector(".kd-explorable")) continue;  // its explorable stands for it
  if (el.closest("figcaption")) continue;
  if (el.matches("p") && (el.closest("figure") || !squash(el.textContent))) continue;
  if (el.matches("div.cell_output img") && el.closest("figure")) continue;
  if (blocks.length && blocks[blocks.length - 1].el.contains(el)) continue;
  blocks.push({el, explorable: el.classList.contains("kd-explorable"), figure: el.matches("figure, img")});
}
blocks.forEach((b, i) => {
  if (b.explorable && i > 0 && blocks[i - 1].figure) {
    out.push(`a figure right before the explorable in ${where(b.el)} (one figure, not two): "${clip(squash(blocks[i - 1].el.textContent) || blocks[i - 1].el.getAttribute("alt") || "", 80)}"`);
  }
});

// 3. No dead code: a cell the build did not run, or a live-widget call with no output.
for (const cell of article.querySelectorAll("div.cell")) {
  const source = cell.querySelector("div.cell_input");
  const code = source ? source.textContent : "";
  const output = cell.querySelector("div.cell_output");
  const empty = !output || !squash(output.textContent) && !output.querySelector("img, svg, table, iframe, .kd-explorable");
  if (cell.classList.contains("tag_skip-execution") || (/explorer\s*\(/.test(code) && empty)) {
    out.push(`a code cell that shows no output (a live call that does nothing on this page) in ${where(cell)}: ${clip(squash(code), 80)}`);
  }
}

// 4. Tables and output for readers: no raw DataFrame, index column, empty header or program printout.
for (const table of article.querySelectorAll("div.cell_output table")) {
  if (!shown(table) && !table.closest("details")) continue;
  if (table.classList.contains("dataframe")) out.push(`raw DataFrame output in ${where(table)}`);
  else if (table.querySelector("th.row_heading, th.blank, th.index_name")) out.push(`a table with an index column in ${where(table)}`);
  for (const th of table.querySelectorAll("th")) {
    if (!squash(th.textContent)) { out.push(`a table with an empty header cell in ${where(table)}`); break; }
  }
}
const PRINTOUT = [
  [/^\s*\(.*\)\s*$/s, "a printed tuple"],
  [/\b\d+\.\d{6,}\b/, "a number with six or more decimals"],
  [/\b\d(\.\d+)?e[-+]\d\d\b/, "a number in e-notation"],
  [/\bNaN\b|\bnan\b/, "NaN"],
  [/^\s*\S+(\s{2,}\S+)+\s*\n\s*0\s{2,}/m, "a DataFrame printout"],
];
for (const pre of article.querySelectorAll("div.cell_output pre, div.cell_output .output.text_plain")) {
  if (pre.closest("details") || !shown(pre)) continue;
  const text = pre.textContent;
  for (const [re, what] of PRINTOUT) {
    if (re.test(text)) { out.push(`program output (${what}) in ${where(pre)}: ${clip(squash(text), 80)}`); break; }
  }
}

// 5. Visible code (cell inputs and code blocks that are not collapsed) and
// prose that narrates the build; the budgets are summed by the caller.
let codeLines = 0;
for (const pre of article.querySelectorAll("pre")) {
  if (!shown(pre) || pre.closest("div.cell_output")) continue;
  codeLines += pre.textContent.replace(/\n+$/, "").split("\n").length;
}
const PROSE_SKIP = "pre, code, script, style, div.cell, .kd-explorable, nav, .admonition.solution, figcaption";
let mentions = 0;
const mentioned = [];
const BUILD = /\bassert(s|ed|ing|ion|ions)?\b|\bthe (book's )?build\b|\bbuild[- ]time\b|\bwhen the book (is )?(built|builds)\b/gi;
const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
while (walker.nextNode()) {
  const el = walker.currentNode.parentElement;
  if (!el || el.closest(PROSE_SKIP)) continue;
  const found = walker.currentNode.nodeValue.match(BUILD);
  if (found) { mentions += found.length; mentioned.push(clip(squash(walker.currentNode.nodeValue), 90)); }
}
return {failures: out, codeLines, buildMentions: mentions, mentioned};
