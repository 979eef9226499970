// userdesk's own script. Loaded as a file (the CSP allows no inline script); htmx does the rest.
(function () {
  "use strict";

  // showFlash puts a message in the flash area, for failures htmx cannot render itself.
  function showFlash(kind, text) {
    var area = document.getElementById("flash");
    if (!area) return;
    var box = document.createElement("article");
    box.className = "flash";
    box.setAttribute("data-kind", kind);
    box.setAttribute("role", kind === "error" ? "alert" : "status");
    box.textContent = text;
    area.replaceChildren(box);
  }

  // A request that never got an answer (network down, server restarting).
  document.addEventListener("htmx:sendError", function () {
    showFlash("error", "userdesk did not answer. Check your connection and try again.");
  });
  document.addEventListener("htmx:timeout", function () {
    showFlash("error", "userdesk took too long to answer. Try again.");
  });

  // Copy buttons: <button type="button" data-copy="text to copy">.
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-copy]") : null;
    if (!button || !navigator.clipboard) return;
    navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
      var label = button.textContent;
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = label; }, 1500);
    });
  });

  // Confirmations: htmx asks before sending a request from an element with hx-confirm. We
  // answer with the page's <dialog> (views.confirmDialog) instead of the browser's confirm(),
  // which is modal for the whole browser, cannot be styled and names no action.
  document.addEventListener("htmx:confirm", function (event) {
    var question = event.detail && event.detail.question;
    var dialog = document.getElementById("confirm-dialog");
    if (!question || !dialog || typeof dialog.showModal !== "function") return;
    event.preventDefault();
    var source = event.detail.elt;
    var ok = document.getElementById("confirm-ok");
    document.getElementById("confirm-question").textContent = question;
    ok.textContent = source.getAttribute("data-confirm-label") || "Confirm";
    ok.classList.toggle("danger", source.hasAttribute("data-confirm-danger"));
    // The answer is read from the dialog form's submit event (its submitter is the button
    // pressed) and from the dialog's cancel event (Escape), which both fire at once. The close
    // event is not used: it is queued, and when a dialog is reopened soon after closing (as the
    // issue-5 browser tests do) the previous close arrives after the new question was asked.
    var form = dialog.querySelector("form");
    var done = false;
    function finish(confirmed) {
      if (done) return;
      done = true;
      form.removeEventListener("submit", onSubmit);
      dialog.removeEventListener("cancel", onCancel);
      if (confirmed) event.detail.issueRequest(true);
      else if (source.focus) source.focus();
    }
    function onSubmit(e) { finish(!!(e.submitter && e.submitter.value === "confirm")); }
    function onCancel() { finish(false); }
    form.addEventListener("submit", onSubmit);
    dialog.addEventListener("cancel", onCancel);
    dialog.returnValue = "";
    dialog.showModal();
  });

  // After a swap that replaced the main content, move focus there for keyboard and screen
  // reader users (htmx keeps focus on the element that triggered the request otherwise).
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.target;
    if (target && target.hasAttribute && target.hasAttribute("data-focus-after-swap")) {
      target.focus();
    }
  });

  // --- User page sections (issue 6) -------------------------------------------------------
  // A section that answers for itself (header X-Userdesk-Section) is swapped in as it is, even
  // with an error status: its answer is the section showing the problem (a missing scope, a
  // rate limit, a timeout) with its own retry button. The placeholder's fallback in the issue 5
  // block below is for requests that fail before a section can answer.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var d = event.detail;
    if (!d || !d.isError || !d.xhr || !d.xhr.getResponseHeader("X-Userdesk-Section")) return;
    d.isError = false;
    d.shouldSwap = true;
  });

  // Pickers (role picker): a new search replaces the results, but choices already ticked are
  // kept. Before htmx swaps new results into an element with data-picker-keep="ID", the ticked
  // boxes move, with their labels, into the element ID (the picker's "Chosen" list).
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (!target || !target.hasAttribute || !target.hasAttribute("data-picker-keep")) return;
    var chosen = document.getElementById(target.getAttribute("data-picker-keep"));
    if (!chosen) return;
    target.querySelectorAll("input[type=checkbox]:checked:not([disabled])").forEach(function (box) {
      chosen.appendChild(box.closest("label") || box);
    });
  });

  // Expandable rows (the logs' raw events): a button with data-expands="ID" shows or hides the
  // element ID and says so in aria-expanded.
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-expands]") : null;
    if (!button) return;
    var row = document.getElementById(button.getAttribute("data-expands"));
    if (!row) return;
    row.hidden = !row.hidden;
    button.setAttribute("aria-expanded", row.hidden ? "false" : "true");
  });
  // --- end of the user page sections ------------------------------------------------------

  // --- Finding and managing users (issue 5) -----------------------------------------------
  // A section placeholder of the user page (views.sectionPlaceholder) whose request fails
  // before the section can answer for itself (no such route, the session ended: an alert the
  // server sends to the flash area) shows the error inside itself, with a retry button.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var d = event.detail;
    var elt = d && d.requestConfig && d.requestConfig.elt;
    if (!d.isError || !elt || !elt.hasAttribute || !elt.hasAttribute("data-section-placeholder")) return;
    // A section that fails answers for itself (an error section with the same id, swapped as
    // usual); only an answer sent elsewhere (the flash area) is kept in the placeholder.
    if (!d.xhr || !d.xhr.getResponseHeader("HX-Retarget")) return;
    var body = elt.querySelector("[data-section-body]");
    if (!body) return;
    d.target = body;
    d.swapOverride = "innerHTML";
    d.selectOverride = null;
    var retry = elt.querySelector("[data-section-retry]");
    if (retry) retry.hidden = false;
    elt.removeAttribute("aria-busy");
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-section-retry]") : null;
    if (!button || !window.htmx) return;
    var section = button.closest("[data-section-placeholder]");
    if (!section) return;
    var body = section.querySelector("[data-section-body]");
    if (body) {
      var p = document.createElement("p");
      p.className = "loading";
      p.setAttribute("aria-busy", "true");
      p.textContent = "Loading…";
      body.replaceChildren(p);
    }
    button.hidden = true;
    htmx.trigger(section, "userdesk:retry");
  });

  // Type-to-confirm forms: the submit button of a form with an input data-must-equal="text"
  // stays disabled until that text is typed (the server checks it again).
  function syncMustEqual(input) {
    var form = input.form;
    var button = form && form.querySelector("button[type=submit]");
    if (button) button.disabled = input.value.trim() !== input.getAttribute("data-must-equal");
  }
  document.addEventListener("input", function (event) {
    if (event.target.hasAttribute && event.target.hasAttribute("data-must-equal")) syncMustEqual(event.target);
  });
  function initMustEqual(root) {
    if (root.querySelectorAll) root.querySelectorAll("[data-must-equal]").forEach(syncMustEqual);
  }
  if (window.htmx) htmx.onLoad(initMustEqual);
  else document.addEventListener("DOMContentLoaded", function () { initMustEqual(document); });

  // Password generator of the create form: <button data-generate-password="INPUT-ID"> fills the
  // input with 20 random characters (crypto.getRandomValues, at least one of each kind) and
  // shows it, so the admin can copy it. It never leaves the page except in the form.
  function randomBelow(n) {
    var buf = new Uint32Array(1);
    var limit = Math.floor(0x100000000 / n) * n;
    do { crypto.getRandomValues(buf); } while (buf[0] >= limit);
    return buf[0] % n;
  }
  function generatePassword() {
    var sets = ["abcdefghijkmnopqrstuvwxyz", "ABCDEFGHJKLMNPQRSTUVWXYZ", "23456789", "!#%+-=?@^_~"];
    var all = sets.join("");
    var out = sets.map(function (set) { return set[randomBelow(set.length)]; });
    while (out.length < 20) out.push(all[randomBelow(all.length)]);
    for (var i = out.length - 1; i > 0; i--) {
      var j = randomBelow(i + 1);
      var t = out[i]; out[i] = out[j]; out[j] = t;
    }
    return out.join("");
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-generate-password]") : null;
    if (!button || !window.crypto || !crypto.getRandomValues) return;
    var input = document.getElementById(button.getAttribute("data-generate-password"));
    if (!input) return;
    input.type = "text";
    input.value = generatePassword();
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.focus();
    input.select();
  });

  // "/" focuses the users search box, as in many search pages (not while typing elsewhere).
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var t = event.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    var box = document.getElementById("user-search-q");
    if (!box) return;
    event.preventDefault();
    box.focus();
    box.select();
  });
  // --- end of finding and managing users --------------------------------------------------

  // --- Pictures that cannot be loaded (views.avatar) ---------------------------------------
  // Users' pictures point at gravatar.com and other sites that many intranets cannot reach. An
  // image marked data-fallback is hidden when it fails to load: for an avatar that uncovers
  // the initials beneath it; an organization's logo simply goes. Error events do not bubble,
  // so the listener runs in the capture phase (no inline onerror: the CSP forbids it), and
  // images that failed before this deferred script ran are found when it starts and after
  // every swap.
  function hideBroken(img) {
    if (img.hasAttribute("data-fallback")) img.hidden = true;
  }
  document.addEventListener("error", function (event) {
    var t = event.target;
    if (t && t.tagName === "IMG") hideBroken(t);
  }, true);
  function checkPictures(root) {
    if (!root.querySelectorAll) return;
    root.querySelectorAll("img[data-fallback]").forEach(function (img) {
      // complete with no size: the browser gave up on it (a lazy image not yet fetched is
      // not complete).
      if (img.complete && img.naturalWidth === 0) hideBroken(img);
    });
  }
  if (window.htmx) htmx.onLoad(checkPictures);
  else document.addEventListener("DOMContentLoaded", function () { checkPictures(document); });
  // --- end of pictures --------------------------------------------------------------------
})();
