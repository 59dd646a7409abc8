// Progressive enhancement of the upload form: previews, a caption per photo, one request per
// photo with its own progress bar, "Try again" per failed photo, receipts as they arrive.
// Without this script the form still posts every photo at once and the server shows receipts.
(function () {
  "use strict";

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // Older phones: select a temporary field and use the legacy copy command.
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } finally { area.remove(); }
    return Promise.resolve();
  }

  function enableCopy(root) {
    root.querySelectorAll("button.copy[data-copy]").forEach(function (button) {
      if (button.dataset.ready) return;
      button.dataset.ready = "1";
      button.hidden = false;
      const label = button.textContent;
      button.addEventListener("click", function () {
        copyText(button.dataset.copy).then(function () {
          button.textContent = button.dataset.copied || label;
          setTimeout(function () { button.textContent = label; }, 2500);
        }, function () { /* the link stays visible to copy by hand */ });
      });
    });
  }

  enableCopy(document);
  const form = document.getElementById("upload-form");
  if (!form || !window.FormData || !window.XMLHttpRequest) return;
  const M = JSON.parse(document.getElementById("upload-messages").textContent);
  form.classList.add("js");

  const oneUrl = form.dataset.oneUrl;
  const maxBytes = parseInt(form.dataset.maxBytes, 10);
  const input = form.elements.photos;
  const picked = document.getElementById("picked");
  const statusLine = document.getElementById("status-line");
  const sendButton = document.getElementById("send");
  const receipts = document.getElementById("receipts");
  const receiptList = document.getElementById("receipt-list");
  const items = [];
  let running = false;

  // The guardian's box appears only when the rules ask for it (server checks the same).
  const city = form.elements.city;
  const guardian = document.getElementById("guardian");
  const guardianBox = form.elements.consent_guardian;
  function updateGuardian() {
    const option = city.options[city.selectedIndex];
    const language = option ? option.dataset.homeLanguage : "";
    const chosen = form.querySelector("input[name=age_band]:checked");
    const band = chosen ? chosen.value : "";
    const needed = band === "under13" || (language === "ru" && band !== "" && band !== "18+");
    guardian.hidden = !needed;
    guardianBox.required = needed;
    if (!needed) guardianBox.checked = false;
  }
  city.addEventListener("change", updateGuardian);
  form.querySelectorAll("input[name=age_band]").forEach(function (radio) {
    radio.addEventListener("change", updateGuardian);
  });
  updateGuardian();

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function setState(item, state, text) {
    item.state = state;
    item.card.classList.toggle("done", state === "done");
    item.card.classList.toggle("failed", state === "failed");
    item.stateLine.textContent = text;
    item.progress.hidden = !(state === "sending" || state === "processing");
    item.retry.hidden = state !== "failed";
    item.remove.hidden = !(state === "new" || state === "failed");
    item.caption.disabled = state === "sending" || state === "processing" || state === "done";
  }

  function addItem(file) {
    const card = el("li", "card");
    const url = URL.createObjectURL(file);
    const image = el("img", "preview");
    image.alt = "";
    image.addEventListener("error", function () {
      // HEIC and some other formats cannot be shown by every browser: show the name instead.
      const placeholder = el("div", "placeholder", file.name);
      image.replaceWith(placeholder);
      note.textContent = M.no_preview;
      URL.revokeObjectURL(url);
    });
    const side = el("div", "side");
    const name = el("p", "name", file.name);
    const note = el("p", "name");
    const id = "caption-" + items.length + "-" + Date.now();
    const label = el("label", "", M.caption);
    label.htmlFor = id;
    const caption = el("textarea");
    caption.id = id;
    caption.rows = 2;
    caption.maxLength = 280;
    side.append(name, note, label, caption);
    image.src = url;
    const progress = el("progress", "wide");
    progress.max = 1;
    progress.value = 0;
    const stateLine = el("p", "state wide", M.waiting);
    stateLine.setAttribute("role", "status");
    const actions = el("div", "actions wide");
    const retry = el("button", "secondary", M.retry);
    retry.type = "button";
    const remove = el("button", "secondary", M.remove);
    remove.type = "button";
    actions.append(retry, remove);
    card.append(image, side, progress, stateLine, actions);
    picked.appendChild(card);
    const item = { file: file, card: card, caption: caption, progress: progress,
                   stateLine: stateLine, retry: retry, remove: remove, state: "new" };
    items.push(item);
    retry.addEventListener("click", function () {
      setState(item, "queued", M.waiting);
      pump();
    });
    remove.addEventListener("click", function () {
      items.splice(items.indexOf(item), 1);
      URL.revokeObjectURL(url);
      card.remove();
    });
    setState(item, "new", "");
    if (file.size > maxBytes) setState(item, "failed", M.too_large);
  }

  input.addEventListener("change", function () {
    Array.prototype.forEach.call(input.files, addItem);
    input.value = "";  // picking the same photo again still fires "change"
    showFieldError("photos", "");
  });

  function showFieldError(name, message) {
    const target = document.getElementById(name + "-error");
    if (!target) return;
    target.textContent = message;
    target.hidden = !message;
    const field = target.closest(".field");
    if (field) field.classList.toggle("invalid", Boolean(message));
  }

  function clearFieldErrors() {
    form.querySelectorAll("[data-error-for]").forEach(function (node) {
      showFieldError(node.dataset.errorFor, "");
    });
    const problems = document.getElementById("problems");
    if (problems) problems.remove();
  }

  function send(item, done) {
    const data = new FormData(form);
    data.delete("photos");
    data.delete("caption");
    data.append("caption", item.caption.value);
    data.append("photo", item.file, item.file.name);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", oneUrl);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = function (event) {
      if (event.lengthComputable) item.progress.value = event.loaded / event.total;
    };
    xhr.upload.onload = function () {
      item.progress.removeAttribute("value");  // indeterminate while the server checks it
      setState(item, "processing", M.processing);
    };
    xhr.onload = function () {
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch (error) { body = null; }
      if (body && body.ok) {
        setState(item, "done", M.sent + " · " + body.code);
        const holder = document.createElement("div");
        holder.innerHTML = body.receipt_html;
        while (holder.firstChild) receiptList.appendChild(holder.firstChild);
        enableCopy(receiptList);
      } else if (body && body.fields) {
        // The shared answers are wrong: stop the queue and point at the fields.
        Object.keys(body.fields).forEach(function (name) {
          showFieldError(name, body.fields[name]);
        });
        items.forEach(function (other) {
          if (other.state === "queued") setState(other, "new", "");
        });
        setState(item, "new", "");
        statusLine.textContent = body.message;
        const first = form.querySelector(".field.invalid");
        if (first) first.scrollIntoView({ behavior: "smooth", block: "center" });
      } else {
        setState(item, "failed", (body && body.message) || M.server);
      }
      done();
    };
    xhr.onerror = function () {
      setState(item, "failed", M.network);
      done();
    };
    setState(item, "sending", M.sending);
    item.progress.value = 0;
    xhr.send(data);
  }

  function pump() {
    if (running) return;
    const next = items.find(function (item) { return item.state === "queued"; });
    if (!next) { finish(); return; }
    running = true;
    sendButton.disabled = true;
    send(next, function () { running = false; pump(); });
  }

  function finish() {
    sendButton.disabled = false;
    const sent = items.filter(function (item) { return item.state === "done"; }).length;
    const failed = items.filter(function (item) { return item.state === "failed"; }).length;
    const waiting = items.filter(function (item) { return item.state === "new"; }).length;
    if (sent === 0) return;
    receipts.hidden = false;
    if (failed === 0 && waiting === 0) {
      statusLine.textContent = M.all_sent;
      form.hidden = true;
      receipts.focus();
      receipts.scrollIntoView({ behavior: "smooth", block: "start" });
    } else if (failed > 0) {
      statusLine.textContent = M.some_failed;
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearFieldErrors();
    statusLine.textContent = "";
    if (!form.reportValidity()) return;
    const ready = items.filter(function (item) { return item.state === "new"; });
    if (ready.length === 0) {
      if (!items.some(function (item) { return item.state === "failed"; })) {
        showFieldError("photos", M.no_files);
      }
      return;
    }
    ready.forEach(function (item) { setState(item, "queued", M.waiting); });
    pump();
  });
})();
