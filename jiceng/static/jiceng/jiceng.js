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
