// One key per decision in the review queue: S = same family, B = different (berbeda).
// Keys typed into the note are text, not decisions; a held-down key decides one pair only.
const DECISION_KEYS = { s: "1", b: "0" };

document.addEventListener("keydown", (event) => {
  if (event.repeat || event.ctrlKey || event.altKey || event.metaKey) return;
  if (event.target.closest("input, textarea, select")) return;
  const value = DECISION_KEYS[event.key.toLowerCase()];
  const button = value && document.querySelector(`#decision button[value="${value}"]`);
  if (button && !button.disabled) {
    event.preventDefault();
    button.click();
  }
});
