// Answer boxes: a live length counter beside each box ("123/5,000"), and a failed autosave
// told beside the box being typed in.
(function () {
  "use strict";
  function update(box) {
    var counter = document.getElementById(box.dataset.counter);
    if (!counter) return;
    var limit = Number(box.getAttribute("maxlength")) || 0;
    counter.textContent = box.value.length.toLocaleString("en-US") + "/" + limit.toLocaleString("en-US");
  }
  var lastBox = {};  // question card id → the box last typed in, where a failed save is told
  document.addEventListener("input", function (event) {
    if (!(event.target.matches && event.target.matches("textarea[data-counter]"))) return;
    update(event.target);
    var card = event.target.closest(".answer-card");
    if (card) lastBox[card.id] = event.target.id;
  });

  // A save is the answer form's autosave or submit, or a button of its status box (keep mine,
  // take theirs). The status line alone is easy to miss (a 5xx or a lost connection does not
  // even reach it), so the reason stays beside the box until a save succeeds. The boxes are
  // never touched: what was typed stays in them.
  var NETWORK = "ติดต่อระบบไม่ได้ (เครือข่ายขัดข้องหรือเซิร์ฟเวอร์ไม่ตอบ)";
  var SERVER = "ระบบขัดข้อง";
  var SIGNED_OUT = "หมดเวลาการเข้าสู่ระบบ กรุณาคัดลอกข้อความเก็บไว้ แล้วโหลดหน้าใหม่เพื่อเข้าสู่ระบบ";
  var saving = new WeakMap();  // request → its card, found before the answer swaps the button away
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (elt.matches("form.answer-form") || elt.closest(".answer-status")) {
      saving.set(event.detail.xhr, elt.closest(".answer-card"));
    }
  });
  // An ended session answers 401 with HX-Redirect to sign-in: following it from an autosave
  // would leave the page, and what was typed with it.
  document.addEventListener("htmx:beforeOnLoad", function (event) {
    if (saving.get(event.detail.xhr) && event.detail.xhr.status === 401) event.preventDefault();
  });
  function reasonOf(xhr) {
    if (xhr.status === 401) return SIGNED_OUT;
    var doc = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
    var said = doc.querySelector(".error-detail") || doc.querySelector(".alert, p");
    var text = said ? said.textContent.trim() : "";
    return text || (xhr.status >= 500 ? SERVER : "");
  }
  function tell(card, reason) {
    var alert = card.querySelector(".autosave-alert");
    if (!alert) {
      alert = document.createElement("p");
      alert.className = "alert alert-error autosave-alert";
      alert.setAttribute("role", "alert");
    }
    var box = document.getElementById(lastBox[card.id]) || card.querySelector("textarea.answer-part");
    if (!box) return;
    var after = document.getElementById(box.dataset.counter) || box;
    after.insertAdjacentElement("afterend", alert);
    alert.textContent = "ยังไม่ได้บันทึกคำตอบ: " + (reason || SERVER) + " ข้อความที่พิมพ์ยังอยู่ในช่อง";
  }
  function clear(card) {
    var alert = card.querySelector(".autosave-alert");
    if (alert) alert.remove();
  }
  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr, card = xhr && saving.get(xhr);
    if (!card || xhr.status === 0) return;  // no answer at all: htmx:sendError below
    if (event.detail.successful) clear(card);
    else tell(card, reasonOf(xhr));
  });
  ["htmx:sendError", "htmx:timeout"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      var card = event.detail.xhr && saving.get(event.detail.xhr);
      if (card) tell(card, NETWORK);
    });
  });
})();
