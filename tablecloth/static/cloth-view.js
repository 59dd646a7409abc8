// The public cloth as it is printed, zoomable: SVG drawn from the stored plan that the print
// files use (/cloth/cells.json: cells, title block, panels, in mm of the cloth with bleed).
// The whole cloth fits the box at first; wheel, pinch and the buttons zoom toward the pointer
// or the centre; a tap on a square opens its photo; arrow keys move between squares.
// No inline style or handler anywhere (the site's Content-Security-Policy): SVG attributes,
// classes and listeners only. Photos load as small tiles once squares are big enough to show
// them, so a first view costs the page, this script and the cells' data.
(function () {
  "use strict";
  // Set before the body is parsed: the plain list (the no-script page) stays hidden and its
  // lazy images are never fetched.
  document.documentElement.classList.add("js");

  var NS = "http://www.w3.org/2000/svg";
  var IMAGE_MIN_PX = 22; // a square smaller than this on screen shows its code, not its photo
  var IMAGE_MAX_VISIBLE = 400; // never more photos at once than this (bytes on a phone)
  var STEP = 1.6; // one press of + or -
  var MAX_HITS_LISTED = 12;

  function make(name, attrs, parent) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (parent) parent.appendChild(node);
    return node;
  }

  function fill(template, values) {
    return (template || "").replace(/\{(\w+)\}/g, function (all, key) {
      return key in values ? values[key] : all;
    });
  }

  function fold(text) {
    return (text || "").toLowerCase().replace(/ё/g, "е").normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "").trim();
  }

  function round(x) { return Math.round(x * 100) / 100; }

  // One QR-like glyph (finder squares and a fixed scatter of modules) drawn in every square
  // until its photo shows: from afar the twin looks like the printed cloth.
  // Returns [finder patterns, other modules] as two path strings: a tinted city's finders
  // are printed in the accent colour.
  function glyphPaths(n) {
    var finders = [], modules = [];
    function box(d, x, y, w) { d.push("M" + x + " " + y + "h" + w + "v" + w + "h-" + w + "z"); }
    function finder(x, y) {
      finders.push("M" + x + " " + y + "h7v7h-7zM" + (x + 1) + " " + (y + 1) + "v5h5v-5z");
      box(finders, x + 2, y + 2, 3);
    }
    finder(0, 0); finder(n - 7, 0); finder(0, n - 7);
    var seed = 7;
    for (var y = 0; y < n; y++) {
      for (var x = 0; x < n; x++) {
        var inFinder = (x < 8 && y < 8) || (x >= n - 8 && y < 8) || (x < 8 && y >= n - 8);
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        if (!inFinder && (seed >> 16) % 2) box(modules, x, y, 1);
      }
    }
    return [finders.join(""), modules.join("")];
  }

  function Viewer(root) {
    this.root = root;
    this.box = document.getElementById("cloth-box");
    this.status = document.getElementById("cloth-found");
    this.hitsList = document.getElementById("cloth-hits");
    this.input = document.getElementById("cloth-q");
    this.cells = [];
    this.byCode = {};
    this.s = 1; this.tx = 0; this.ty = 0; this.fitScale = 1;
    this.current = null;
    this.pending = false;
  }

  Viewer.prototype.load = function () {
    var self = this;
    var url = this.root.dataset.cells;
    function get(x0, y0, x1, y1, depth) {
      var query = "?x0_mm=" + round(x0) + "&y0_mm=" + round(y0) + "&x1_mm=" + round(x1) +
        "&y1_mm=" + round(y1);
      return fetch(url + query, {credentials: "same-origin"}).then(function (r) {
        return r.json();
      }).then(function (body) {
        if (!self.meta) self.meta = body;
        body.cells.forEach(function (c) {
          if (!self.byCode[c.code]) { self.byCode[c.code] = c; self.cells.push(c); }
        });
        if (!body.truncated || depth > 3) return null;
        // More cells here than one answer holds: ask for the four quarters.
        var mx = (x0 + x1) / 2, my = (y0 + y1) / 2;
        return Promise.all([get(x0, y0, mx, my, depth + 1), get(mx, y0, x1, my, depth + 1),
                            get(x0, my, mx, y1, depth + 1), get(mx, my, x1, y1, depth + 1)]);
      });
    }
    return fetch(url, {credentials: "same-origin"}).then(function (r) { return r.json(); })
      .then(function (meta) {
        self.meta = meta;
        if (!meta.width_mm) return null;
        return get(0, 0, meta.width_mm, meta.height_mm, 0);
      });
  };

  Viewer.prototype.draw = function () {
    var m = this.meta, self = this;
    var dark = m.dark || "#1a1a1a", light = m.light || "#ffffff";
    var frame = m.frame;
    var panels = m.panels || [];
    this.frame = {x: frame.x0_mm, y: frame.y0_mm, w: frame.x1_mm - frame.x0_mm,
                  h: frame.y1_mm - frame.y0_mm};
    // The finished cloth (inside its hem) where the plan says so, else its cut edge.
    var trim = m.finished || m.trim || {x_mm: 0, y_mm: 0, w_mm: m.width_mm, h_mm: m.height_mm};
    var panelFont = this.frame.w / 70;
    var numbersAt = this.frame.y - panelFont * 0.4;
    if (panels.length > 1) {
      // Room above the codes for the panels' numbers.
      this.frame.y -= panelFont * 1.6; this.frame.h += panelFont * 1.6;
    }
    var svg = this.svg = make("svg", {
      "class": "cloth-svg", role: "group", "aria-label": this.root.dataset.label,
      width: "100%", height: "300"
    }, this.box);
    var defs = make("defs", {}, svg);
    var size = 29, paths = glyphPaths(size), glyphs = {};
    function glyph(finderColour) {
      var key = finderColour || dark;
      if (!glyphs[key]) {
        var id = "qr-glyph-" + Object.keys(glyphs).length;
        var symbol = make("symbol", {id: id, viewBox: "0 0 " + size + " " + size}, defs);
        make("path", {d: paths[0], fill: key}, symbol);
        make("path", {d: paths[1], fill: dark}, symbol);
        glyphs[key] = "#" + id;
      }
      return glyphs[key];
    }
    var world = this.world = make("g", {"class": "world"}, svg);
    make("rect", {"class": "fabric", x: trim.x_mm, y: trim.y_mm, width: trim.w_mm,
                  height: trim.h_mm, fill: light}, world);
    panels.forEach(function (p, i) {
      if (panels.length < 2) return;
      var y0 = trim.y_mm, h = trim.h_mm;
      if (i > 0) {
        // The join: the band two panels share, sewn over; drawn as on the print's marks.
        var prev = panels[i - 1];
        make("rect", {"class": "join", x: p.x0_mm, y: y0, width: Math.max(0.5, prev.x1_mm - p.x0_mm),
                      height: h}, world);
      }
      var label = make("text", {"class": "panel-no", x: (Math.max(p.x0_mm, trim.x_mm) +
        Math.min(p.x1_mm, trim.x_mm + trim.w_mm)) / 2, y: numbersAt,
        "font-size": panelFont, "text-anchor": "middle"}, world);
      label.textContent = fill(self.root.dataset.panel, {n: i + 1});
    });
    var t = m.title;
    if (t && t.w_mm > 0) {
      var title = make("g", {"class": "title-block"}, world);
      make("rect", {x: t.x_mm, y: t.y_mm, width: t.w_mm, height: t.h_mm, fill: light}, title);
    }
    // The title block's lines and the border's, where the print files draw them.
    (m.texts || []).forEach(function (item) {
      var attrs = {x: item.x_mm, y: item.y_mm, "font-size": item.size_mm,
                   "text-anchor": item.align || "middle", fill: item.colour || dark,
                   "class": "cloth-text " + item.role};
      if (item.bold) { attrs["font-weight"] = "700"; }
      if (item.rotate) { attrs.transform = "rotate(" + item.rotate + " " + item.x_mm + " " + item.y_mm + ")"; }
      make("text", attrs, world).textContent = item.text;
    });
    var layer = make("g", {"class": "cells"}, world);
    var by = this.root.dataset.by;
    this.cells.forEach(function (c) {
      var a = make("a", {href: c.href, "class": "cell", tabindex: "-1",
                         "aria-label": fill(by, {name: c.name, city: c.city}),
                         "data-code": c.code}, layer);
      var q = c.size_mm * 0.12;
      make("rect", {"class": "quiet", x: c.x_mm, y: c.y_mm, width: c.size_mm,
                    height: c.size_mm, fill: light}, a);
      make("use", {href: glyph(c.finder), x: c.x_mm + q, y: c.y_mm + q, width: c.size_mm - 2 * q,
                   height: c.size_mm - 2 * q}, a);
      var labelH = c.height_mm - c.size_mm;
      if (labelH > 0.5) {
        var font = labelH * 0.55;
        var words = c.label || (c.name + (c.name_other ? " / " + c.name_other : "") + " · " + c.city);
        var room = Math.floor(c.size_mm / (font * 0.52));
        if (words.length > room) words = words.slice(0, Math.max(1, room - 1)) + "…";
        var text = make("text", {x: c.x_mm + c.size_mm / 2, y: c.y_mm + c.size_mm + labelH * 0.72,
                                 "font-size": font, "text-anchor": "middle", fill: dark,
                                 "class": "label"}, a);
        text.textContent = words;
      }
      make("rect", {"class": "ring", x: c.x_mm, y: c.y_mm, width: c.size_mm,
                    height: c.height_mm, fill: "none"}, a);
      c.node = a;
    });
    this.index();
    if (this.cells.length) this.setCurrent(this.cells[0]);
    this.root.hidden = false;
  };

  // Rows of squares left to right, for the arrow keys.
  Viewer.prototype.index = function () {
    var rows = {};
    this.cells.forEach(function (c) { (rows[c.row] = rows[c.row] || []).push(c); });
    this.rowKeys = Object.keys(rows).map(Number).sort(function (a, b) { return a - b; });
    this.rows = rows;
    this.rowKeys.forEach(function (r) { rows[r].sort(function (a, b) { return a.x_mm - b.x_mm; }); });
  };

  Viewer.prototype.size = function () {
    var width = this.box.clientWidth || 320;
    var top = this.box.getBoundingClientRect().top + window.scrollY;
    var free = window.innerHeight - top - 56;
    var wanted = width * this.frame.h / this.frame.w + 8;
    // The whole cloth at once, on the screen with the page's head; a phone's box is taller
    // than a wide cloth needs, so that a pinch has room.
    var height = wanted <= free ? Math.max(wanted, Math.min(free, window.innerHeight * 0.55))
      : Math.max(240, free);
    height = Math.round(height);
    this.svg.setAttribute("height", String(height));
    this.W = width; this.H = height;
  };

  Viewer.prototype.fit = function () {
    var f = this.frame;
    this.fitScale = Math.min(this.W / f.w, this.H / f.h) * 0.98;
    this.s = this.fitScale;
    this.tx = (this.W - f.w * this.s) / 2 - f.x * this.s;
    this.ty = (this.H - f.h * this.s) / 2 - f.y * this.s;
    this.apply();
  };

  Viewer.prototype.maxScale = function () {
    var cell = this.cells.length ? this.cells[0].size_mm : 30;
    // No closer than a tile's own size (TILE_PX): beyond it a photo only blurs; its page
    // is a tap away.
    return Math.max(this.fitScale * 2, Math.min(0.6 * Math.min(this.W, this.H), 150) / cell);
  };

  // Keep the cloth in the box: smaller than the box, wholly inside it; larger, under the
  // box's middle. Never re-centred: a zoom keeps the point under the pointer where it is.
  function bound(t, start, length, s, room) {
    if (length * s <= room) return Math.min(room - (start + length) * s, Math.max(-start * s, t));
    return Math.min(room / 2 - start * s, Math.max(room / 2 - (start + length) * s, t));
  }

  Viewer.prototype.clamp = function () {
    var f = this.frame;
    this.tx = bound(this.tx, f.x, f.w, this.s, this.W);
    this.ty = bound(this.ty, f.y, f.h, this.s, this.H);
  };

  Viewer.prototype.apply = function () {
    this.clamp();
    this.world.setAttribute("transform", "translate(" + round(this.tx) + " " + round(this.ty) +
                            ") scale(" + this.s.toFixed(5) + ")");
    this.svg.classList.toggle("zoomed", this.s > this.fitScale * 1.01);
    var self = this;
    if (!this.pending) {
      this.pending = true;
      window.requestAnimationFrame(function () { self.pending = false; self.photos(); });
    }
  };

  // Zoom by factor keeping the cloth's point under (px, py) where it is on screen.
  Viewer.prototype.zoomAt = function (px, py, factor) {
    var next = Math.min(this.maxScale(), Math.max(this.fitScale, this.s * factor));
    var k = next / this.s;
    this.tx = px - (px - this.tx) * k;
    this.ty = py - (py - this.ty) * k;
    this.s = next;
    this.apply();
  };

  Viewer.prototype.centreOn = function (c, scale) {
    this.s = Math.min(this.maxScale(), Math.max(this.fitScale, scale || this.s));
    this.tx = this.W / 2 - (c.x_mm + c.size_mm / 2) * this.s;
    this.ty = this.H / 2 - (c.y_mm + c.height_mm / 2) * this.s;
    this.apply();
  };

  Viewer.prototype.showCells = function (list) {
    if (!list.length) return;
    if (list.length === 1) { this.centreOn(list[0], 0.3 * Math.min(this.W, this.H) / list[0].size_mm); return; }
    var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    list.forEach(function (c) {
      x0 = Math.min(x0, c.x_mm); y0 = Math.min(y0, c.y_mm);
      x1 = Math.max(x1, c.x_mm + c.size_mm); y1 = Math.max(y1, c.y_mm + c.height_mm);
    });
    var s = Math.min(this.W / (x1 - x0), this.H / (y1 - y0)) * 0.8;
    this.s = Math.min(this.maxScale(), Math.max(this.fitScale, s));
    this.tx = this.W / 2 - (x0 + x1) / 2 * this.s;
    this.ty = this.H / 2 - (y0 + y1) / 2 * this.s;
    this.apply();
  };

  // Photos for the squares in view once they are big enough to see.
  Viewer.prototype.photos = function () {
    if (!this.cells.length) return;
    var px = this.cells[0].size_mm * this.s;
    if (px < IMAGE_MIN_PX) return;
    var self = this, visible = [];
    this.cells.forEach(function (c) {
      var x = c.x_mm * self.s + self.tx, y = c.y_mm * self.s + self.ty, w = c.size_mm * self.s;
      if (x + w > 0 && x < self.W && y + w > 0 && y < self.H) visible.push(c);
    });
    if (visible.length > IMAGE_MAX_VISIBLE) return;
    visible.forEach(function (c) {
      if (c.photo || !c.tile) return;
      c.photo = make("image", {href: c.tile, x: c.x_mm, y: c.y_mm, width: c.size_mm,
                               height: c.size_mm, preserveAspectRatio: "xMidYMid slice",
                               "class": "photo"});
      c.photo.addEventListener("load", function () { c.photo.classList.add("loaded"); });
      c.node.insertBefore(c.photo, c.node.querySelector(".ring"));
    });
  };

  Viewer.prototype.setCurrent = function (c) {
    if (this.current && this.current.node) this.current.node.setAttribute("tabindex", "-1");
    this.current = c;
    c.node.setAttribute("tabindex", "0");
  };

  Viewer.prototype.focusCell = function (c) {
    this.setCurrent(c);
    var w = c.size_mm * this.s;
    var x = c.x_mm * this.s + this.tx, y = c.y_mm * this.s + this.ty;
    if (w < 40) this.centreOn(c, 56 / c.size_mm);
    else if (x < 0 || y < 0 || x + w > this.W || y + c.height_mm * this.s > this.H) this.centreOn(c);
    c.node.focus({preventScroll: true});
  };

  Viewer.prototype.neighbour = function (c, key) {
    var row = this.rows[c.row], i = row.indexOf(c);
    if (key === "ArrowLeft") return row[i - 1];
    if (key === "ArrowRight") return row[i + 1];
    if (key === "Home") return row[0];
    if (key === "End") return row[row.length - 1];
    var r = this.rowKeys.indexOf(c.row) + (key === "ArrowUp" ? -1 : 1);
    var other = this.rows[this.rowKeys[r]];
    if (!other) return null;
    var best = null, mid = c.x_mm + c.size_mm / 2;
    other.forEach(function (d) {
      if (!best || Math.abs(d.x_mm + d.size_mm / 2 - mid) < Math.abs(best.x_mm + best.size_mm / 2 - mid)) best = d;
    });
    return best;
  };

  Viewer.prototype.search = function (raw, go) {
    var wanted = fold(raw), self = this;
    this.cells.forEach(function (c) { c.node.classList.remove("hit"); });
    this.hitsList.textContent = "";
    this.hitsList.hidden = true;
    if (!wanted) {
      this.svg.classList.remove("searching");
      this.status.textContent = "";
      return [];
    }
    var code = raw.trim().toUpperCase().replace(/[^0-9A-Z]/g, "");
    var hits = this.cells.filter(function (c) {
      if (code.length === 6 && c.code === code) return true;
      return [c.name, c.name_other, c.city, c.code].some(function (w) {
        return fold(w).indexOf(wanted) >= 0;
      });
    });
    hits.forEach(function (c) { c.node.classList.add("hit"); });
    this.svg.classList.add("searching");
    this.status.textContent = hits.length ? fill(this.root.dataset.found, {n: hits.length})
      : this.root.dataset.none;
    hits.slice(0, MAX_HITS_LISTED).forEach(function (c) {
      var li = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "secondary";
      button.textContent = c.name + " · " + c.city + " · " + c.code;
      button.addEventListener("click", function () { self.focusCell(c); });
      li.appendChild(button);
      self.hitsList.appendChild(li);
    });
    this.hitsList.hidden = !hits.length;
    if (go && hits.length) this.showCells(hits);
    return hits;
  };

  Viewer.prototype.listen = function () {
    var self = this, svg = this.svg;
    var pointers = new Map(), moved = false, start = null, pinch = null;

    function local(e) {
      var r = svg.getBoundingClientRect();
      return {x: e.clientX - r.left, y: e.clientY - r.top};
    }
    svg.addEventListener("wheel", function (e) {
      e.preventDefault();
      var p = local(e);
      var dy = e.deltaMode === 1 ? e.deltaY * 16 : e.deltaY;
      self.zoomAt(p.x, p.y, Math.exp(-dy * 0.002));
    }, {passive: false});
    svg.addEventListener("pointerdown", function (e) {
      pointers.set(e.pointerId, local(e));
      if (pointers.size === 1) { moved = false; start = local(e); }
      if (pointers.size === 2) {
        var pts = Array.from(pointers.values());
        pinch = Math.hypot(pts[0].x - pts[1].x, pts[0].y - pts[1].y);
      }
    });
    svg.addEventListener("pointermove", function (e) {
      if (!pointers.has(e.pointerId)) return;
      var before = pointers.get(e.pointerId), p = local(e);
      pointers.set(e.pointerId, p);
      if (pointers.size === 2) {
        var pts = Array.from(pointers.values());
        var dist = Math.hypot(pts[0].x - pts[1].x, pts[0].y - pts[1].y);
        if (pinch) self.zoomAt((pts[0].x + pts[1].x) / 2, (pts[0].y + pts[1].y) / 2, dist / pinch);
        pinch = dist;
        moved = true;
        return;
      }
      if (!moved && Math.hypot(p.x - start.x, p.y - start.y) < 6) return;
      if (!moved) { moved = true; svg.setPointerCapture(e.pointerId); svg.classList.add("dragging"); }
      self.tx += p.x - before.x;
      self.ty += p.y - before.y;
      self.apply();
    });
    function end(e) {
      pointers.delete(e.pointerId);
      if (pointers.size < 2) pinch = null;
      if (!pointers.size) svg.classList.remove("dragging");
    }
    svg.addEventListener("pointerup", end);
    svg.addEventListener("pointercancel", end);
    // A drag or pinch that ends on a square does not open it.
    svg.addEventListener("click", function (e) {
      if (moved) { e.preventDefault(); e.stopPropagation(); moved = false; }
    }, true);
    svg.addEventListener("focusin", function (e) {
      var a = e.target.closest && e.target.closest("a.cell");
      if (a && self.byCode[a.dataset.code]) self.setCurrent(self.byCode[a.dataset.code]);
    });
    svg.addEventListener("keydown", function (e) {
      if (e.key === "+" || e.key === "=") { self.zoomAt(self.W / 2, self.H / 2, STEP); e.preventDefault(); return; }
      if (e.key === "-") { self.zoomAt(self.W / 2, self.H / 2, 1 / STEP); e.preventDefault(); return; }
      if (e.key === "0") { self.fit(); e.preventDefault(); return; }
      if (!self.current || ["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End"].indexOf(e.key) < 0) return;
      var next = self.neighbour(self.current, e.key);
      if (next) self.focusCell(next);
      e.preventDefault();
    });
    this.root.querySelectorAll("[data-zoom]").forEach(function (button) {
      button.addEventListener("click", function () {
        var how = button.dataset.zoom;
        if (how === "all") self.fit();
        else self.zoomAt(self.W / 2, self.H / 2, how === "in" ? STEP : 1 / STEP);
      });
    });
    var form = this.input && this.input.form, timer = null;
    if (form) {
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        self.search(self.input.value, true);
      });
      this.input.addEventListener("input", function () {
        window.clearTimeout(timer);
        timer = window.setTimeout(function () { self.search(self.input.value, false); }, 150);
      });
    }
    var width = this.W;
    window.addEventListener("resize", function () {
      var wasFit = self.s <= self.fitScale * 1.01;
      self.size();
      if (wasFit || Math.abs(self.W - width) > 1) self.fit(); else self.apply();
      width = self.W;
    });
  };

  Viewer.prototype.start = function () {
    this.size();
    this.fit();
    this.listen();
    var code = this.root.dataset.code;
    if (code) {
      var c = this.byCode[code];
      if (c) {
        c.node.classList.add("here");
        this.setCurrent(c);
        this.centreOn(c, 0.3 * Math.min(this.W, this.H) / c.size_mm);
        this.status.textContent = fill(this.root.dataset.here, {code: code});
      } else {
        this.status.textContent = fill(this.root.dataset.unknown, {code: code});
      }
    } else if (this.input && this.input.value) {
      this.search(this.input.value, true);
    }
    this.root.classList.add("ready");
  };

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.getElementById("cloth-view");
    if (!root) return;
    var viewer = new Viewer(root);
    window.clothViewer = viewer; // for tests and the curious: read-only use
    viewer.load().then(function () {
      if (!viewer.meta || !viewer.meta.width_mm) return;
      viewer.draw();
      viewer.start();
    }).catch(function () {
      document.documentElement.classList.remove("js"); // the plain list instead
    });
  });
})();
