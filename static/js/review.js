// One key per decision in the review queue: S = same family, B = different (berbeda).
// Keys typed into the note are text, not decisions.
document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.altKey || event.metaKey) return;
  if (event.target.closest("input, textarea, select")) return;
  const button = document.querySelector(`#decision button[data-key="${event.key.toLowerCase()}"]`);
  if (button) {
    event.preventDefault();
    button.click();
  }
});
