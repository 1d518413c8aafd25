// The page as printed (issue 23), run with print media emulated at the PDF's
// column width, after kdbook-print.js has fitted the equations. Returns a list of
// problems: equations, code blocks and tables cut at the right edge; toggles,
// sliders and launch notes that would print; explorables that do not print as a
// captioned figure with a line naming the web page; figures that may be split.
const out = [];
const clip = (s, n) => (s.length > n ? s.slice(0, n) + "..." : s);
const squash = (s) => s.replace(/data:[^"')\s]{40,}/g, (m) => m.slice(0, 30) + "...").replace(/\s+/g, " ").trim();
const where = (el) => {
  const section = el.closest("section[id], [id^=equation-]");
  return section ? "#" + section.id : "(top)";
};
const shown = (el) => {
  if (!el.getClientRects().length) return false;
  const style = getComputedStyle(el);
  return style.visibility !== "hidden" && style.display !== "none" && Number(style.opacity) > 0;
};
const article = document.querySelector("article.bd-article, .bd-article, article, main") || document.body;
const column = article.getBoundingClientRect();
const right = Math.min(column.right, document.documentElement.clientWidth);
const left = Math.max(column.left, 0);

// Is `el` (or its content) cut: by a clipping ancestor on the right, or by the column's edges?
function cut(el, content) {
  const r = (content || el).getBoundingClientRect();
  if (r.width === 0) return "";
  if (r.right > right + 1) return `runs ${Math.round(r.right - right)} px past the text column`;
  if (r.left < left - 1) return `runs ${Math.round(left - r.left)} px past the left edge of the text column`;
  for (let a = (content ? el : el.parentElement); a && a !== document.body; a = a.parentElement) {
    const style = getComputedStyle(a);
    if (style.overflowX === "visible") continue;
    const box = a.getBoundingClientRect();
    if (r.right > box.right - (a.offsetWidth - a.clientWidth - a.clientLeft) + 1) {
      return `cut by ${Math.round(r.right - box.right)} px (overflow-x: ${style.overflowX} on ${a.tagName.toLowerCase()}.${String(a.className).split(" ")[0]})`;
    }
  }
  return "";
}

// 1. Display equations (and their numbers), code, tables.
for (const box of document.querySelectorAll('mjx-container[display="true"]')) {
  if (!shown(box)) continue;
  const math = box.querySelector(":scope > mjx-math") || box;
  const problem = cut(box, math) || (math.getBoundingClientRect().right > box.getBoundingClientRect().right + 1
    ? `wider than its box by ${Math.round(math.getBoundingClientRect().right - box.getBoundingClientRect().right)} px` : "");
  if (problem) out.push(`printed display equation ${problem} in ${where(box)}: ${clip(squash(box.textContent), 80)}`);
}
for (const pre of document.querySelectorAll("pre")) {
  if (!shown(pre)) continue;
  const problem = pre.scrollWidth > pre.clientWidth + 1 ? `needs ${pre.scrollWidth} px in ${pre.clientWidth} px` : cut(pre);
  if (problem) {
    const longest = pre.textContent.split("\n").reduce((a, b) => (b.length > a.length ? b : a), "");
    out.push(`printed code block ${problem} in ${where(pre)}: ${clip(longest.trim(), 80)}`);
  }
}
for (const table of document.querySelectorAll("table")) {
  if (!shown(table) || table.closest("mjx-container")) continue;
  const problem = cut(table);
  if (problem) out.push(`printed table ${problem} in ${where(table)}: ${clip(squash(table.textContent), 80)}`);
}

// 2. Nothing to click on paper.
const CLICKABLE = [
  ["summary", "a code-cell or dropdown toggle"],
  ["button.toggle-button, .toggle-button", "a toggle button"],
  ["input.kd-control, .kd-controls", "explorable controls"],
  [".kd-note, .kd-run-live, .admonition-run-this-live", "a launch note"],
];
for (const [selector, what] of CLICKABLE) {
  const visible = Array.from(article.querySelectorAll(selector)).filter(shown);
  if (visible.length) out.push(`${visible.length} × ${what} would print (${selector}), first in ${where(visible[0])}`);
}
for (const el of article.querySelectorAll(".kd-explorable, .admonition")) {
  if (shown(el) && /rocket icon/i.test(el.textContent) && !el.closest("details:not([open])")) {
    out.push(`a launch note ("rocket icon") would print in ${where(el)}: ${clip(squash(el.textContent), 80)}`);
  }
}

// 3. Each explorable prints as its captioned figure, with a line naming the web page.
for (const box of document.querySelectorAll(".kd-explorable")) {
  const name = box.getAttribute("data-kd-name") || "?";
  const img = box.querySelector("img.kd-frame");
  if (!img || !shown(img) || !img.naturalWidth) out.push(`explorable ${name}: its frame does not print`);
  const note = box.querySelector(".kd-web-note");
  if (!note || !shown(note) || !/web page/.test(note.textContent)) {
    out.push(`explorable ${name}: no printed line naming its web page (.kd-web-note)`);
  }
  const figure = box.closest("figure");
  const caption = figure && figure.querySelector("figcaption");
  if (!caption || !caption.textContent.trim()) out.push(`explorable ${name}: not a captioned figure (no enclosing figure with a figcaption)`);
}

// 4. Figures are not split across pages, and keep their captions.
for (const figure of article.querySelectorAll("figure")) {
  if (!shown(figure)) continue;
  if (getComputedStyle(figure).breakInside !== "avoid") {
    out.push(`figure ${figure.id ? "#" + figure.id : "in " + where(figure)} may be split from its caption (break-inside is not avoid)`);
  }
}
return out;
