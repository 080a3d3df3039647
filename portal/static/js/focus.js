// When htmx replaces the part of the page that held keyboard focus (attaching an evidence
// swaps the whole item, saving a review swaps the review block), focus would fall back to
// <body> and the next Tab would start again at the top of the page. Put it back in the new
// content: on its status message when it has one (so it is also read out), otherwise on
// the new content itself. htmx already keeps focus on an input whose id survives the swap.
(function () {
  "use strict";
  // Per swap target: another swap settling meanwhile (the level box that an attach
  // refreshes) must not make this one forget where focus was.
  var held = {};
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (target && target.id && target.contains(document.activeElement)) held[target.id] = true;
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var id = event.detail.target && event.detail.target.id;
    if (!id || !held[id]) return;
    delete held[id];
    if (document.activeElement && document.activeElement !== document.body) return;
    var place = document.getElementById(id);
    if (!place) return;
    var spot = place.querySelector("[role=status], [role=alert], .alert") || place;
    if (!spot.matches("a[href], button, input, select, textarea, summary, [tabindex]")) spot.setAttribute("tabindex", "-1");
    spot.focus();
  });
})();
