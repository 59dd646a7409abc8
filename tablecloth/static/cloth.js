// The cloth designer (live contrast, preset sizes, zoomable preview, photo order) and the
// export progress page. Plain DOM, no framework: organisers use ordinary laptops.
(function () {
  "use strict";

  function luminance(hex) {
    var v = hex.replace("#", "");
    var c = [0, 2, 4].map(function (i) {
      var x = parseInt(v.substr(i, 2), 16) / 255;
      return x <= 0.04045 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  }

  function setupContrast() {
    var dark = document.getElementById("dark");
    var light = document.getElementById("light");
    var out = document.getElementById("contrast");
    if (!dark || !light || !out) return;
    function update() {
      var a = luminance(dark.value), b = luminance(light.value);
      var ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      out.textContent = ratio.toFixed(1) + ":1";
      var bad = ratio < parseFloat(out.dataset.min) || a > b;
      out.classList.toggle("bad", bad);
      dark.setCustomValidity(bad ? document.getElementById("contrast-hint").textContent : "");
    }
    dark.addEventListener("input", update);
    light.addEventListener("input", update);
    update();
  }

  function setupPresets() {
    var preset = document.getElementById("preset");
    var width = document.getElementById("width_mm");
    var height = document.getElementById("height_mm");
    if (!preset || !width) return;
    var sizes = {"square-60in": [1800, 1800], "square-1400": [1400, 1400],
                 "round-1500": [1500, 1500], "rect-1800x2400": [1800, 2400]};
    preset.addEventListener("change", function () {
      var size = sizes[preset.value];
      if (size) { width.value = size[0]; height.value = size[1]; }
    });
    [width, height].forEach(function (input) {
      input.addEventListener("input", function () { preset.value = "custom"; });
    });
  }

  function setupPreview() {
    var root = document.getElementById("designer");
    var canvas = document.getElementById("canvas");
    var viewport = document.getElementById("viewport");
    if (!root || !canvas) return;
    var zoom = 1;
    // Zoom keeps one point of the cloth still: the pointer's (wheel, pinch) or the middle of
    // the view (buttons, keys), so the codes being looked at stay in view.
    function middle() {
      var view = viewport.getBoundingClientRect();
      return [view.left + viewport.clientWidth / 2, view.top + viewport.clientHeight / 2];
    }
    function zoomTo(next, clientX, clientY) {
      next = Math.min(12, Math.max(1, next));
      var centred = clientX === undefined;
      var at = centred ? middle() : [clientX, clientY];
      var before = canvas.getBoundingClientRect();
      var fx = (at[0] - before.left) / before.width;
      var fy = (at[1] - before.top) / before.height;
      zoom = next;
      canvas.style.width = zoom === 1 ? "" : "calc(" + zoom + " * min(100%, 74vh))";
      // The view itself may grow with the cloth: aim at its new middle, or the pointer.
      if (centred) at = middle();
      var after = canvas.getBoundingClientRect();
      viewport.scrollLeft += after.left + fx * after.width - at[0];
      viewport.scrollTop += after.top + fy * after.height - at[1];
    }
    document.querySelectorAll("[data-zoom]").forEach(function (button) {
      button.addEventListener("click", function () {
        var how = button.dataset.zoom;
        zoomTo(how === "in" ? zoom * 1.5 : how === "out" ? zoom / 1.5 : 1);
      });
    });
    viewport.addEventListener("wheel", function (event) {
      if (!event.ctrlKey) return; // trackpad pinch arrives as ctrl+wheel
      event.preventDefault();
      zoomTo(zoom * (event.deltaY < 0 ? 1.15 : 1 / 1.15), event.clientX, event.clientY);
    }, {passive: false});
    viewport.addEventListener("keydown", function (event) {
      if (event.key === "+" || event.key === "=") zoomTo(zoom * 1.5);
      if (event.key === "-") zoomTo(zoom / 1.5);
    });
    var pointers = {}, startDistance = 0, startZoom = 1;
    function distance() {
      var p = Object.values(pointers);
      return Math.hypot(p[0].x - p[1].x, p[0].y - p[1].y);
    }
    viewport.addEventListener("pointerdown", function (e) {
      pointers[e.pointerId] = {x: e.clientX, y: e.clientY};
      if (Object.keys(pointers).length === 2) { startDistance = distance(); startZoom = zoom; }
    });
    viewport.addEventListener("pointermove", function (e) {
      if (!pointers[e.pointerId]) return;
      pointers[e.pointerId] = {x: e.clientX, y: e.clientY};
      if (Object.keys(pointers).length === 2 && startDistance) {
        var p = Object.values(pointers);
        zoomTo(startZoom * distance() / startDistance, (p[0].x + p[1].x) / 2,
               (p[0].y + p[1].y) / 2);
      }
    });
    ["pointerup", "pointercancel", "pointerleave"].forEach(function (name) {
      viewport.addEventListener(name, function (e) { delete pointers[e.pointerId]; startDistance = 0; });
    });

    var tip = document.getElementById("tip");
    var tipImg = tip.querySelector("img"), tipText = tip.querySelector("span");
    function show(spot) {
      tipImg.src = spot.dataset.thumb;
      tipText.textContent = spot.title;
      var box = spot.getBoundingClientRect();
      // Fixed to the window, beside the code, flipped left near the right edge.
      var left = box.right + 8;
      if (left + 240 > window.innerWidth) left = Math.max(0, box.left - 248);
      tip.style.left = left + "px";
      tip.style.top = Math.max(0, Math.min(box.top, window.innerHeight - 260)) + "px";
      tip.hidden = false;
    }
    var layer = document.getElementById("hotspots");
    var placed = {};
    function addSpots(plan) {
      plan.cells.forEach(function (cell) {
        if (placed[cell.code]) return;
        placed[cell.code] = true;
        var spot = document.createElement("a");
        spot.className = "spot";
        spot.href = "#";
        spot.title = cell.code + " · " + cell.name + " · " + cell.city;
        spot.dataset.thumb = cell.thumb;
        spot.style.left = (100 * cell.x_mm / plan.width_mm) + "%";
        spot.style.top = (100 * cell.y_mm / plan.height_mm) + "%";
        spot.style.width = (100 * cell.size_mm / plan.width_mm) + "%";
        spot.style.height = (100 * cell.size_mm / plan.height_mm) + "%";
        spot.addEventListener("mouseenter", function () { show(spot); });
        spot.addEventListener("focus", function () { show(spot); });
        spot.addEventListener("mouseleave", function () { tip.hidden = true; });
        spot.addEventListener("blur", function () { tip.hidden = true; });
        spot.addEventListener("click", function (e) { e.preventDefault(); });
        layer.appendChild(spot);
      });
    }
    function getPlan(query) {
      var url = root.dataset.planUrl + (root.dataset.planUrl.indexOf("?") < 0 ? "?" : "&") + query;
      return fetch(url, {credentials: "same-origin"}).then(function (r) { return r.json(); });
    }
    // A large cloth sends its cells by region: those in view, fetched as the view moves.
    var whole = null, pending = null;
    function loadVisible() {
      if (!whole || !whole.regions) return;
      var box = canvas.getBoundingClientRect(), port = viewport.getBoundingClientRect();
      var x0 = Math.max(0, (port.left - box.left) / box.width);
      var y0 = Math.max(0, (port.top - box.top) / box.height);
      var x1 = Math.min(1, (port.right - box.left) / box.width);
      var y1 = Math.min(1, (port.bottom - box.top) / box.height);
      if (x1 <= x0 || y1 <= y0) return;
      getPlan("x0_mm=" + (x0 * whole.width_mm).toFixed(1) + "&y0_mm=" + (y0 * whole.height_mm).toFixed(1) +
              "&x1_mm=" + (x1 * whole.width_mm).toFixed(1) + "&y1_mm=" + (y1 * whole.height_mm).toFixed(1))
        .then(addSpots);
    }
    function later() { window.clearTimeout(pending); pending = window.setTimeout(loadVisible, 200); }
    viewport.addEventListener("scroll", later);
    document.querySelectorAll("[data-zoom]").forEach(function (b) { b.addEventListener("click", later); });
    viewport.addEventListener("wheel", later);
    getPlan("").then(function (plan) {
      if (!plan.width_mm) return;
      whole = plan;
      if (plan.cells) addSpots(plan);
      loadVisible();
    });
  }

  function setupOrder() {
    var list = document.getElementById("photo-order");
    var input = document.getElementById("order-input");
    if (!list || !input) return;
    var manual = document.querySelector("input[name=mode][value=manual]");
    // The list shows one page of the order; the hidden field holds all of it.
    var offset = parseInt(list.dataset.offset || "0", 10);
    if (offset) list.style.counterReset = "photo " + offset;
    function changed() {
      var order = input.value ? input.value.split(",") : [];
      var here = Array.prototype.map.call(list.children, function (li) {
        return li.dataset.code;
      });
      Array.prototype.splice.apply(order, [offset, here.length].concat(here));
      input.value = order.join(",");
      if (manual) manual.checked = true;
    }
    var dragged = null;
    list.addEventListener("dragstart", function (e) {
      dragged = e.target.closest("li");
      if (!dragged) return;
      dragged.classList.add("dragging");
      e.dataTransfer.effectAllowed = "move";
      e.dataTransfer.setData("text/plain", dragged.dataset.code);
    });
    list.addEventListener("dragover", function (e) {
      if (!dragged) return;
      e.preventDefault();
      var over = e.target.closest("li");
      if (!over || over === dragged) return;
      var box = over.getBoundingClientRect();
      var after = (e.clientY - box.top) > box.height / 2;
      list.insertBefore(dragged, after ? over.nextSibling : over);
    });
    list.addEventListener("drop", function (e) { e.preventDefault(); });
    list.addEventListener("dragend", function () {
      if (dragged) dragged.classList.remove("dragging");
      dragged = null;
      changed();
    });
    list.addEventListener("click", function (e) {
      var button = e.target.closest("button[data-move]");
      if (!button) return;
      var li = button.closest("li");
      if (button.dataset.move === "up" && li.previousElementSibling) {
        list.insertBefore(li, li.previousElementSibling);
      } else if (button.dataset.move === "down" && li.nextElementSibling) {
        list.insertBefore(li.nextElementSibling, li);
      }
      button.focus();
      changed();
    });
  }

  function setupExportPage() {
    var page = document.getElementById("export-page");
    if (!page || page.dataset.finished === "true") return;
    var bar = document.getElementById("bar");
    var message = document.getElementById("message");
    function render(status) {
      bar.value = status.progress;
      bar.textContent = Math.round(status.progress * 100) + "%";
      message.textContent = status.message;
      if (status.finished) {
        // Files, badges and the report are drawn by the server: reload once, at the end.
        window.location.reload();
        return;
      }
      window.setTimeout(poll, 1000);
    }
    function poll() {
      fetch(page.dataset.statusUrl, {credentials: "same-origin", cache: "no-store"})
        .then(function (r) { return r.json(); })
        .then(render)
        .catch(function () { window.setTimeout(poll, 3000); });
    }
    poll();
  }

  setupContrast();
  setupPresets();
  setupPreview();
  setupOrder();
  setupExportPage();
})();
