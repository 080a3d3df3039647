// Uploads with a progress bar per file: files go one after another, each as its own
// request, and the item's panel is swapped with the server's answer (same fragment htmx
// gets). Errors come back as the panel with a Thai message and a 4xx status.
(function () {
  "use strict";

  function csrfToken(form) {
    return form.querySelector("input[name=csrf_token]").value;
  }

  function progressRow(list, file) {
    var row = document.createElement("li");
    row.className = "upload-row";
    var name = document.createElement("span");
    name.textContent = file.name;
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    row.appendChild(name);
    row.appendChild(bar);
    list.appendChild(row);
    return bar;
  }

  function sendOne(form, file, bar) {
    return new Promise(function (resolve) {
      var data = new FormData();
      data.append("files", file, file.name);
      data.append("csrf_token", csrfToken(form));
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("HX-Request", "true");
      xhr.setRequestHeader("X-CSRFToken", csrfToken(form));
      xhr.upload.onprogress = function (event) {
        if (event.lengthComputable) bar.value = Math.round((event.loaded / event.total) * 100);
      };
      xhr.onload = function () { resolve(xhr); };
      xhr.onerror = function () { resolve(null); };
      xhr.send(data);
    });
  }

  function swapPanel(form, html) {
    var target = document.querySelector(form.dataset.uploadTarget);
    if (!target || !html) return null;
    var holder = document.createElement("div");
    holder.innerHTML = html.trim();
    var panel = holder.firstElementChild;
    if (!panel) return null;
    target.replaceWith(panel);
    if (window.htmx) window.htmx.process(panel);
    bind(panel);
    return panel;
  }

  async function upload(form, files) {
    var list = form.querySelector(".upload-progress");
    var bars = Array.prototype.map.call(files, function (file) { return progressRow(list, file); });
    var lastHtml = null;
    for (var i = 0; i < files.length; i++) {
      var xhr = await sendOne(form, files[i], bars[i]);
      if (xhr === null) {
        bars[i].replaceWith(document.createTextNode(" — ส่งไฟล์ไม่สำเร็จ (การเชื่อมต่อขัดข้อง)"));
        continue;
      }
      bars[i].value = 100;
      lastHtml = xhr.responseText;
      if (xhr.status >= 400) break; // show the error panel; stop the rest
    }
    var panel = swapPanel(form, lastHtml);
    // Same signal the server sends htmx with HX-Trigger: the sub-item's level box refreshes.
    if (window.htmx) window.htmx.trigger(document.body, "coverage-changed");
    if (panel) {
      var details = panel.querySelector("details.add-evidence");
      if (details) details.open = true;
    }
  }

  function bind(root) {
    var forms = root.matches && root.matches("form.upload-form") ? [root] : root.querySelectorAll("form.upload-form");
    Array.prototype.forEach.call(forms, function (form) {
      if (form.dataset.bound) return;
      form.dataset.bound = "1";
      var input = form.querySelector("input[type=file]");
      var zone = form.querySelector(".drop-zone");
      input.addEventListener("change", function () {
        if (input.files.length) upload(form, input.files);
      });
      ["dragenter", "dragover"].forEach(function (name) {
        zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("dragging"); });
      });
      ["dragleave", "drop"].forEach(function (name) {
        zone.addEventListener(name, function () { zone.classList.remove("dragging"); });
      });
      zone.addEventListener("drop", function (event) {
        event.preventDefault();
        if (event.dataTransfer.files.length) upload(form, event.dataTransfer.files);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { bind(document); });
  document.addEventListener("htmx:load", function (event) { bind(event.target); });
})();
