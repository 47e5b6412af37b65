// Unit tree: a toggle loads its children once (htmx, "click once") and then
// only shows or hides them, so collapsing never re-queries the server.
document.addEventListener("click", (event) => {
  const toggle = event.target.closest(".tree .toggle[aria-controls]");
  if (!toggle) return;
  const children = document.getElementById(toggle.getAttribute("aria-controls"));
  const expanded = toggle.getAttribute("aria-expanded") === "true";
  toggle.setAttribute("aria-expanded", String(!expanded));
  children.hidden = expanded;
});
