// When htmx replaces the part of the page that held keyboard focus (attaching an evidence
// swaps the whole item, saving a review swaps the review block), focus would fall back to
// <body> and the next Tab would start again at the top of the page. Put it back in the new
// content: on its status message when it has one (so it is also read out), otherwise on
// the new content itself. htmx already keeps focus on an input whose id survives the swap.
(function () {
  "use strict";
  var held = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    held = target && target.id && target.contains(document.activeElement) ? target.id : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    var id = held;
    held = null;
    if (!id || (document.activeElement && document.activeElement !== document.body)) return;
    var place = document.getElementById(id);
    if (!place) return;
    var spot = place.querySelector("[role=status], [role=alert], .alert") || place;
    if (!spot.matches("a[href], button, input, select, textarea, summary, [tabindex]")) spot.setAttribute("tabindex", "-1");
    spot.focus();
  });
})();
