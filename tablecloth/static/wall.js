// The live wall: asks for the newest photos every few seconds and shows them one by one.
// A photo approved since the last ask is shown at once; one that left the answer (withdrawn
// or hidden) leaves the wall at once. Plain DOM, no framework, nothing from elsewhere.
(function () {
  "use strict";

  var wall = document.getElementById("wall");
  if (!wall) return;
  var pollMs = 1000 * (parseFloat(wall.dataset.pollS) || 5);
  var showMs = 1000 * (parseFloat(wall.dataset.showS) || 8);
  var slide = document.getElementById("slide");
  var waiting = document.getElementById("waiting");
  var parts = {
    img: document.getElementById("slide-img"),
    name: document.getElementById("slide-name"),
    city: document.getElementById("slide-city"),
    caption: document.getElementById("slide-caption"),
    fresh: document.getElementById("slide-new")
  };

  var photos = [];   // the newest first, as the server sent them
  var known = null;  // codes seen so far; null until the first answer
  var queue = [];    // codes approved since the wall opened, still to be shown first
  var current = null;
  var timer = null;

  function byCode(code) {
    for (var i = 0; i < photos.length; i++) if (photos[i].code === code) return photos[i];
    return null;
  }

  function next() {
    while (queue.length) {
      var fresh = byCode(queue.shift());
      if (fresh) return {photo: fresh, fresh: true};
    }
    if (!photos.length) return null;
    var at = current ? photos.indexOf(byCode(current)) : -1;
    return {photo: photos[(at + 1) % photos.length], fresh: false};
  }

  function show(choice) {
    window.clearTimeout(timer);
    timer = window.setTimeout(advance, showMs);
    if (!choice) {
      current = null;
      slide.hidden = true;
      waiting.hidden = false;
      return;
    }
    var photo = choice.photo;
    if (photo.code === current && !choice.fresh) return;
    // Load the picture first, so the wall never shows a half-drawn or missing photo.
    var loader = new Image();
    loader.onload = function () {
      if (!byCode(photo.code)) return;  // left the wall while loading
      slide.classList.add("leaving");
      window.setTimeout(function () {
        parts.img.src = loader.src;
        parts.img.alt = photo.caption || photo.name;
        parts.name.textContent = photo.name;
        parts.city.textContent = photo.city;
        parts.caption.textContent = photo.caption;
        parts.caption.lang = photo.lang || "";
        parts.fresh.hidden = !choice.fresh;
        slide.dataset.code = photo.code;
        current = photo.code;
        waiting.hidden = true;
        slide.hidden = false;
        slide.classList.remove("leaving");
      }, slide.hidden ? 0 : 300);
    };
    loader.onerror = function () { /* the timer moves on to the next photo */ };
    loader.src = photo.image;
  }

  function advance() { show(next()); }

  function receive(answer) {
    var list = answer.photos || [];
    var codes = list.map(function (p) { return p.code; });
    photos = list;
    if (known === null) {
      known = codes;
      advance();
      return;
    }
    var arrived = codes.filter(function (code) { return known.indexOf(code) < 0; });
    known = known.concat(arrived);
    // Oldest arrival first, so photos approved together are shown in the order approved.
    queue = queue.concat(arrived.reverse());
    if (arrived.length || (current && !byCode(current)) || (!current && photos.length)) {
      advance();
    }
  }

  function poll() {
    fetch(wall.dataset.feedUrl, {credentials: "same-origin", cache: "no-store"})
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(receive)
      .catch(function () { /* keep showing what we have; ask again later */ })
      .then(function () { window.setTimeout(poll, pollMs); });
  }

  var button = document.getElementById("fullscreen");
  function toggleFullscreen() {
    if (document.fullscreenElement) document.exitFullscreen();
    else if (document.documentElement.requestFullscreen) document.documentElement.requestFullscreen();
  }
  button.addEventListener("click", toggleFullscreen);
  document.addEventListener("keydown", function (e) {
    if (e.key === "f" || e.key === "F") toggleFullscreen();
    if (e.key === "ArrowRight" || e.key === " ") advance();
  });
  document.addEventListener("fullscreenchange", function () {
    button.hidden = !!document.fullscreenElement;
  });
  // The pointer and the button fade out of a projected picture when nobody moves the mouse.
  var idle = null;
  function awake() {
    document.body.classList.remove("idle");
    window.clearTimeout(idle);
    idle = window.setTimeout(function () { document.body.classList.add("idle"); }, 3000);
  }
  document.addEventListener("mousemove", awake);
  awake();

  poll();
})();
