// Seller back office enhancements; every action also works without JavaScript.
document.addEventListener("click", (event) => {
  // A "Cancel" button closes the inline confirmation it belongs to.
  const button = event.target.closest("[data-dismiss]");
  if (button) {
    const box = button.closest(button.dataset.dismiss);
    if (box) box.remove();
  }
});
