// Thread lists poll every 15 s (hx-trigger on [data-poll]). Skip a poll while the tab is
// hidden, or while the user is writing inside the list, so a refresh never eats a draft.
document.addEventListener("htmx:beforeRequest", function (event) {
  var elt = event.detail.elt;
  if (!elt || !elt.matches || !elt.matches("[data-poll]") || event.detail.requestConfig.verb !== "get") return;
  if (document.visibilityState !== "visible") { event.preventDefault(); return; }
  if (elt.contains(document.activeElement) && document.activeElement !== elt) { event.preventDefault(); return; }
  var typing = Array.prototype.some.call(elt.querySelectorAll("textarea"), function (box) {
    return box.value.trim() !== "" && box.value !== box.defaultValue;
  });
  var open = elt.querySelector("details[open] form");
  if (typing || open) event.preventDefault();
});
