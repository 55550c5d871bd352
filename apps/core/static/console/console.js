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
    var stored = sessionStorage.getItem(SEEN_KEY);
    var seen = parseInt(stored || "0", 10);
    sessionStorage.setItem(SEEN_KEY, String(Math.max(id, seen)));
    // The first look at the queue is not news (an empty queue counts as a look: its first case is).
    if (stored === null || !id || id <= seen) { return; }
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

/* Opening a case: autosave into the operator's draft, fill the traveller from the voucher, keep the
 * city search inside the chosen country, and let htmx hear the admin's select2 widgets. */
(function () {
  "use strict";

  var AUTOSAVE_MS = 5000;

  function nativeChangeFromSelect2() {
    // select2 (the admin's autocomplete) announces changes through jQuery only; htmx listens to DOM events.
    if (!window.django || !window.django.jQuery) { return; }
    window.django.jQuery(document).on("select2:select select2:clear", "select", function () {
      this.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }

  function autosave(form, draft) {
    var status = document.getElementById("autosave-status");
    var dirty = false;
    var saving = false;
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("change", function () { dirty = true; });
    window.setInterval(function () {
      if (!dirty || saving) { return; }
      saving = true;
      dirty = false;
      var body = new FormData(form);
      fetch(draft.dataset.autosaveUrl, { method: "POST", body: body, credentials: "same-origin" })
        .then(function (response) { return response.json().then(function (json) { return [response.ok, json]; }); })
        .then(function (result) {
          if (result[0]) {
            draft.value = result[1].draft;
            if (status) { status.textContent = (status.dataset.savedLabel || "Draft saved at") + " " + result[1].saved_at; }
          } else { dirty = true; }
        })
        .catch(function () { dirty = true; })
        .then(function () { saving = false; });
    }, AUTOSAVE_MS);
  }

  function fillFromVoucher(draft) {
    var voucher = document.getElementById("id_voucher");
    if (!voucher) { return; }
    voucher.addEventListener("change", function () {
      if (!voucher.value) { return; }
      fetch(draft.dataset.travellersUrl + "?voucher=" + encodeURIComponent(voucher.value), { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (found) {
          var traveller = (found.travellers || [])[0];
          if (!traveller) { return; }
          var fields = { traveller_name: traveller.name, traveller_document_number: traveller.document_number,
                         traveller_document_type: traveller.document_type };
          Object.keys(fields).forEach(function (name) {
            var input = document.getElementById("id_" + name);
            if (input && !input.value && fields[name]) { input.value = fields[name]; input.dispatchEvent(new Event("input", { bubbles: true })); }
          });
        });
    });
  }

  function cityWithinCountry() {
    var $ = window.django && window.django.jQuery;
    var country = document.getElementById("id_country");
    var city = document.getElementById("id_city");
    if (!$ || !country || !city || !city.getAttribute("data-ajax--url")) { return; }
    var base = city.getAttribute("data-ajax--url").split("?")[0];
    function scope() {
      var url = country.value ? base + "?country=" + encodeURIComponent(country.value) : base;
      var $city = $(city);
      if ($city.data("select2")) { $city.select2("destroy"); }
      // select2 reads its options from jQuery's cache of the data-* attributes: drop it, then re-read.
      $city.removeData();
      city.setAttribute("data-ajax--url", url);
      $city.djangoAdminSelect2();
    }
    country.addEventListener("change", function () {
      $(city).val(null).trigger("change");
      scope();
    });
    if (country.value) { scope(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    nativeChangeFromSelect2();
    var draft = document.getElementById("id__draft");
    if (!draft) { return; }
    autosave(draft.form, draft);
    fillFromVoucher(draft);
    // After the admin's own autocomplete set-up (it runs on DOMContentLoaded too).
    window.setTimeout(cityWithinCountry, 0);
  });
})();

/* The case page from the keyboard: the header's actions by one key each (documented in the header),
 * and Ctrl+Enter adds the note being written. */
(function () {
  "use strict";

  var KEYS = { t: ".case-header-take", s: ".case-header-status", w: ".case-header-switch", p: ".case-header-assign", c: ".case-header-call" };

  document.addEventListener("keydown", function (event) {
    var header = document.querySelector(".case-header");
    if (!header || event.metaKey || event.altKey) { return; }
    var target = event.target;
    var typing = target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
    if (typing) {
      if (event.ctrlKey && event.key === "Enter" && target.closest(".case-header-note")) {
        target.form.requestSubmit();
        event.preventDefault();
      }
      return;
    }
    if (event.ctrlKey) { return; }
    if (event.key === "n") {
      var details = header.querySelector(".case-header-note");
      details.open = true;
      details.querySelector("textarea").focus();
      event.preventDefault();
    } else if (KEYS[event.key]) {
      var action = header.querySelector(KEYS[event.key]);
      if (action) { action.click(); event.preventDefault(); }
    }
  });
})();
