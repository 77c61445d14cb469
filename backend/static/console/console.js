/* Hushbakht console: the live alert queue (polling), sound and notifications on a new alert,
   and audited voice playback. No framework, no inline script (the CSP forbids it). */
(function () {
  "use strict";

  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  /* ---- voice playback: one POST (audited) gives a one-minute URL ---- */
  document.querySelectorAll("form[data-voice-player]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var audio = document.getElementById("voice-audio");
      fetch(form.action, {method: "POST", credentials: "same-origin",
                          headers: {"Accept": "application/json", "X-CSRF-Token": csrf}})
        .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
        .then(function (body) {
          audio.hidden = false;
          audio.src = body.url;
          audio.play().catch(function () { /* the user can press play */ });
        })
        .catch(function () { form.submit(); });
    });
  });

  /* ---- live queue ---- */
  var status = document.getElementById("queue-status");
  var table = document.getElementById("alert-queue");
  if (!status || !table) { return; }
  var body = table.querySelector("tbody");
  var every = Math.max(2, parseInt(status.dataset.pollSeconds || "5", 10)) * 1000;
  var known = {};
  body.querySelectorAll("tr[data-alert-id]").forEach(function (row) {
    known[row.dataset.alertId] = true;
  });
  var audioContext = null;

  function beep() {
    try {
      audioContext = audioContext || new (window.AudioContext || window.webkitAudioContext)();
      var osc = audioContext.createOscillator();
      var gain = audioContext.createGain();
      osc.frequency.value = 880;
      gain.gain.value = 0.2;
      osc.connect(gain); gain.connect(audioContext.destination);
      osc.start(); osc.stop(audioContext.currentTime + 0.4);
    } catch (e) { /* no audio available */ }
  }

  function notify(item) {
    if (!("Notification" in window) || Notification.permission !== "granted") { return; }
    /* No personal data in a desktop notification: code only. */
    var n = new Notification(status.dataset.labelNew + " " + item.code, {tag: item.id});
    n.onclick = function () { window.focus(); window.location = alertUrl(item.id); };
  }

  function alertUrl(id) { return status.dataset.alertUrl.replace("ALERT_ID", id); }

  function cell(text, className) {
    var td = document.createElement("td");
    if (className) { var span = document.createElement("span"); span.className = className;
      span.textContent = text; td.appendChild(span); } else { td.textContent = text; }
    return td;
  }

  function render(items) {
    var rows = document.createDocumentFragment();
    items.forEach(function (item) {
      var tr = document.createElement("tr");
      tr.dataset.alertId = item.id;
      var code = document.createElement("td");
      var strong = document.createElement("strong"); strong.textContent = item.code;
      code.appendChild(strong); tr.appendChild(code);
      tr.appendChild(cell(item.received_label || item.created_at));
      tr.appendChild(cell(item.status_label || item.status, "badge status-" + item.status));
      var marks = document.createElement("td");
      if (item.drill) { var d = document.createElement("span"); d.className = "badge drill";
        d.textContent = status.dataset.labelDrill; marks.appendChild(d); }
      if (item.escalated) { var e = document.createElement("span"); e.className = "badge escalated";
        e.textContent = status.dataset.labelEscalated; marks.appendChild(e); }
      tr.appendChild(marks);
      tr.appendChild(cell(item.accepted_by || ""));
      var link = document.createElement("td"); var a = document.createElement("a");
      a.href = alertUrl(item.id); a.textContent = status.dataset.labelOpen; link.appendChild(a);
      tr.appendChild(link);
      rows.appendChild(tr);
    });
    body.replaceChildren(rows);
  }

  function poll() {
    fetch(status.dataset.queueUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) {
        if (r.redirected || r.status === 401 || r.status === 403) { window.location.reload(); return null; }
        return r.ok ? r.json() : null;
      })
      .then(function (data) {
        if (!data) { return; }
        var fresh = data.alerts.filter(function (item) { return !known[item.id]; });
        known = {};
        data.alerts.forEach(function (item) { known[item.id] = true; });
        render(data.alerts);
        if (fresh.length) { beep(); fresh.forEach(notify); document.title = "(" + fresh.length + ") " + document.title.replace(/^\(\d+\) /, ""); }
      })
      .catch(function () { /* offline for a moment: try again next time */ })
      .finally(function () { window.setTimeout(poll, every); });
  }

  var enable = document.getElementById("enable-alerts");
  if (enable) {
    enable.addEventListener("click", function () {
      beep();
      if ("Notification" in window) { Notification.requestPermission(); }
    });
  }
  window.setTimeout(poll, every);
})();
