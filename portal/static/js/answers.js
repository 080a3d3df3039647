// Answer boxes: a live length counter beside each box ("123/5,000").
(function () {
  "use strict";
  function update(box) {
    var counter = document.getElementById(box.dataset.counter);
    if (!counter) return;
    var limit = Number(box.getAttribute("maxlength")) || 0;
    counter.textContent = box.value.length.toLocaleString("en-US") + "/" + limit.toLocaleString("en-US");
  }
  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("textarea[data-counter]")) update(event.target);
  });
})();
