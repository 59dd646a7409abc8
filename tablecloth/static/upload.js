// The upload page's script: photos go over the resumable tus protocol in pieces, the queue
// waits out a lost signal and carries on by itself, and picked photos survive a reload
// (IndexedDB). Without this script the form still posts every photo at once.
(function () {
  "use strict";

  // ------------------------------------------------------------------ copy and share

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // Older phones: select a temporary field and use the legacy copy command.
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "offscreen";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } finally { area.remove(); }
    return Promise.resolve();
  }

  function enableButtons(root) {
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
    root.querySelectorAll("button.share[data-share]").forEach(function (button) {
      if (button.dataset.ready || !navigator.share) return;
      button.dataset.ready = "1";
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.share({ title: button.dataset.title || document.title,
                          url: button.dataset.share }).catch(function () {});
      });
    });
  }

  enableButtons(document);
  const form = document.getElementById("upload-form");
  if (!form || !window.XMLHttpRequest || !window.fetch || !window.Blob) return;
  const M = JSON.parse(document.getElementById("upload-messages").textContent);
  form.classList.add("js");

  const tusUrl = form.dataset.tusUrl;
  const groupUrl = form.dataset.groupUrl;
  const maxBytes = parseInt(form.dataset.maxBytes, 10);
  const maxFiles = parseInt(form.dataset.maxFiles, 10);
  const chunkBytes = parseInt(form.dataset.chunkBytes, 10) || 1048576;
  const input = form.elements.photos;
  const picked = document.getElementById("picked");
  const statusLine = document.getElementById("status-line");
  const sendButton = document.getElementById("send");
  const receipts = document.getElementById("receipts");
  const receiptList = document.getElementById("receipt-list");
  const mineBox = document.getElementById("mine");
  const resumeBox = document.getElementById("resume");
  const items = [];
  const ANSWERS = ["code", "first_name", "age_band", "consent_self", "consent_guardian", "terms"];
  let running = false;
  let retryTimer = null;
  let retryDelay = 1000;
  let visitToken = null;   // the visit's private token: every photo of this sitting shares it
  let visitHeld = 0;       // photos the visit has, as the server last said

  // ------------------------------------------------------------------ the group and guardian

  // The city comes from the invite code: show whose group it is, and whether a parent or
  // guardian must agree (under 13 anywhere, under 18 in a Russian city). The server checks
  // the same rules; this only saves a refused photo.
  const guardian = document.getElementById("guardian");
  const guardianBox = form.elements.consent_guardian;
  const groupLine = document.getElementById("group-line");
  let homeLanguage = "";
  function updateGuardian() {
    const chosen = form.querySelector("input[name=age_band]:checked");
    const band = chosen ? chosen.value : "";
    const needed = band === "under13" || (homeLanguage === "ru" && band !== "" && band !== "18+");
    guardian.hidden = !needed;
    guardianBox.required = needed;
  }
  form.querySelectorAll("input[name=age_band]").forEach(function (radio) {
    radio.addEventListener("change", updateGuardian);
  });
  let lookup = 0;
  function lookUpGroup() {
    const code = form.elements.code.value.trim();
    const mine = ++lookup;
    if (!code || !groupUrl) { groupLine.hidden = true; return; }
    fetch(groupUrl + "?code=" + encodeURIComponent(code), { headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (body) {
        if (mine !== lookup) return;
        if (body.ok) {
          homeLanguage = body.home_language;
          groupLine.textContent = body.label;
          groupLine.hidden = false;
          showFieldError("code", "");
        } else {
          homeLanguage = "";
          groupLine.hidden = true;
          showFieldError("code", body.message);
        }
        updateGuardian();
      }).catch(function () { /* checked again when sending */ });
  }
  form.elements.code.addEventListener("change", lookUpGroup);
  updateGuardian();
  if (form.elements.code.value.trim()) lookUpGroup();

  // ------------------------------------------------------------------ what the browser keeps

  // Picked photos, their captions and how far each got are kept in IndexedDB, so a reload or a
  // closed tab loses nothing; everything is forgotten once every photo has its receipt.
  const keep = (function () {
    let opening = null;
    function open() {
      if (!opening) {
        opening = new Promise(function (resolve) {
          let request;
          try { request = indexedDB.open("tablecloth-upload", 1); } catch (e) { resolve(null); return; }
          request.onupgradeneeded = function () {
            request.result.createObjectStore("photos", { keyPath: "key" });
            request.result.createObjectStore("meta");
          };
          request.onsuccess = function () { resolve(request.result); };
          request.onerror = function () { resolve(null); };
        });
      }
      return opening;
    }
    function run(storeName, mode, work) {
      return open().then(function (db) {
        if (!db) return null;
        return new Promise(function (resolve) {
          const tx = db.transaction(storeName, mode);
          const result = work(tx.objectStore(storeName));
          tx.oncomplete = function () { resolve(result && result.result); };
          tx.onerror = tx.onabort = function () { resolve(null); };
        });
      });
    }
    return {
      put: function (record) { return run("photos", "readwrite", function (s) { return s.put(record); }); },
      drop: function (key) { return run("photos", "readwrite", function (s) { return s.delete(key); }); },
      all: function () { return run("photos", "readonly", function (s) { return s.getAll(); }); },
      set: function (name, value) { return run("meta", "readwrite", function (s) { return s.put(value, name); }); },
      get: function (name) { return run("meta", "readonly", function (s) { return s.get(name); }); },
    };
  })();

  function record(item) {
    return { key: item.key, file: item.file, name: item.file.name, caption: item.caption.value,
             url: item.url, state: item.state === "done" ? "done" : "pending",
             code: item.code || null, receiptHtml: item.receiptHtml || null, at: Date.now(),
             picked: item.picked };
  }

  function saveAnswers() {
    const answers = {};
    ANSWERS.forEach(function (name) {
      const field = form.elements[name];
      if (!field) return;
      if (field.type === "checkbox") answers[name] = field.checked;
      else answers[name] = field.value;
    });
    return keep.set("answers", answers);
  }

  function restoreAnswers(answers) {
    if (!answers) return;
    ANSWERS.forEach(function (name) {
      const field = form.elements[name];
      if (!field || !(name in answers)) return;
      if (field.type === "checkbox") field.checked = Boolean(answers[name]);
      else if (field.length !== undefined && !field.tagName) {
        Array.prototype.forEach.call(field, function (radio) { radio.checked = radio.value === answers[name]; });
      } else if (!field.value) field.value = answers[name];
    });
    updateGuardian();
  }

  // ------------------------------------------------------------------ the cards

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function setState(item, state, text) {
    item.state = state;
    item.card.dataset.state = state;
    item.card.classList.toggle("done", state === "done");
    item.card.classList.toggle("failed", state === "refused" || state === "trouble");
    item.stateLine.textContent = text;
    item.progress.hidden = !(state === "sending" || state === "checking" || state === "waiting");
    // "Try again" only where trying again can help: trouble on the way, never a refused file.
    item.retry.hidden = !(state === "trouble" || state === "waiting");
    item.remove.hidden = !(state === "new" || state === "refused" || state === "trouble");
    item.caption.disabled = !(state === "new" || state === "trouble");
  }

  function showProgress(item, sent) {
    const fraction = item.file.size ? Math.min(1, sent / item.file.size) : 1;
    item.progress.value = fraction;
    if (item.state === "sending") {
      item.stateLine.textContent = M.sending + " " + Math.floor(fraction * 100) + " %";
    }
  }

  function addItem(file, saved) {
    const card = el("li", "card");
    const url = URL.createObjectURL(file);
    const image = el("img", "preview");
    image.alt = "";
    const side = el("div", "side");
    const name = el("p", "name", file.name || M.photo);
    const note = el("p", "name");
    image.addEventListener("error", function () {
      // HEIC and some other formats cannot be shown by every browser: show the name instead.
      image.replaceWith(el("div", "placeholder", file.name || ""));
      note.textContent = M.no_preview;
      URL.revokeObjectURL(url);
    });
    const id = "caption-" + items.length + "-" + Date.now();
    const label = el("label", "", M.caption);
    label.htmlFor = id;
    const caption = el("textarea");
    caption.id = id;
    caption.rows = 2;
    caption.maxLength = 280;
    caption.value = (saved && saved.caption) || "";
    side.append(name, note, label, caption);
    image.src = url;
    const progress = el("progress", "wide");
    progress.max = 1;
    progress.value = 0;
    const stateLine = el("p", "state wide", "");
    stateLine.setAttribute("role", "status");
    const actions = el("div", "actions wide");
    const retry = el("button", "secondary", M.retry);
    retry.type = "button";
    const remove = el("button", "secondary", M.remove);
    remove.type = "button";
    actions.append(retry, remove);
    card.append(image, side, progress, stateLine, actions);
    picked.appendChild(card);
    const item = { key: (saved && saved.key) || newKey(), file: file, card: card, caption: caption,
                   progress: progress, stateLine: stateLine, retry: retry, remove: remove,
                   state: "new", url: (saved && saved.url) || null, code: null,
                   picked: (saved && saved.picked) || Date.now() * 1000 + items.length };
    items.push(item);
    retry.addEventListener("click", function () {
      retryDelay = 1000;
      if (item.state === "waiting") { resume(); return; }
      setState(item, "queued", M.waiting);
      pump();
    });
    remove.addEventListener("click", function () {
      items.splice(items.indexOf(item), 1);
      URL.revokeObjectURL(url);
      card.remove();
      keep.drop(item.key);
      if (item.url) fetch(item.url, { method: "DELETE", headers: { "Tus-Resumable": "1.0.0" } }).catch(function () {});
    });
    caption.addEventListener("change", function () { keep.put(record(item)); });
    setState(item, "new", "");
    if (file.size > maxBytes) setState(item, "refused", M.too_large);
    return item;
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function live() {
    return items.filter(function (item) { return item.state !== "refused"; });
  }

  input.addEventListener("change", function () {
    const files = Array.prototype.slice.call(input.files);
    const waiting = live().filter(function (item) { return item.state !== "done"; }).length;
    input.value = "";  // picking the same photo again still fires "change"
    if (waiting + files.length > maxFiles) {
      // As the form without the script: too many at once and none is taken, so nothing is
      // sent that the participant did not mean to send in this round.
      showFieldError("photos", M.too_many.replace("%(count)s", String(waiting + files.length)));
      return;
    }
    showFieldError("photos", "");
    files.forEach(function (file) {
      const item = addItem(file);
      if (item.state === "new") keep.put(record(item));
    });
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

  // ------------------------------------------------------------------ tus, by hand

  function Trouble(message) { this.message = message; }   // the network or our server: retry
  function Refused(body) { this.body = body; }             // a clear no: say what to do instead

  function b64(text) {
    const bytes = new TextEncoder().encode(String(text));
    let binary = "";
    bytes.forEach(function (b) { binary += String.fromCharCode(b); });
    return btoa(binary);
  }

  function answersMetadata(item) {
    const fields = { photo_key: item.key, filename: item.file.name || "photo",
                     filetype: item.file.type || "", caption: item.caption.value,
                     language: document.documentElement.lang || "" };
    ANSWERS.forEach(function (name) {
      const field = form.elements[name];
      if (!field) return;
      const key = name === "code" ? "invite" : name;
      if (field.type === "checkbox") fields[key] = field.checked ? "yes" : "";
      else fields[key] = field.value;
    });
    if (visitToken) fields.visit = visitToken;
    return Object.keys(fields).map(function (key) { return key + " " + b64(fields[key]); }).join(",");
  }

  function refusalOrTrouble(response) {
    // 5xx (503 when the disk is full or the database is away) is trouble on our side: wait
    // and resume as after a lost signal. Anything else carries a refusal that says what to do.
    if (response.status === 0 || response.status >= 500) {
      return response.text().then(function () { throw new Trouble(M.server); });
    }
    return response.json().then(function (body) { throw new Refused(body); },
                                function () { throw new Trouble(M.server); });
  }

  function request(url, options) {
    options.headers = Object.assign({ "Tus-Resumable": "1.0.0", Accept: "application/json" },
                                    options.headers || {});
    options.credentials = "same-origin";
    options.cache = "no-store";
    return fetch(url, options).catch(function () { throw new Trouble(M.network); });
  }

  // Each step below resolves to the offset the server holds (null: ask it again).
  function create(item) {
    return request(tusUrl, {
      method: "POST",
      headers: { "Upload-Length": String(item.file.size), "Upload-Metadata": answersMetadata(item) },
    }).then(function (response) {
      if (response.status !== 201) return refusalOrTrouble(response);
      const visit = response.headers.get("Upload-Visit");
      if (visit && visit !== visitToken) {
        visitToken = visit;
        keep.set("visit", { token: visit, at: Date.now(), held: visitHeld });
      }
      item.url = new URL(response.headers.get("Location"), location.href).href;
      keep.put(record(item));
      // A photo asked for again after a lost answer may already be part-way there.
      const offset = parseInt(response.headers.get("Upload-Offset"), 10);
      return isNaN(offset) ? null : offset;
    });
  }

  function heldOffset(item) {
    return request(item.url, { method: "HEAD" }).then(function (response) {
      if (response.status === 404 || response.status === 410) {
        item.url = null;  // expired on the server: start this photo again
        return null;
      }
      if (!response.ok) throw new Trouble(M.server);
      return parseInt(response.headers.get("Upload-Offset"), 10);
    });
  }

  function patch(item, offset) {
    return new Promise(function (resolve, reject) {
      const piece = item.file.slice(offset, Math.min(item.file.size, offset + chunkBytes));
      const xhr = new XMLHttpRequest();
      xhr.open("PATCH", item.url);
      xhr.setRequestHeader("Tus-Resumable", "1.0.0");
      xhr.setRequestHeader("Upload-Offset", String(offset));
      xhr.setRequestHeader("Content-Type", "application/offset+octet-stream");
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.onprogress = function (event) { showProgress(item, offset + event.loaded); };
      if (offset + piece.size >= item.file.size) {
        xhr.upload.onload = function () { setState(item, "checking", M.processing); item.progress.removeAttribute("value"); };
      }
      xhr.onload = function () {
        if (xhr.status === 204) { resolve(parseInt(xhr.getResponseHeader("Upload-Offset"), 10)); return; }
        if (xhr.status >= 500 || xhr.status === 0) { reject(new Trouble(M.server)); return; }
        let body = null;
        try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
        // Out of step (a piece went missing): ask the server where to go on.
        if (xhr.status === 409 && body && body.reason === "upload_offset_mismatch") { resolve(null); return; }
        // Cleared away after waiting too long: this photo starts again.
        if (xhr.status === 404 || xhr.status === 410) { item.url = null; resolve(null); return; }
        reject(body ? new Refused(body) : new Trouble(M.server));
      };
      xhr.onerror = xhr.ontimeout = xhr.onabort = function () { reject(new Trouble(M.network)); };
      xhr.send(piece);
    });
  }

  // The receipt, or the refusal, of a photo whose last byte has arrived: asking again after a
  // lost answer gets the same one.
  function fetchReceipt(item) {
    return request(item.url, { method: "GET" }).then(function (response) {
      if (response.status >= 500) throw new Trouble(M.server);
      return response.json().then(function (body) {
        if (response.status === 409 && body.reason === "upload_incomplete") return null;
        if (body.state === "done") return body;
        throw new Refused(body);
      }, function () { throw new Trouble(M.server); });
    });
  }

  function sendOne(item) {
    setState(item, "sending", M.sending + " 0 %");
    function where() {
      if (!item.url) return create(item);
      return heldOffset(item);
    }
    return where().then(function loop(offset) {
      if (offset === null) return where().then(loop);
      showProgress(item, offset);
      if (offset >= item.file.size) {
        setState(item, "checking", M.processing);
        return fetchReceipt(item).then(function (body) {
          return body === null ? where().then(loop) : body;
        });
      }
      if (item.state !== "sending") setState(item, "sending", M.sending);
      showProgress(item, offset);
      return patch(item, offset).then(function (next) {
        retryDelay = 1000;  // the link works: a later cut starts its waits short again
        return next === null ? where().then(loop) : loop(next);
      });
    }).then(function (body) { received(item, body); });
  }

  function received(item, body) {
    item.code = body.code;
    item.receiptHtml = body.receipt_html;
    if (typeof body.visit_photos === "number") {
      visitHeld = body.visit_photos;
      keep.set("visit", { token: visitToken, at: Date.now(), held: visitHeld, mineHtml: body.mine_html });
    }
    setState(item, "done", M.sent + " · " + body.code);
    showReceipt(item.code, body.receipt_html, body.mine_html);
    keep.put(record(item));
  }

  function showReceipt(code, html, mineHtml) {
    if (mineHtml && mineBox) {
      mineBox.innerHTML = mineHtml;
      mineBox.hidden = false;
      enableButtons(mineBox);
    }
    if (!receiptList.querySelector('[data-code="' + code + '"]')) {
      const holder = document.createElement("div");
      holder.innerHTML = html;
      while (holder.firstChild) receiptList.appendChild(holder.firstChild);
      enableButtons(receiptList);
    }
    receipts.hidden = false;
  }

  // ------------------------------------------------------------------ the queue

  function counts() {
    const all = items.filter(function (item) { return item.state !== "new" && item.state !== "refused"; });
    const sent = all.filter(function (item) { return item.state === "done"; }).length;
    return { sent: sent, total: all.length };
  }

  function say(template) {
    const c = counts();
    return template.replace("%(sent)s", String(c.sent)).replace("%(total)s", String(c.total));
  }

  function pause(item, trouble) {
    // Everything waits together; nothing is marked failed for a lost signal or a busy server.
    const ours = trouble && trouble.message === M.server;
    setState(item, "waiting", ours ? M.waiting_server_short : M.waiting_signal_short);
    statusLine.textContent = say(ours ? M.waiting_server : M.waiting_signal);
    clearTimeout(retryTimer);
    retryTimer = setTimeout(resume, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 30000);
    running = false;
    sendButton.disabled = false;  // a tap tries again at once; waiting needs none
    return trouble;
  }

  function resume() {
    clearTimeout(retryTimer);
    retryTimer = null;
    items.forEach(function (item) {
      if (item.state === "waiting") setState(item, "queued", M.waiting);
    });
    pump();
  }

  window.addEventListener("online", function () {
    if (retryTimer) { retryDelay = 1000; resume(); }
  });

  function pump() {
    if (running) return;
    const next = items.find(function (item) { return item.state === "queued" || item.state === "waiting"; });
    if (!next) { finish(); return; }
    running = true;
    sendButton.disabled = true;
    statusLine.textContent = say(M.progress);
    sendOne(next).then(function () {
      running = false;
      pump();
    }, function (problem) {
      if (problem instanceof Refused) {
        running = false;
        refusedItem(next, problem.body || {});
        pump();
      } else {
        pause(next, problem);
      }
    });
  }

  function refusedItem(item, body) {
    if (body.fields) {
      // The shared answers are wrong: stop the queue and point at the fields.
      if (body.fields.consent_guardian) { guardian.hidden = false; guardianBox.required = true; }
      Object.keys(body.fields).forEach(function (name) { showFieldError(name, body.fields[name]); });
      items.forEach(function (other) {
        if (other.state === "queued" || other.state === "waiting") setState(other, "new", "");
      });
      setState(item, "new", "");
      statusLine.textContent = body.message || "";
      const first = form.querySelector(".field.invalid");
      if (first) first.scrollIntoView({ behavior: "smooth", block: "center" });
      return;
    }
    if (body.reason === "too_many_files" || body.reason === "visit_full") {
      items.forEach(function (other) {
        if (other.state === "queued" || other.state === "waiting") setState(other, "new", "");
      });
      showFieldError("photos", body.message);
    }
    if (body.receipt_html) { received(item, body); return; }
    setState(item, "refused", body.message || M.server);
    keep.drop(item.key);
  }

  function finish() {
    sendButton.disabled = false;
    const c = counts();
    const left = items.filter(function (item) { return item.state === "new" || item.state === "trouble"; }).length;
    const refused = items.filter(function (item) { return item.state === "refused"; }).length;
    if (c.sent === 0) return;
    receipts.hidden = false;
    if (refused > 0 && left === 0) {
      // Keep the refused cards in sight: each says why and what to do instead.
      statusLine.textContent = M.some_refused.replace("%(count)s", String(refused));
    } else if (left === 0 && c.sent === c.total) {
      statusLine.textContent = M.all_sent;
      const allSent = document.getElementById("all-sent");
      if (allSent) { allSent.textContent = M.all_sent; allSent.hidden = false; }
      form.hidden = true;
      if (resumeBox) resumeBox.hidden = true;
      receipts.focus();
      receipts.scrollIntoView({ behavior: "smooth", block: "start" });
      items.forEach(function (item) { keep.drop(item.key); });
    } else {
      statusLine.textContent = say(M.progress);
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearFieldErrors();
    statusLine.textContent = "";
    if (!form.reportValidity()) return;
    // The big button resends everything not yet sent, whatever stopped it.
    const ready = items.filter(function (item) {
      return item.state === "new" || item.state === "trouble" || item.state === "waiting";
    });
    if (ready.length === 0) {
      if (!items.some(function (item) { return item.state !== "refused"; })) showFieldError("photos", M.no_files);
      return;
    }
    saveAnswers();
    const travelling = items.some(function (item) { return item.url && item.state !== "done" && item.state !== "refused"; });
    if (visitToken && !travelling && visitHeld + ready.length > maxFiles) {
      // This sitting has sent as many photos as one visit may: the next ones start a new
      // visit (with its own "my photos" link) rather than being refused.
      visitToken = null;
      visitHeld = 0;
      keep.set("visit", null);
    }
    ready.forEach(function (item) { setState(item, "queued", M.waiting); });
    retryDelay = 1000;
    clearTimeout(retryTimer);
    retryTimer = null;
    pump();
  });

  // ------------------------------------------------------------------ after a reload

  Promise.all([keep.get("visit"), keep.get("answers"), keep.all()]).then(function (found) {
    const visit = found[0];
    // A visit is one sitting: after half a day the next photos start a new private page.
    if (visit && visit.token && Date.now() - visit.at < 12 * 3600 * 1000) {
      visitToken = visit.token;
      visitHeld = visit.held || 0;
    }
    // In the order they were picked, so the photo that was part-way goes on first.
    const saved = (found[2] || []).filter(function (r) { return r.file; })
      .sort(function (a, b) { return (a.picked || 0) - (b.picked || 0); });
    const done = saved.filter(function (r) { return r.state === "done" && r.receiptHtml; });
    const pending = saved.filter(function (r) { return r.state !== "done"; });
    done.forEach(function (r) { showReceipt(r.code, r.receiptHtml, null); });
    if (pending.length === 0) {
      if (done.length) keep.all().then(function () { done.forEach(function (r) { keep.drop(r.key); }); });
      return;
    }
    restoreAnswers(found[1]);
    pending.forEach(function (r) { addItem(r.file, r); });
    if (resumeBox) {
      resumeBox.querySelector("p").textContent = M.resume.replace("%(count)s", String(pending.length));
      resumeBox.hidden = false;
      // A reload keeps the scroll position, which would leave this offer out of sight.
      resumeBox.scrollIntoView({ block: "center" });
      resumeBox.querySelector("button").addEventListener("click", function () {
        resumeBox.hidden = true;
        form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit", { cancelable: true }));
      });
    }
  });
})();
