// A form is sent once: a second click (or Enter) while the first request is on its way
// would reach the API as a stale version and read "someone else updated the case".
// The buttons are disabled only after the browser took the form's data (a named button's
// value is still sent); coming back with the Back button re-enables them.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.hasAttribute("hx-get") || form.hasAttribute("hx-post")) {
      return;
    }
    if (form.dataset.sending === "true") {
      event.preventDefault();
      return;
    }
    form.dataset.sending = "true";
    setTimeout(function () {
      form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (button) {
        button.disabled = true;
      });
    }, 0);
  });
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-sending]").forEach(function (form) {
      delete form.dataset.sending;
      form.querySelectorAll("button[disabled]").forEach(function (button) {
        button.disabled = false;
      });
    });
  });
})();
