// Small progressive enhancements; every page works without them.
document.addEventListener("keydown", (event) => {
  // Escape closes the search suggestions.
  if (event.key === "Escape") {
    const box = document.getElementById("search-suggestions");
    if (box) box.innerHTML = "";
  }
});
document.addEventListener("click", (event) => {
  const box = document.getElementById("search-suggestions");
  if (box && !event.target.closest(".search-form")) box.innerHTML = "";
});
// A select marked data-autosubmit submits its form when changed (no inline handlers: CSP).
document.addEventListener("change", (event) => {
  if (event.target.matches("select[data-autosubmit]")) event.target.form.submit();
});
// A select marked data-sync-input copies its value into that input, then submits the form named
// by data-submit-form through htmx (the catalog's sort box drives the filter form).
document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-sync-input]");
  if (!select) return;
  const input = document.getElementById(select.dataset.syncInput);
  if (input) input.value = select.value;
  const form = document.getElementById(select.dataset.submitForm);
  if (form && window.htmx) window.htmx.trigger(form, "submit");
  else if (form) form.requestSubmit();
});
// On narrow screens, panels marked data-fold-below start folded so the content comes first.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("details[data-fold-below]").forEach((panel) => {
    if (window.matchMedia(`(max-width: ${panel.dataset.foldBelow}px)`).matches) panel.removeAttribute("open");
  });
});
// A button marked data-print prints the page (inline onclick handlers are refused by the CSP).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
// A form marked data-submit-once sends once: a double click or a second Enter does nothing more,
// and the button says the order is on its way. The server holds the rule too (one order per cart).
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-submit-once]");
  if (!form) return;
  if (form.dataset.submitted) {
    event.preventDefault();
    return;
  }
  form.dataset.submitted = "1";
  form.querySelectorAll("button[type=submit]").forEach((button) => {
    button.setAttribute("aria-disabled", "true");
    button.setAttribute("aria-busy", "true");
    if (button.dataset.busyLabel) button.textContent = button.dataset.busyLabel;
  });
});
