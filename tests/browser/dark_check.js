// Dark mode (issue 23): switch the theme to dark and list what to measure. Returns
// {images: [{where, x, y, width, height}], panels: [problems]}: the article's
// content images in document coordinates (their mean luminance is measured from a
// screenshot), and explorable panels lighter than the page.
document.documentElement.dataset.theme = "dark";
document.documentElement.dataset.mode = "dark";
const luminance = (color) => {
  const m = color.match(/rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?/);
  if (!m || (m[4] !== undefined && Number(m[4]) < 0.05)) return null;  // transparent
  const [r, g, b] = [m[1], m[2], m[3]].map((v) => { v = Number(v) / 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const where = (el) => {
  const section = el.closest("section[id]");
  return section ? "#" + section.id : "(top)";
};
const article = document.querySelector("article.bd-article") || document.querySelector("article, main") || document.body;
const images = [];
for (const img of article.querySelectorAll("img")) {
  const r = img.getBoundingClientRect();
  if (r.width < 60 || r.height < 40 || !img.naturalWidth) continue;
  images.push({where: `${where(img)} ${img.classList.contains("kd-frame") ? "explorable frame" : "figure"} ${(img.getAttribute("alt") || "").slice(0, 60)}`,
               x: r.left + window.scrollX, y: r.top + window.scrollY, width: r.width, height: r.height});
}
const panels = [];
for (const box of article.querySelectorAll(".kd-explorable")) {
  for (let el = box; el && el !== article; el = el.parentElement) {
    const l = luminance(getComputedStyle(el).backgroundColor);
    if (l !== null && l > 0.2) {
      panels.push(`explorable ${box.getAttribute("data-kd-name")}: a light panel in dark mode (${el.tagName.toLowerCase()}.${String(el.className).split(" ")[0]}, background luminance ${l.toFixed(2)})`);
      break;
    }
  }
}
return {images, panels};
