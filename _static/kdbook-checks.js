// Verified claims (see _ext/kdbook_checks.py): a check mark in the prose opens
// the collapsed check cell it points to and brings it into view; so does
// arriving at a page with #check-KEY in the address.
(function () {
  "use strict";
  function openCheck(id, scroll) {
    var cell = document.getElementById(id);
    if (!cell) return false;
    cell.querySelectorAll("details").forEach(function (d) { d.open = true; });
    cell.classList.add("kd-check-open");
    if (scroll) cell.scrollIntoView({ block: "center" });
    var summary = cell.querySelector("summary");
    if (summary) summary.focus({ preventScroll: true });
    return true;
  }
  document.addEventListener("click", function (event) {
    var mark = event.target.closest && event.target.closest("a.kd-check");
    if (!mark) return;
    if (openCheck("check-" + mark.getAttribute("data-kd-check"), true)) {
      event.preventDefault();
      history.replaceState(null, "", "#check-" + mark.getAttribute("data-kd-check"));
    }
  });
  function fromHash() {
    if (location.hash.indexOf("#check-") === 0) openCheck(location.hash.slice(1), true);
  }
  window.addEventListener("hashchange", fromHash);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fromHash);
  else fromHash();
})();
