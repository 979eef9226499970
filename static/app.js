// userdesk's own script. Loaded as a file (the CSP allows no inline script); htmx does the rest.
(function () {
  "use strict";

  function closest(el, selector) {
    return el && el.closest ? el.closest(selector) : null;
  }
  function onLoad(fn) {
    if (window.htmx) htmx.onLoad(fn);
    else document.addEventListener("DOMContentLoaded", function () { fn(document); });
  }
  // isShown reports whether an element is on screen (not in a hidden tab, closed details, ...).
  function isShown(el) {
    return !!(el && el.isConnected && el.getClientRects().length > 0 && !closest(el, "[hidden]"));
  }

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
    var button = closest(event.target, "[data-copy]");
    if (!button || !navigator.clipboard) return;
    navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
      var label = button.textContent;
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = label; }, 1500);
    });
  });

  // --- The confirmation dialog -------------------------------------------------------------
  // htmx asks before sending a request from an element with hx-confirm. We answer with the
  // page's <dialog> (views.confirmDialog) instead of the browser's confirm(), which is modal
  // for the whole browser, cannot be styled and names no action. The question may name what
  // is chosen and whom it is about:
  //   {items}       the chosen boxes (data-confirm-items="selector", their data-confirm-item-attr
  //                 or value), as “a”, “b” and “c”; with none chosen the request goes as is and
  //                 the server says what is missing;
  //   {field:NAME}  the text of the form's control NAME (a select's chosen option);
  //   {user}        the user the page is about (data-user-label), or "this user".
  function listWords(names) {
    var q = names.map(function (n) { return "“" + n + "”"; });
    if (q.length <= 1) return q.join("");
    return q.slice(0, -1).join(", ") + " and " + q[q.length - 1];
  }
  function fieldText(form, name) {
    var el = form && form.elements ? form.elements[name] : null;
    if (!el) return "";
    if (el.tagName === "SELECT") return el.selectedIndex >= 0 ? el.options[el.selectedIndex].text : "";
    return el.value || "";
  }
  function confirmQuestion(source, question) {
    var form = source.tagName === "FORM" ? source : closest(source, "form");
    if (source.hasAttribute("data-confirm-items")) {
      var attr = source.getAttribute("data-confirm-item-attr") || "value";
      var boxes = (form || source).querySelectorAll(source.getAttribute("data-confirm-items"));
      var names = Array.prototype.map.call(boxes, function (b) { return b.getAttribute(attr) || b.value; });
      if (names.length === 0) return null;
      question = question.split("{items}").join(listWords(names));
    }
    question = question.replace(/\{field:([\w-]+)\}/g, function (_, name) { return fieldText(form, name); });
    var page = closest(source, "[data-user-label]") || document.querySelector("[data-user-label]");
    return question.split("{user}").join(page ? page.getAttribute("data-user-label") : "this user");
  }
  document.addEventListener("htmx:confirm", function (event) {
    var question = event.detail && event.detail.question;
    var dialog = document.getElementById("confirm-dialog");
    if (!question || !dialog || typeof dialog.showModal !== "function") return;
    event.preventDefault();
    var source = event.detail.elt;
    question = confirmQuestion(source, question);
    if (question === null) {
      event.detail.issueRequest(true);
      return;
    }
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

  // --- Focus and messages after an in-page change -------------------------------------------
  // When a request starts we note where its message belongs (the closest data-message-slot of
  // the element that asked: the toolbar, a section, the Profile tab) and whether it held the
  // focus. When its answer has settled:
  //   - a change (POST, DELETE, ...) that brought a message: the message moves from the top of
  //     the page to that place (after the place's heading, or into its data-message-here) and
  //     takes the focus, so it is seen and read where the action happened;
  //   - an answer that replaced what held the focus: the focus goes back to the control of the
  //     same id if there is one again, else to the changed part's heading;
  //   - a swapped element marked data-focus-after-swap (the edit form) takes the focus.
  // Focus is never left on <body>.
  var requests = new WeakMap();
  var settled = new WeakSet();
  document.addEventListener("htmx:beforeRequest", function (event) {
    var d = event.detail;
    if (!d || !d.xhr) return;
    var place = closest(d.elt, "[data-message-slot]");
    var active = document.activeElement;
    requests.set(d.xhr, {
      verb: ((d.requestConfig && d.requestConfig.verb) || "get").toLowerCase(),
      place: place,
      placeID: place ? place.id : "",
      hadFocus: !!(active && active !== document.body),
      focusID: active && active.id ? active.id : ""
    });
  });
  function placeMessage(msg, place) {
    document.querySelectorAll(".flash[data-placed]").forEach(function (m) { if (m !== msg) m.remove(); });
    msg.setAttribute("data-placed", "");
    var here = place.querySelector("[data-message-here]");
    if (here && closest(here, "[data-message-slot]") === place) {
      here.replaceChildren(msg);
      return;
    }
    var heading = place.querySelector(":scope > h2, :scope > h1");
    if (heading) heading.after(msg);
    else place.prepend(msg);
  }
  function focusInto(el) {
    if (!el) return false;
    var heading = el.matches("h1, h2, h3") ? el : el.querySelector("h1[tabindex], h2[tabindex], h3[tabindex]");
    var target = heading || el;
    if (!target.hasAttribute("tabindex") && !target.matches("a[href], button, input, select, textarea, summary")) {
      target.setAttribute("tabindex", "-1");
    }
    target.focus();
    return document.activeElement === target;
  }
  function afterChange(info, d) {
    var target = d.target;
    if (target && !target.isConnected && target.id) target = document.getElementById(target.id);
    var msg = document.querySelector("#flash > .flash");
    if (info.verb !== "get" && msg) {
      var place = info.place && info.place.isConnected ? info.place : (info.placeID ? document.getElementById(info.placeID) : null);
      if (place && isShown(place)) placeMessage(msg, place);
      msg.setAttribute("tabindex", "-1");
      msg.focus();
      return;
    }
    if (target && target.hasAttribute && target.hasAttribute("data-focus-after-swap")) {
      focusInto(target);
      return;
    }
    var active = document.activeElement;
    if (!info.hadFocus || (active && active !== document.body && active.isConnected)) return;
    if (info.focusID) {
      var again = document.getElementById(info.focusID);
      if (again && isShown(again)) {
        again.focus();
        if (document.activeElement === again) return;
      }
    }
    if (target && isShown(target)) focusInto(closest(target, ".user-section") || target);
  }
  document.addEventListener("htmx:afterSettle", function (event) {
    var d = event.detail;
    if (!d || !d.xhr || settled.has(d.xhr)) return;
    settled.add(d.xhr);
    afterChange(requests.get(d.xhr) || { verb: "get" }, d);
  });

  // --- Tabs of the user page -----------------------------------------------------------------
  // <nav data-tabs> lists links to "#panel-NAME"; each panel is [data-tab-panel=NAME]. Made an
  // ARIA tab list: one panel shows, the arrow keys, Home and End move between tabs, and the
  // address bar's fragment (#security) keeps the place across reloads and shared links. A
  // fragment naming an element inside a panel (#delete-zone) shows that panel.
  function tabNav() { return document.querySelector("[data-tabs]"); }
  function tabNames() {
    var nav = tabNav();
    return nav ? Array.prototype.map.call(nav.querySelectorAll("a[data-tab]"), function (a) { return a.getAttribute("data-tab"); }) : [];
  }
  function tabFromHash() {
    var h = decodeURIComponent(location.hash.replace(/^#/, ""));
    if (!h) return "";
    var name = h.replace(/^panel-/, "");
    if (tabNames().indexOf(name) >= 0) return name;
    var el = document.getElementById(h);
    var panel = closest(el, "[data-tab-panel]");
    return panel ? panel.getAttribute("data-tab-panel") : "";
  }
  function selectTab(name, opts) {
    var nav = tabNav();
    if (!nav || !nav.hasAttribute("data-ready")) return;
    opts = opts || {};
    nav.querySelectorAll("a[data-tab]").forEach(function (a) {
      var on = a.getAttribute("data-tab") === name;
      a.setAttribute("aria-selected", on ? "true" : "false");
      a.tabIndex = on ? 0 : -1;
      if (on && opts.focus) a.focus();
    });
    document.querySelectorAll("[data-tab-panel]").forEach(function (p) {
      p.hidden = p.getAttribute("data-tab-panel") !== name;
      // A section that loads when shown is told so: its "intersect" alone misses it when the
      // page is scrolled past the panel's top (a long Profile tab, then another tab).
      if (!p.hidden && window.htmx) {
        p.querySelectorAll("[data-section-placeholder]").forEach(function (s) { htmx.trigger(s, "userdesk:shown"); });
      }
    });
    if (opts.url && history.replaceState) {
      history.replaceState(history.state, "", location.pathname + location.search + "#" + name);
    }
    markScrollables(document);
  }
  function initTabs() {
    var nav = tabNav();
    if (!nav || nav.hasAttribute("data-ready")) return;
    nav.setAttribute("data-ready", "");
    var list = nav.querySelector("ul");
    list.setAttribute("role", "tablist");
    list.setAttribute("aria-label", nav.getAttribute("aria-label") || "Tabs");
    nav.removeAttribute("aria-label");
    nav.setAttribute("role", "presentation");
    list.querySelectorAll("li").forEach(function (li) { li.setAttribute("role", "presentation"); });
    nav.querySelectorAll("a[data-tab]").forEach(function (a) {
      var panel = document.querySelector('[data-tab-panel="' + a.getAttribute("data-tab") + '"]');
      a.setAttribute("role", "tab");
      if (panel) {
        a.setAttribute("aria-controls", panel.id);
        panel.setAttribute("role", "tabpanel");
      }
    });
    selectTab(tabFromHash() || tabNames()[0]);
  }
  document.addEventListener("click", function (event) {
    var a = closest(event.target, "a[data-tab]");
    if (a && tabNav() && tabNav().hasAttribute("data-ready")) {
      event.preventDefault();
      selectTab(a.getAttribute("data-tab"), { url: true });
      return;
    }
    // Links to a tab from elsewhere (the summary's facts), and controls that show one first
    // (data-show-tab: Edit profile).
    var link = closest(event.target, "a[href^='#']");
    var shows = closest(event.target, "[data-show-tab]");
    var name = shows ? shows.getAttribute("data-show-tab") : "";
    if (!name && link && !link.hasAttribute("data-open-details")) {
      var h = link.getAttribute("href").slice(1).replace(/^panel-/, "");
      if (tabNames().indexOf(h) >= 0) {
        event.preventDefault();
        name = h;
      }
    }
    if (name) selectTab(name, { url: true });
  });
  document.addEventListener("keydown", function (event) {
    var a = closest(event.target, "a[role=tab]");
    if (!a) return;
    var tabs = Array.prototype.slice.call(tabNav().querySelectorAll("a[data-tab]"));
    var i = tabs.indexOf(a);
    var next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    next = (next + tabs.length) % tabs.length;
    selectTab(tabs[next].getAttribute("data-tab"), { focus: true, url: true });
  });
  window.addEventListener("hashchange", function () {
    var name = tabFromHash();
    if (name) selectTab(name);
  });
  // <a href="#ID" data-open-details="ID" data-focus="INPUT">: shows the tab holding the
  // <details> ID, opens it and focuses INPUT (the toolbar's Delete…).
  document.addEventListener("click", function (event) {
    var a = closest(event.target, "[data-open-details]");
    if (!a) return;
    var details = document.getElementById(a.getAttribute("data-open-details"));
    if (!details) return;
    event.preventDefault();
    var panel = closest(details, "[data-tab-panel]");
    if (panel) selectTab(panel.getAttribute("data-tab-panel"), { url: true });
    details.open = true;
    var input = document.getElementById(a.getAttribute("data-focus") || "");
    if (input) input.focus();
    else details.querySelector("summary").focus();
  });

  // --- Scrolling regions ---------------------------------------------------------------------
  // An element marked data-scroll-label (a wide table's wrapper, raw JSON) that scrolls gets
  // into the tab order as a labelled region, so keyboard users can scroll it too; one that
  // does not scroll stays out of the way.
  function markScrollables(root) {
    var scope = root && root.querySelectorAll ? root : document;
    scope.querySelectorAll("[data-scroll-label]").forEach(function (el) {
      var scrolls = el.getClientRects().length > 0 &&
        (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1);
      if (scrolls) {
        el.tabIndex = 0;
        el.setAttribute("role", "region");
        el.setAttribute("aria-label", el.getAttribute("data-scroll-label"));
      } else if (el.hasAttribute("role")) {
        el.removeAttribute("tabindex");
        el.removeAttribute("role");
        el.removeAttribute("aria-label");
      }
    });
  }
  document.addEventListener("toggle", function () { markScrollables(document); }, true);
  var resizing = 0;
  window.addEventListener("resize", function () {
    cancelAnimationFrame(resizing);
    resizing = requestAnimationFrame(function () { markScrollables(document); });
  });
  document.addEventListener("htmx:afterSettle", function () { markScrollables(document); });

  // --- User page sections (issue 6) -------------------------------------------------------
  // A section that answers for itself (header X-Userdesk-Section) is swapped in as it is, even
  // with an error status: its answer is the section showing the problem (a missing scope, a
  // rate limit, a timeout) with its own retry button. The placeholder's fallback below is for
  // requests that fail before a section can answer.
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

  // Pickers open in a slot (.picker-slot) beside the button that opens them (aria-controls):
  // the button hides while the picker is open, the picker's first field takes the focus, and
  // Cancel or Escape close it and give the focus back to the button.
  function pickerOpener(slot) {
    return slot && slot.id ? document.querySelector('[aria-controls="' + slot.id + '"]') : null;
  }
  document.addEventListener("htmx:afterSwap", function (event) {
    var slot = event.detail && event.detail.target;
    if (!slot || !slot.classList || !slot.classList.contains("picker-slot") || !slot.querySelector("[data-picker]")) return;
    var opener = pickerOpener(slot);
    if (opener) {
      opener.setAttribute("aria-expanded", "true");
      opener.hidden = true;
    }
    var first = slot.querySelector("[autofocus]") || slot.querySelector("input, select");
    if (first) first.focus();
  });
  function closePicker(picker) {
    var slot = closest(picker, ".picker-slot");
    if (!slot) return;
    var opener = pickerOpener(slot);
    slot.replaceChildren();
    if (opener) {
      opener.hidden = false;
      opener.setAttribute("aria-expanded", "false");
      opener.focus();
    }
  }
  document.addEventListener("click", function (event) {
    var cancel = closest(event.target, "[data-picker-cancel]");
    if (cancel) closePicker(closest(cancel, "[data-picker]"));
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var picker = closest(event.target, "[data-picker]");
    if (!picker || closest(event.target, "dialog")) return;
    // Escape first clears a search box that holds text, as browsers do.
    if (event.target.type === "search" && event.target.value) return;
    event.preventDefault();
    closePicker(picker);
  });

  // Expandable rows (the logs' raw events): a button with data-expands="ID" shows or hides the
  // element ID and says so in aria-expanded.
  document.addEventListener("click", function (event) {
    var button = closest(event.target, "[data-expands]");
    if (!button) return;
    var row = document.getElementById(button.getAttribute("data-expands"));
    if (!row) return;
    row.hidden = !row.hidden;
    button.setAttribute("aria-expanded", row.hidden ? "false" : "true");
    markScrollables(row);
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
    var button = closest(event.target, "[data-section-retry]");
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
  onLoad(initMustEqual);

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
    var button = closest(event.target, "[data-generate-password]");
    if (!button || !window.crypto || !crypto.getRandomValues) return;
    var input = document.getElementById(button.getAttribute("data-generate-password"));
    if (!input) return;
    input.type = "text";
    input.value = generatePassword();
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.focus();
    input.select();
  });

  // The search box and its results, by keyboard: "/" focuses the box (not while typing
  // elsewhere); ↓ goes from the box to the first result and ↑/↓ move between results (↑ on
  // the first goes back to the box); "Go to the results" (shown when focused) does the same;
  // Enter searches at once and, when exactly one user matches, opens them.
  var openSingle = null;
  function resultLinks() {
    return Array.prototype.slice.call(document.querySelectorAll("#users-table a.user-link"));
  }
  document.addEventListener("keydown", function (event) {
    var t = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var box = document.getElementById("user-search-q");
    if (!box) return;
    if (event.key === "/" && !(t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName)))) {
      event.preventDefault();
      box.focus();
      box.select();
      return;
    }
    var links;
    if (t === box) {
      if (event.key === "Enter") openSingle = box.value;
      if (event.key === "ArrowDown" && (links = resultLinks()).length) {
        event.preventDefault();
        links[0].focus();
      }
      return;
    }
    if (t && t.matches && t.matches("#users-table a.user-link") && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      links = resultLinks();
      var i = links.indexOf(t);
      var next = event.key === "ArrowDown" ? links[i + 1] : (i === 0 ? box : links[i - 1]);
      if (next) {
        event.preventDefault();
        next.focus();
      }
    }
  });
  document.addEventListener("click", function (event) {
    var skip = closest(event.target, "[data-first-result]");
    if (!skip) return;
    var links = resultLinks();
    var target = links[0] || document.getElementById("users-caption");
    if (!target) return;
    event.preventDefault();
    if (!links[0]) target.setAttribute("tabindex", "-1");
    target.focus();
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var t = event.detail && event.detail.target;
    if (openSingle === null || !t || t.id !== "users-table") return;
    var box = document.getElementById("user-search-q");
    var wanted = openSingle;
    openSingle = null;
    var links = resultLinks();
    if (box && box.value === wanted && links.length === 1) location.assign(links[0].href);
  });
  // --- end of finding and managing users --------------------------------------------------

  // --- Pictures that cannot be loaded (views.avatar) ---------------------------------------
  // With remote pictures on, users' pictures point at gravatar.com and other sites that many
  // intranets cannot reach. An image marked data-fallback is hidden when it fails to load:
  // for an avatar that uncovers the initials beneath it; an organization's logo simply goes.
  // Error events do not bubble, so the listener runs in the capture phase (no inline onerror:
  // the CSP forbids it), and images that failed before this deferred script ran are found
  // when it starts and after every swap.
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
  onLoad(checkPictures);
  // --- end of pictures --------------------------------------------------------------------

  // --- bulk selection -----------------------------------------------------------------------
  // The search results' checkboxes (name="user", form="bulk-form") work as a plain form on
  // one page. Here the selection is kept across result pages and sorting in sessionStorage
  // (this tab only, gone when it closes): the ids checked and their names. On submit, the ids
  // chosen on other pages are added to the form. "Select all N matching" needs none of it: the
  // server runs the search again.
  var bulkKey = "userdesk.bulk.selection";
  function bulkLoad() {
    try {
      var v = JSON.parse(sessionStorage.getItem(bulkKey) || "{}");
      return v && typeof v === "object" && !Array.isArray(v) ? v : {};
    } catch (e) {
      return {};
    }
  }
  function bulkSave(sel) {
    try {
      if (Object.keys(sel).length === 0) sessionStorage.removeItem(bulkKey);
      else sessionStorage.setItem(bulkKey, JSON.stringify(sel));
    } catch (e) { /* storage full or off: the page's own checkboxes still work */ }
  }
  function bulkRefresh(root) {
    var form = document.querySelector("[data-bulk-form]");
    if (!form) return;
    var sel = bulkLoad();
    var boxes = document.querySelectorAll("input[data-bulk-user]");
    var pageAll = document.querySelector("[data-bulk-page]");
    var checkedHere = 0;
    boxes.forEach(function (box) {
      box.checked = Object.prototype.hasOwnProperty.call(sel, box.value);
      if (box.checked) checkedHere++;
    });
    if (pageAll) {
      pageAll.hidden = false;
      pageAll.checked = boxes.length > 0 && checkedHere === boxes.length;
      pageAll.indeterminate = checkedHere > 0 && checkedHere < boxes.length;
    }
    var all = form.querySelector("[data-bulk-all]");
    var n = Object.keys(sel).length;
    var count = form.querySelector("[data-bulk-count]");
    if (count) {
      if (all && all.checked) count.textContent = "Every user matching the search is selected.";
      else if (n === 0) count.textContent = "Check users to act on several at once.";
      else count.textContent = n + (n === 1 ? " user selected" : " users selected") + (n > checkedHere ? " (" + (n - checkedHere) + " on other pages)" : "") + ".";
    }
    var clear = form.querySelector("[data-bulk-clear]");
    if (clear) clear.hidden = n === 0;
  }
  document.addEventListener("change", function (event) {
    var t = event.target;
    if (!t || !t.matches) return;
    if (t.matches("input[data-bulk-user]")) {
      var sel = bulkLoad();
      if (t.checked) sel[t.value] = t.getAttribute("data-label") || t.value;
      else delete sel[t.value];
      bulkSave(sel);
      bulkRefresh(document);
    } else if (t.matches("[data-bulk-page]")) {
      var s = bulkLoad();
      document.querySelectorAll("input[data-bulk-user]").forEach(function (box) {
        if (t.checked) s[box.value] = box.getAttribute("data-label") || box.value;
        else delete s[box.value];
      });
      bulkSave(s);
      bulkRefresh(document);
    } else if (t.matches("[data-bulk-all]")) {
      bulkRefresh(document);
    }
  });
  document.addEventListener("click", function (event) {
    if (!closest(event.target, "[data-bulk-clear]")) return;
    bulkSave({});
    bulkRefresh(document);
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form && form.id === "bulk-confirm") {
      bulkSave({}); // the job takes the selection over
      return;
    }
    if (!form || !form.hasAttribute || !form.hasAttribute("data-bulk-form")) return;
    var all = form.querySelector("[data-bulk-all]");
    form.querySelectorAll("input[data-bulk-extra]").forEach(function (el) { el.remove(); });
    if (all && all.checked) return;
    var onPage = {};
    document.querySelectorAll("input[data-bulk-user]").forEach(function (box) { onPage[box.value] = true; });
    Object.keys(bulkLoad()).forEach(function (id) {
      if (onPage[id]) return; // the checkbox itself is sent
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = "user";
      input.value = id;
      input.setAttribute("data-bulk-extra", "");
      form.appendChild(input);
    });
  });
  onLoad(bulkRefresh);
  // --- end of bulk selection ----------------------------------------------------------------

  // Start: the tabs, and the scrolling regions of the first page.
  function start() {
    initTabs();
    markScrollables(document);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
