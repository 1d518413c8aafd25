// Keyboard access to wide display equations (issue 23). Formulas are not tab
// stops (mathjax3_config: inTabOrder false), but a display equation wider than
// the column scrolls inside its own box, and a keyboard user must be able to
// reach that scrollbar: such a box, and only such a box, gets tabindex 0 and a
// name ("equation, scrolls horizontally").
(function () {
  "use strict";
  function mark() {
    document.querySelectorAll('mjx-container[display="true"]').forEach(function (box) {
      const scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("data-kd-scrolls")) {
        box.setAttribute("data-kd-scrolls", "");
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", "equation, scrolls horizontally");
      } else if (!scrolls && box.hasAttribute("data-kd-scrolls")) {
        box.removeAttribute("data-kd-scrolls");
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  }
  function start() {
    const MJ = window.MathJax;
    const ready = MJ && MJ.startup && MJ.startup.promise ? MJ.startup.promise : Promise.resolve();
    ready.then(mark);
    let pending = 0;
    window.addEventListener("resize", function () {
      clearTimeout(pending);
      pending = setTimeout(mark, 150);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
