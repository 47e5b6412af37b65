// Reveal a masked value (an audited request); the button is replaced by the value.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-reveal-url]");
  if (!button) return;
  const token = document.querySelector("[name=csrfmiddlewaretoken]")?.value
    || JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
  const response = await fetch(button.dataset.revealUrl, {
    method: "POST", headers: { "X-CSRFToken": token }, credentials: "same-origin",
  });
  if (!response.ok) { button.textContent = button.dataset.errorText || "!"; return; }
  const data = await response.json();
  const target = document.getElementById(button.dataset.target);
  if (target) target.textContent = data.value;
  button.remove();
});

// Long drop-downs (a city's 9,000 people, its 600 units) get a box above them:
// typing part of a name or code keeps only the matching choices. Options are
// taken out and put back rather than hidden (phones ignore hidden options).
const LONG_LIST = 60;
function addChoiceFilter(select) {
  if (select.dataset.filtered || select.options.length < LONG_LIST) return;
  select.dataset.filtered = "1";
  const all = Array.from(select.options);
  const box = document.createElement("input");
  box.type = "search";
  box.className = "form-control form-control-sm mb-1";
  box.placeholder = document.body.dataset.choiceFilter || "";
  box.setAttribute("aria-label", box.placeholder);
  box.addEventListener("input", () => {
    const text = box.value.trim();
    const keep = all.filter((o) => !text || o.selected || !o.value || o.text.includes(text));
    select.replaceChildren(...keep);
  });
  select.before(box);
}
function addChoiceFilters(root) {
  // Not in the filter bars: they stay one compact row.
  root.querySelectorAll("form:not(.filters) select").forEach(addChoiceFilter);
}
document.addEventListener("DOMContentLoaded", () => addChoiceFilters(document));
document.addEventListener("htmx:afterSwap", (event) => addChoiceFilters(event.target));
