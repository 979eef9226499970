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

  // After a swap that replaced the main content, move focus there for keyboard and screen
  // reader users (htmx keeps focus on the element that triggered the request otherwise).
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.target;
    if (target && target.hasAttribute && target.hasAttribute("data-focus-after-swap")) {
      target.focus();
    }
  });
})();
