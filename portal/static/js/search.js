// The search page's filter panel (templates/search/page.html): open at first on a wide
// screen, folded on a phone; its count and chips follow the fields as they change, and a
// chip's × clears its field and searches again. Listeners sit on the document, so they
// outlive htmx's history restores. Without this script the server renders the same.
(function () {
  "use strict";
  // namedItem, not elements[name]: elements.item is the collection's own method
  var FILTERS = ["agency", "category", "sub_item", "item", "level", "kind", "cycle", "date_from", "date_to", "undated"];

  function shown(field) {
    // a sub-item's option carries its title too: its code is enough on a chip
    if (field.tagName !== "SELECT" || field.name === "sub_item") return field.value.trim();
    return field.selectedOptions[0].textContent.trim();
  }

  function chip(form, field) {
    var params = new URLSearchParams(new FormData(form));
    params.set(field.name, "");
    var label = form.querySelector('label[for="' + field.id + '"]');
    var link = document.createElement("a");
    link.className = "chip";
    link.href = form.action + "?" + params.toString();
    link.dataset.clear = field.name;
    link.innerHTML = '<span class="visually-hidden">ลบตัวกรอง </span><span></span> <span aria-hidden="true">×</span>';
    link.children[1].textContent = label.textContent + ": " + shown(field);
    var item = document.createElement("li");
    item.appendChild(link);
    return item;
  }

  function refresh(form) {
    var list = document.getElementById("active-filters");
    var active = FILTERS.map(function (name) { return form.elements.namedItem(name); })
      .filter(function (field) { return field && field.value.trim(); });
    form.querySelector("#search-filters .filter-count").textContent = active.length ? " (" + active.length + ")" : "";
    list.replaceChildren.apply(list, active.map(function (field) { return chip(form, field); }));
    list.hidden = !active.length;
  }

  function searchForm(event) {
    return event.target.closest && event.target.closest("#search-form");
  }

  document.addEventListener("input", function (event) { var form = searchForm(event); if (form) refresh(form); });
  document.addEventListener("change", function (event) { var form = searchForm(event); if (form) refresh(form); });
  document.addEventListener("click", function (event) {
    var form = searchForm(event);
    var link = form && event.target.closest("#active-filters [data-clear]");
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    form.elements.namedItem(link.dataset.clear).value = "";
    refresh(form);
    form.querySelector("#search-filters > summary").focus();  // the chip itself is gone
    form.requestSubmit();
  });
  // a page restored from htmx's history: the chips follow the fields as they came back
  document.addEventListener("htmx:historyRestore", function () {
    var form = document.getElementById("search-form");
    if (form) refresh(form);
  });
  document.addEventListener("DOMContentLoaded", function () {
    var panel = document.getElementById("search-filters");
    if (panel && window.matchMedia("(min-width: 900px)").matches) panel.open = true;
  });
})();
