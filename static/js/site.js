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
