// Everything a reader would see wrong on a typeset page, as a list of strings:
// MathJax errors, undefined macros, unrendered TeX in text, titles, the table of
// contents and captions, display equations whose content cannot be fully seen,
// images without alt text. Run after wait_for_page.js.
const out = [];
const clip = (s, n) => (s.length > n ? s.slice(0, n) + "..." : s);
const squash = (s) => s.replace(/data:[^"')\s]{40,}/g, (m) => m.slice(0, 30) + "...").replace(/\s+/g, " ").trim();
const snip = (el, n = 160) => clip(squash(el.outerHTML || el.textContent || ""), n);
const describe = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
  + (typeof el.className === "string" && el.className.trim() ? "." + el.className.trim().split(/\s+/).join(".") : "");
const where = (el) => {
  const section = el.closest("section[id], [id^=equation-]");
  return section ? "#" + section.id : "(top)";
};

// Open what a reader can open (solutions, hidden cells), so that it is checked too.
document.querySelectorAll("details").forEach((d) => { d.open = true; });
document.querySelectorAll(".toggle-hidden button.toggle-button, button.toggle-button-hidden").forEach((b) => b.click());

// 1. MathJax errors and undefined macros (the noundefined extension shows them in red).
const MJ = window.MathJax;
let listed = 0;
if (MJ && MJ.startup && MJ.startup.document) {
  for (const item of Array.from(MJ.startup.document.math)) {
    const root = item.typesetRoot;
    if (!root || !root.querySelector) continue;
    const err = root.querySelector("mjx-merror");
    const tex = clip(squash(String(item.math)), 200);
    if (err) {
      listed += 1;
      out.push(`MathJax error "${err.getAttribute("data-mjx-error") || err.textContent}" in ${where(root)}: ${tex}`);
    }
    // CHTML draws glyphs with CSS, so read the internal MathML: noundefined
    // renders an unknown \macro as <mtext mathcolor="red">\macro</mtext>.
    const mml = MJ.startup.toMML ? MJ.startup.toMML(item.root) : "";
    const unknown = new Set(Array.from(mml.matchAll(/<mtext[^>]*mathcolor="red"[^>]*>(\\[A-Za-z]+)<\/mtext>/g), (m) => m[1]));
    if (unknown.size) out.push(`undefined TeX macro ${Array.from(unknown).join(", ")} in ${where(root)}: ${tex}`);
  }
}
const merrors = document.querySelectorAll("mjx-merror");
if (merrors.length > listed) {
  for (const e of Array.from(merrors).slice(0, 5)) out.push(`MathJax error in ${where(e)}: ${snip(e)}`);
}

// 2. Unrendered TeX outside code and typeset math.
const SKIP = "script, style, noscript, template, code, pre, kbd, samp, textarea, mjx-container, .highlight";
const PATTERNS = [
  [/\$/, "$"],
  [/\\[()]/, "\\( or \\)"],
  [/\\[[\]]/, "\\[ or \\]"],
  [/\\[A-Za-z]+/, "backslash command"],
];
const texIn = (text) => {
  for (const [re, what] of PATTERNS) {
    const m = re.exec(text);
    if (m) return {what, at: m.index};
  }
  return null;
};
const context = (text, at) => squash(text.slice(Math.max(0, at - 60), at + 80));
const place = (el) => {
  if (el.closest("h1, h2, h3, h4, h5, h6")) return "a heading";
  if (el.closest("figcaption, caption, .caption, .caption-text, .prf\\:caption")) return "a caption";
  if (el.closest("nav, .bd-sidebar-primary, .bd-sidebar-secondary, .bd-toc, .toctree-wrapper, .prev-next-area")) {
    return "the table of contents/navigation";
  }
  if (el.closest(".admonition-title")) return "an admonition title";
  return "the text";
};
const seen = new Set();
const report = (msg) => { if (!seen.has(msg)) { seen.add(msg); out.push(msg); } };
const hit = texIn(document.title);
if (hit) report(`unrendered TeX (${hit.what}) in the page title: "${document.title}"`);
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
while (walker.nextNode()) {
  const node = walker.currentNode;
  const el = node.parentElement;
  if (!el || el.closest(SKIP)) continue;
  const found = texIn(node.nodeValue);
  if (found) report(`unrendered TeX (${found.what}) in ${place(el)} ${where(el)}: "${context(node.nodeValue, found.at)}"`);
}
for (const el of document.querySelectorAll("[title], img[alt], [aria-label]")) {
  if (el.closest(SKIP)) continue;
  for (const attr of ["title", "alt", "aria-label"]) {
    const value = el.getAttribute(attr);
    const found = value && texIn(value);
    if (found) report(`unrendered TeX (${found.what}) in the ${attr} of ${el.tagName.toLowerCase()} ${where(el)}: "${clip(value, 140)}"`);
  }
}

// 3. Display equations: the content must fit its box or scroll to every edge.
const viewport = document.documentElement.clientWidth;
for (const box of document.querySelectorAll('mjx-container[display="true"]')) {
  if (!box.getClientRects().length) continue;  // not rendered (display: none)
  const parts = [box.querySelector(":scope > mjx-math") || box];
  const wrapper = box.closest("div.math");
  if (wrapper) wrapper.querySelectorAll(".eqno").forEach((e) => parts.push(e));
  const tex = (() => {
    const item = MJ && MJ.startup && Array.from(MJ.startup.document.math).find((m) => m.typesetRoot === box);
    return item ? clip(squash(String(item.math)), 120) : snip(box, 120);
  })();
  // Sphinx's number (span.eqno) next to MathJax's own \tag: the reader sees "(9) (1)".
  if (wrapper && wrapper.querySelector(".eqno") && box.querySelector("mjx-mlabeledtr, mjx-labels")) {
    out.push(`display equation with two numbers (a \\tag and Sphinx's) in ${where(box)}: ${tex}`);
  }
  for (const part of parts) {
    if (part.getBoundingClientRect().width === 0) continue;
    const label = part === parts[0] ? "display equation" : "equation number";
    // Walk up the clipping boxes. A scrolling box is scrolled to both ends, so
    // that what its scrollbar can reach counts as visible (whatever the
    // direction: flex row-reverse boxes overflow to the left).
    let target = part;
    let scroller = null;
    let cut = false;
    for (let el = part.parentElement; el && el !== document.documentElement && !cut; el = el.parentElement) {
      const style = getComputedStyle(el);
      if (style.overflowX === "visible") continue;
      const scrolls = style.overflowX === "auto" || style.overflowX === "scroll";
      const gaps = () => {
        const b = el.getBoundingClientRect();
        const t = target.getBoundingClientRect();
        const left = b.left + el.clientLeft;
        return [left - t.left, t.right - (left + el.clientWidth)];
      };
      let leftGap, rightGap;
      if (scrolls) {
        const keep = el.scrollLeft;
        el.scrollLeft = -1e7;
        leftGap = gaps()[0];
        el.scrollLeft = 1e7;
        rightGap = gaps()[1];
        el.scrollLeft = keep;
      } else {
        [leftGap, rightGap] = gaps();
      }
      const how = scrolls ? "out of reach of the scrollbar of" : `overflow-x: ${style.overflowX} on`;
      if (leftGap > 1) {
        out.push(`${label} cut on the left by ${Math.round(leftGap)} px (${how} ${describe(el)}) in ${where(box)}: ${tex}`);
        cut = true;
      } else if (rightGap > 1) {
        out.push(`${label} cut on the right by ${Math.round(rightGap)} px (${how} ${describe(el)}) in ${where(box)}: ${tex}`);
        cut = true;
      }
      if (scrolls && el.scrollHeight > el.clientHeight + 2 && el.contains(box)) {
        out.push(`${label} cut at the top or bottom (${el.scrollHeight - el.clientHeight} px scroll vertically in ${describe(el)}) in ${where(box)}: ${tex}`);
        cut = true;
      }
      if (scrolls) scroller = el;
      target = el;  // beyond this box, only the box itself can show
    }
    if (!scroller && !cut) {
      const r = target.getBoundingClientRect();
      const column = box.closest("article, main") || document.body;
      const c = column.getBoundingClientRect();
      if (r.right > Math.min(c.right, viewport) + 1 || r.left < Math.max(c.left, 0) - 1) {
        out.push(`${label} wider than the text column (${Math.round(r.width)} px, column ${Math.round(c.width)} px) with no horizontal scrollbar in ${where(box)}: ${tex}`);
      }
    }
  }
}

// 4. Code a reader sees must fit its column at the page width (at phone width
// a code block may scroll: no line of real code fits 420 px legibly).
if (viewport >= 1000) {
  for (const pre of document.querySelectorAll("div.cell_input pre, div.cell_input code")) {
    if (!pre.getClientRects().length || pre.scrollWidth <= pre.clientWidth + 1) continue;
    const longest = pre.textContent.split("\n").reduce((a, b) => (b.length > a.length ? b : a), "");
    out.push(`code line wider than its column (${pre.scrollWidth} px in ${pre.clientWidth} px) in ${where(pre)}: ${clip(longest.trim(), 100)}`);
  }
}

// 5. Images need alt text.
for (const img of document.images) {
  const alt = img.getAttribute("alt");
  if (alt === null || !alt.trim()) out.push(`image without alt text in ${where(img)}: ${snip(img, 120)}`);
}
return out;
