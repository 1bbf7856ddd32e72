// On a phone a table's rows become cards (static/css/app.css): each cell is labelled with its
// column's heading, taken here from the table's own header row. Again after htmx swaps a part.
function labelCells(root) {
  for (const table of root.querySelectorAll(".table-wrap table")) {
    const headings = [...table.querySelectorAll("thead th")].map((th) => th.innerText.trim());
    if (!headings.length) continue;
    for (const row of table.querySelectorAll("tbody tr, tfoot tr")) {
      [...row.children].forEach((cell, i) => {
        if (headings[i] && !cell.hasAttribute("data-label")) cell.dataset.label = headings[i];
      });
    }
  }
}

document.addEventListener("DOMContentLoaded", () => labelCells(document));
document.addEventListener("htmx:afterSettle", (event) => labelCells(event.target));

// A button that prints the page (the sign-in slips); CSP allows no inline handler.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});

// Signing out of a shared phone takes the half-filled visits kept on it (js/visit.js) along.
document.addEventListener("submit", (event) => {
  if (!event.target.matches("form[data-sign-out]")) return;
  try {
    Object.keys(localStorage).filter((key) => key.startsWith("visit-"))
      .forEach((key) => localStorage.removeItem(key));
  } catch (e) { /* storage switched off: nothing kept */ }
});
