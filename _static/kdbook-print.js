// The printed page (issue 23). Display equations wider than the column are scaled
// to fit it (paper has no scrollbar), and closed dropdowns (solutions) are opened;
// both undone after printing. Runs on print (beforeprint, or print media emulated
// by the whole-book PDF and the browser checks); window.kdbookPrint() does it
// on demand.
(function () {
  "use strict";
  const fitted = [];  // [box, its own inline font size (MathJax scales some)]
  const opened = [];
  // The width an equation may take: its holder's content box less the equation number.
  function roomFor(box) {
    const holder = box.parentElement;
    const style = getComputedStyle(holder);
    let room = holder.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    for (const other of holder.children) {
      if (other !== box && other.getClientRects().length) {
        room -= other.getBoundingClientRect().width + (parseFloat(style.columnGap) || 0);
      }
    }
    return room;
  }
  function fitEquations() {
    document.querySelectorAll('mjx-container[display="true"]').forEach(function (box) {
      const math = box.querySelector(":scope > mjx-math");
      if (!math || !box.getClientRects().length) return;
      for (let i = 0; i < 4; i++) {
        const need = math.getBoundingClientRect().width;
        const room = roomFor(box);
        if (need <= room + 0.5) break;
        const size = parseFloat(getComputedStyle(box).fontSize);
        if (!fitted.some(function (f) { return f[0] === box; })) fitted.push([box, box.style.fontSize]);
        box.style.fontSize = Math.max(4, size * (room - 2) / need) + "px";
      }
    });
  }
  function print() {
    document.querySelectorAll("details:not(.hide):not([open])").forEach(function (d) {
      d.open = true;
      opened.push(d);
    });
    fitEquations();
  }
  function unfit() {
    fitted.splice(0).forEach(function (f) { f[0].style.fontSize = f[1]; });
  }
  function screen() {
    unfit();
    opened.splice(0).forEach(function (d) { d.open = false; });
  }
  window.kdbookPrint = print;
  window.addEventListener("beforeprint", print);
  window.addEventListener("afterprint", screen);
  const media = window.matchMedia("print");
  media.addEventListener("change", function (event) { (event.matches ? print : screen)(); });
  // A print layout whose width changes (print preview's paper size) is fitted again;
  // a screen layout that still has fitted equations is restored. Chromium can leave
  // out the media "change" event when the width changes with the media (seen with
  // emulated media: in 2 of 5 to 5 of 6 print/screen cycles the page stayed fitted).
  window.addEventListener("resize", function () {
    if (media.matches) {
      unfit();
      fitEquations();
    } else if (fitted.length || opened.length) {
      screen();
    }
  });
})();
