/* 卡口核验 (movement/check.html): verify a vehicle pass's code OFFLINE, in the browser.
   The code is FK1.<payload>.<signature> (base64url): the signature is Ed25519 over the payload's
   bytes, checked with WebCrypto against the public key the page carries (published at
   /movement/keys/pass-signing.json). The revocation list the server signs the same way is kept in
   localStorage for offline checks. Each scan is queued in localStorage and sent to the server when
   online (the server verifies again and records it; a scan sent twice is recorded once).
   Everything written into the page is text (textContent), never markup. */
(function () {
  "use strict";
  var cfgEl = document.getElementById("check-config");
  var form = document.getElementById("check-form");
  if (!cfgEl || !form) { return; }
  var cfg = JSON.parse(cfgEl.textContent);
  var L = cfg.labels;
  var QUEUE = "fk-move-queue", LIST = "fk-move-revocations", DONE = "fk-move-done";
  var $ = function (id) { return document.getElementById(id); };
  var keyPromise = null;

  function say(t, n) { return String(t).replace("{n}", String(n)).replace("{t}", String(n)); }
  function b64url(text) {
    if (!/^[A-Za-z0-9_-]+$/.test(text)) { throw new Error("b64"); }
    var s = text.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) { s += "="; }
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
    return out;
  }
  function load(name, fallback) { try { return JSON.parse(localStorage.getItem(name)) || fallback; } catch (e) { return fallback; } }
  function save(name, value) { localStorage.setItem(name, JSON.stringify(value)); }
  function plateOf(v) { return String(v || "").replace(/[\s·•.\-]/g, "").toUpperCase(); }
  function uuid() {
    if (crypto.randomUUID) { return crypto.randomUUID(); }
    var b = crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(b, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
  }
  function csrf() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }

  function publicKey() {
    if (!keyPromise) {
      keyPromise = crypto.subtle.importKey("raw", b64url(cfg.publicKey.public_key), { name: "Ed25519" }, false, ["verify"]);
    }
    return keyPromise;
  }

  // The payload of a token of kind `typ` signed by our key, or null (forged, altered, truncated).
  function verify(token, typ) {
    var parts = String(token || "").trim().split(".");
    if (parts.length !== 3 || parts[0] !== "FK1") { return Promise.resolve(null); }
    var body, sig;
    try { body = b64url(parts[1]); sig = b64url(parts[2]); } catch (e) { return Promise.resolve(null); }
    if (sig.length !== 64) { return Promise.resolve(null); }
    return publicKey().then(function (key) {
      return crypto.subtle.verify({ name: "Ed25519" }, key, sig, body);
    }).then(function (ok) {
      if (!ok) { return null; }
      var payload;
      try { payload = JSON.parse(new TextDecoder().decode(body)); } catch (e) { return null; }
      if (!payload || payload.typ !== typ || payload.kid !== cfg.publicKey.kid) { return null; }
      return payload;
    }, function () { return null; });
  }

  function network() {
    var el = $("check-network");
    el.textContent = navigator.onLine ? L.online : L.offline;
    el.className = "badge " + (navigator.onLine ? "text-bg-success" : "text-bg-warning");
  }
  function showQueue() {
    var n = load(QUEUE, []).length;
    $("check-queue").textContent = n ? say(L.queued, n) : "";
    $("check-queue").setAttribute("data-queued", String(n));
  }
  function showListAge() {
    var list = load(LIST, null);
    var el = $("check-list-age");
    if (!list || !list.at) { el.textContent = L.noList; return; }
    el.textContent = say(L.listAge, new Date(list.at * 1000).toLocaleString());
  }

  // The revocation list: downloaded when online, kept (verified) for offline checks.
  function refreshList() {
    if (!navigator.onLine) { showListAge(); return Promise.resolve(); }
    return fetch(cfg.revocationsUrl, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (doc) { return doc ? verify(doc.token, "revocations") : null; })
      .then(function (list) {
        var old = load(LIST, null);
        if (list && (!old || list.at >= old.at)) { save(LIST, list); }
        showListAge();
      }, function () { showListAge(); });
  }

  function row(dl, label, value) {
    var dt = document.createElement("dt"); dt.className = "col-4"; dt.textContent = label;
    var dd = document.createElement("dd"); dd.className = "col-8 mb-1"; dd.textContent = value;
    dl.appendChild(dt); dl.appendChild(dd);
  }
  function when(s) { return new Date(s * 1000).toLocaleString(); }

  function localVerdict(p, plate, driver) {
    var list = load(LIST, { revoked: [], completed: [] });
    var done = load(DONE, []);
    var now = Date.now() / 1000;
    if ((list.revoked || []).indexOf(p.id) >= 0) { return L.revoked; }
    if ((list.completed || []).indexOf(p.id) >= 0 || done.indexOf(p.id) >= 0) { return L.reused; }
    if (now > p.na + 600) { return L.expired; }
    if (now < p.nb - 600) { return L.notYet; }
    if (plate && plate !== p.plate) { return L.wrongPlate; }
    if (driver) {
      var d = driver.replace(/\s/g, "").toUpperCase(), m = String(p.dri || "");
      if (d.slice(0, 6) !== m.slice(0, 6) || d.slice(-4) !== m.slice(-4)) { return L.wrongDriver; }
    }
    return "";
  }

  function show(p, refusal, ms) {
    var box = $("check-result"), verdict = $("check-verdict"), dl = $("check-fields");
    box.hidden = false;
    dl.textContent = "";
    $("check-server").textContent = "";
    box.setAttribute("data-verified-ms", String(Math.round(ms)));
    if (!p) {
      verdict.textContent = L.forged;
      box.className = "card mb-3 border-danger"; box.setAttribute("data-verdict", "forged");
      return;
    }
    verdict.textContent = refusal || L.valid;
    box.className = "card mb-3 " + (refusal ? "border-danger" : "border-success");
    box.setAttribute("data-verdict", refusal ? "refused" : "valid");
    row(dl, L.plate, p.plate);
    row(dl, L.driver, p.drv + " " + p.dri);
    row(dl, L.purpose, p.pur);
    row(dl, L.route, p.from + " → " + p.to);
    row(dl, L.validity, when(p.nb) + " – " + when(p.na));
    row(dl, L.number, p.no);
  }

  var sending = false;
  function flush() {
    if (sending || !navigator.onLine) { return Promise.resolve(); }
    var queue = load(QUEUE, []);
    if (!queue.length) { return Promise.resolve(); }
    sending = true;
    var item = queue[0];
    return fetch(cfg.scanUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(item)
    }).then(function (r) {
      return r.json().then(function (body) { return { status: r.status, body: body }; }, function () { return { status: r.status, body: {} }; });
    }).then(function (res) {
      sending = false;
      if (res.status >= 500 || res.status === 403 || res.status === 401) { return; }  // keep it; try later
      var rest = load(QUEUE, []).filter(function (q) { return q.client_ref !== item.client_ref; });
      save(QUEUE, rest);
      var server = $("check-server");
      server.textContent = L.serverSays + (res.body.message || res.body.detail || "");
      server.setAttribute("data-server-outcome", res.body.outcome || "error");
      server.className = "small mt-2 " + (res.body.passed ? "text-success" : "text-danger");
      showQueue();
      return flush();
    }, function () { sending = false; showQueue(); });
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    if (!(crypto && crypto.subtle)) { $("check-verdict").textContent = L.noCrypto; return; }
    var token = $("check-token").value.trim();
    var plate = plateOf($("check-plate").value);
    var driver = $("check-driver").value.trim();
    var arrived = $("check-arrived").checked;
    var started = performance.now();
    verify(token, "pass").then(function (p) {
      var refusal = p ? localVerdict(p, plate, driver) : L.forged;
      show(p, p ? refusal : L.forged, performance.now() - started);
      if (p && !refusal && arrived) { var done = load(DONE, []); done.push(p.id); save(DONE, done.slice(-500)); }
      var queue = load(QUEUE, []);
      queue.push({
        client_ref: uuid(), checkpoint: parseInt($("check-checkpoint").value, 10) || null, token: token,
        plate: plate, driver_id: driver, arrived: arrived, scanned_at: new Date().toISOString()
      });
      save(QUEUE, queue);
      showQueue();
      $("check-driver").value = "";
      return flush();
    });
  });

  window.addEventListener("online", function () { network(); refreshList().then(flush); });
  window.addEventListener("offline", network);
  network(); showQueue(); refreshList().then(flush);
  setInterval(flush, 15000);
})();
