// Uploads with a progress bar per file. Each file is its own request, so each stays under
// the server's size limit and has its own bar (htmx's own upload sends all files in one
// request with one bar). The answers are handled the way htmx handles its own requests:
// HX-Redirect is followed (an expired session lands on the login page), HX-Retarget and
// HX-Reswap put an error in the page's message area (e.g. 413) and leave the panel alone,
// HX-Trigger is fired (the level box refreshes); any other answer is the item's panel,
// the same fragment htmx gets, with the Thai message of a refused file inside.
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
    return row;
  }

  function markFailed(row, text) {
    var reason = document.createElement("span");
    reason.className = "upload-failed";
    reason.setAttribute("role", "alert");
    reason.textContent = "ไม่สำเร็จ: " + text;
    row.querySelector("progress").replaceWith(reason);
    row.classList.add("failed");
  }

  function sendOne(form, file, bar) {
    return new Promise(function (resolve) {
      var data = new FormData();
      data.append("files", file, file.name);
      data.append("csrf_token", csrfToken(form));
      // The optional title names one file only; the document date goes with each.
      var title = form.querySelector("[name=title]"), day = form.querySelector("[name=document_date]");
      if (title && form.dataset.fileCount === "1") data.append("title", title.value);
      if (day) data.append("document_date", day.value);
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

  // The reason in an error fragment (errors/_message.html marks it), else all its text.
  function reasonIn(html) {
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var detail = holder.querySelector(".error-detail") || holder;
    return detail.textContent.replace(/\s+/g, " ").trim();
  }

  function fireTriggers(xhr) {
    var header = xhr.getResponseHeader("HX-Trigger");
    if (!header) return;
    var names = header.trim().charAt(0) === "{" ? Object.keys(JSON.parse(header)) : header.split(",");
    names.forEach(function (name) { window.htmx.trigger(document.body, name.trim()); });
  }

  // What htmx would do with the answer; true when it belongs to the item's panel.
  function forThePanel(xhr) {
    var redirect = xhr.getResponseHeader("HX-Redirect");
    if (redirect) {
      window.location.href = redirect;
      return false;
    }
    var retarget = xhr.getResponseHeader("HX-Retarget");
    if (retarget) {
      window.htmx.swap(retarget, xhr.responseText, { swapStyle: xhr.getResponseHeader("HX-Reswap") || "innerHTML" });
      return false;
    }
    return true;
  }

  async function upload(form, files) {
    var list = form.querySelector(".upload-progress");
    var rows = Array.prototype.map.call(files, function (file) { return progressRow(list, file); });
    form.dataset.fileCount = String(files.length);
    var maxBytes = Number(form.dataset.maxBytes || 0);
    var panelHtml = null;
    var failed = [];
    var triggers = [];
    for (var i = 0; i < files.length; i++) {
      if (maxBytes && files[i].size > maxBytes) { // refused here: the server would answer 413
        markFailed(rows[i], form.dataset.tooLarge.replace("{name}", files[i].name));
        failed.push(rows[i]);
        continue;
      }
      var xhr = await sendOne(form, files[i], rows[i].querySelector("progress"));
      if (xhr === null) {
        markFailed(rows[i], "ส่งไฟล์ไม่สำเร็จ (การเชื่อมต่อขัดข้อง)");
        failed.push(rows[i]);
        continue;
      }
      if (!forThePanel(xhr)) {
        if (xhr.getResponseHeader("HX-Redirect")) return; // leaving for the login page
        markFailed(rows[i], reasonIn(xhr.responseText));
        failed.push(rows[i]);
        if (xhr.status === 413) continue; // this file only; the others may fit
        break;
      }
      rows[i].querySelector("progress").value = 100;
      panelHtml = xhr.responseText;
      triggers.push(xhr);
      if (xhr.status >= 400) break; // the panel shows why; the rest are not sent
    }
    if (panelHtml !== null) {
      window.htmx.swap(form.dataset.uploadTarget, panelHtml, { swapStyle: "outerHTML" });
    }
    var panel = document.querySelector(form.dataset.uploadTarget);
    if (panel) {
      var newList = panel.querySelector(".upload-progress");
      failed.forEach(function (row) { if (newList && !newList.contains(row)) newList.appendChild(row); });
      var details = panel.querySelector("details.add-evidence");
      if (details) details.open = true;
    }
    triggers.forEach(fireTriggers);
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
