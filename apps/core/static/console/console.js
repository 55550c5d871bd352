/* The console's behaviour: the live queue's new-case alert and its keyboard shortcuts.
 * No framework and nothing from a CDN; htmx (vendored) does the refreshing. */
(function () {
  "use strict";

  var SEEN_KEY = "bigtree.queue.newestSeen";
  var SOUND_KEY = "bigtree.queue.sound";
  var selectedId = null;

  function queue() { return document.getElementById("queue"); }
  function rows() { var q = queue(); return q ? Array.prototype.slice.call(q.querySelectorAll(".queue-row")) : []; }

  function beep() {
    // A short tone from the Web Audio API: no sound file to ship, and only if the operator asked.
    try {
      var ctx = new (window.AudioContext || window.webkitAudioContext)();
      var osc = ctx.createOscillator();
      osc.frequency.value = 880;
      osc.connect(ctx.destination);
      osc.start();
      osc.stop(ctx.currentTime + 0.25);
    } catch (e) { /* no audio: the visible alert is enough */ }
  }

  function alertNewCase(q) {
    var id = parseInt(q.dataset.newestId || "0", 10);
    if (!id) { return; }
    var seen = parseInt(sessionStorage.getItem(SEEN_KEY) || "0", 10);
    sessionStorage.setItem(SEEN_KEY, String(Math.max(id, seen)));
    if (!seen || id <= seen) { return; }  // the first look at the queue is not news
    var box = document.getElementById("queue-alert");
    if (!box) {
      box = document.createElement("div");
      box.id = "queue-alert";
      box.className = "queue-alert";
      box.setAttribute("role", "alert");
      q.parentNode.insertBefore(box, q);
    }
    var link = document.createElement("a");
    link.href = q.dataset.newestUrl;
    link.textContent = q.dataset.newestCode;
    box.textContent = (q.dataset.newLabel || "New case:") + " ";
    box.appendChild(link);
    if (localStorage.getItem(SOUND_KEY) === "on") { beep(); }
  }

  function restore(q) {
    var toggle = q.querySelector(".queue-sound-toggle");
    if (toggle) {
      toggle.checked = localStorage.getItem(SOUND_KEY) === "on";
      toggle.addEventListener("change", function () { localStorage.setItem(SOUND_KEY, toggle.checked ? "on" : "off"); });
    }
    // The refresh replaces the table: keep the operator's place in it.
    if (selectedId) {
      var row = q.querySelector('.queue-row[data-case-id="' + selectedId + '"]');
      if (row) { select(row, false); }
    }
  }

  function select(row, focus) {
    rows().forEach(function (r) { r.classList.remove("is-selected"); r.removeAttribute("aria-selected"); });
    row.classList.add("is-selected");
    row.setAttribute("aria-selected", "true");
    selectedId = row.dataset.caseId;
    if (focus !== false) { row.focus(); }
  }

  function move(step) {
    var all = rows();
    if (!all.length) { return; }
    var index = all.findIndex(function (r) { return r.dataset.caseId === selectedId; });
    index = index < 0 ? 0 : Math.min(all.length - 1, Math.max(0, index + step));
    select(all[index]);
  }

  document.addEventListener("keydown", function (event) {
    var q = queue();
    var target = event.target;
    if (!q || event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) { return; }
    var current = q.querySelector('.queue-row[data-case-id="' + selectedId + '"]');
    if (event.key === "j") { move(1); event.preventDefault(); }
    else if (event.key === "k") { move(-1); event.preventDefault(); }
    else if (event.key === "Enter" && current && target === current) {
      window.location = current.querySelector(".queue-open").href; event.preventDefault();
    } else if (event.key === "t" && current) {
      var take = current.querySelector(".queue-take");
      if (take) { take.click(); event.preventDefault(); }
    } else if (/^[1-9]$/.test(event.key)) {
      var counter = q.querySelectorAll(".queue-counter")[parseInt(event.key, 10) - 1];
      if (counter) { counter.click(); event.preventDefault(); }
    }
  });

  document.addEventListener("htmx:afterSwap", function () {
    var q = queue();
    if (q) { alertNewCase(q); restore(q); }
  });
  document.addEventListener("DOMContentLoaded", function () {
    var q = queue();
    if (q && q.dataset.newestId !== undefined) { alertNewCase(q); restore(q); }
  });
})();
