/* Every page (base.html): behaviours that templates ask for with data attributes, so that no
   template needs an inline <script> or an on…= attribute (the Content-Security-Policy runs script
   from our files only; see docs/security.md). Listeners are delegated from the document, so content
   htmx swaps in later behaves the same.

   data-fk-autosubmit            on an input or select: a change submits its form (a plain GET form).
   data-fk-confirm="question"    on a button or form: asks before submitting; "cancel" stops it.
   data-fk-print                 on a button: prints the page.
   data-fk-swap-errors="422 403" on an htmx element or an ancestor: answers with these statuses are
                                 swapped in like a 200 (a refusal shown in place, next to its field).
   data-fk-hold-if="selector"    on a polling htmx element: a poll is skipped while the selector
                                 matches (a row ticked on the board, say).
   data-fk-complete-at="18"      on an input: fires the event "fk-complete" once when what is typed
                                 reaches that length (a full ID number), so an htmx look-up can run
                                 then (hx-trigger="fk-complete, change") and not on every keystroke. */
(function () {
  "use strict";

  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el.matches && el.matches("[data-fk-autosubmit]") && el.form) { el.form.submit(); }
  });

  // Capture phase: runs before htmx's own listeners on the form, so "cancel" stops an htmx post too.
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("button[data-fk-confirm], input[type=submit][data-fk-confirm]");
    if (button && !window.confirm(button.getAttribute("data-fk-confirm"))) {
      e.preventDefault();
      e.stopImmediatePropagation();
    }
  }, true);
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form.matches && form.matches("form[data-fk-confirm]") && !window.confirm(form.getAttribute("data-fk-confirm"))) {
      e.preventDefault();
      e.stopImmediatePropagation();
    }
  }, true);

  document.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("[data-fk-print]")) { window.print(); }
  });

  document.addEventListener("htmx:beforeSwap", function (e) {
    var holder = e.target.closest && e.target.closest("[data-fk-swap-errors]");
    if (!holder) { return; }
    var statuses = holder.getAttribute("data-fk-swap-errors").split(/\s+/);
    if (statuses.indexOf(String(e.detail.xhr.status)) !== -1) {
      e.detail.shouldSwap = true;
      e.detail.isError = false;
    }
  });

  document.addEventListener("htmx:confirm", function (e) {
    var selector = e.target.getAttribute && e.target.getAttribute("data-fk-hold-if");
    if (selector && document.querySelector(selector)) { e.preventDefault(); }
  });

  document.addEventListener("input", function (e) {
    var el = e.target;
    var at = el.getAttribute && parseInt(el.getAttribute("data-fk-complete-at"), 10);
    if (!at) { return; }
    var value = el.value.trim();
    if (value.length >= at && el.dataset.fkCompleted !== value) {
      el.dataset.fkCompleted = value;
      el.dispatchEvent(new Event("fk-complete"));
    }
  });
})();
