// Multi-panel figures at phone width (issue 10). A figure drawn 9-10 inches
// wide and squeezed into a 380 px column has 4 px text; marked "kd-wide", it
// keeps a legible width and scrolls inside its own box instead (kdbook.css).
(function () {
  "use strict";
  const WIDE = 900; // natural px: two or more panels side by side at 100 dpi
  function mark(img) {
    if (img.naturalWidth >= WIDE) {
      img.classList.add("kd-wide");
      const box = img.closest("figure, div.cell_output, .kd-explorable");
      if (box) box.classList.add("kd-wide-box");
    }
  }
  // Images (and explorable frames swapped in later) report in the capture phase.
  document.addEventListener("load", function (event) {
    if (event.target.tagName === "IMG") mark(event.target);
  }, true);
  function markAll() {
    document.querySelectorAll("main img").forEach(function (img) {
      if (img.complete && img.naturalWidth) mark(img);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", markAll);
  else markAll();
})();
