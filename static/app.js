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
    dialog.returnValue = "";
    dialog.addEventListener("close", function onClose() {
      dialog.removeEventListener("close", onClose);
      if (dialog.returnValue === "confirm") event.detail.issueRequest(true);
      else if (source.focus) source.focus();
    });
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
})();
