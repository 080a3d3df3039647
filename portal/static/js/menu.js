// The main menu on narrow screens: folded behind a "เมนู" button that says whether it is
// open (aria-expanded), opens and closes from the keyboard like any button, and closes
// with Escape. Without this script the menu simply shows.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector(".menu-toggle");
    var nav = document.getElementById("main-nav");
    if (!button || !nav) return;
    document.documentElement.classList.add("menu-folds");
    button.hidden = false;
    function set(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      nav.classList.toggle("open", open);
    }
    button.addEventListener("click", function () { set(button.getAttribute("aria-expanded") !== "true"); });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && nav.classList.contains("open")) { set(false); button.focus(); }
    });
  });
})();
