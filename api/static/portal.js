// Progressive enhancement only: every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // The credit code, checked by the platform as it is typed (the domain's own rule).
  const code = document.querySelector("[data-check]");
  if (code) {
    const out = document.getElementById("e-" + code.name);
    let timer;
    const check = async (always) => {
      const value = code.value.trim();
      if (!value || (!always && value.length < 18)) return;
      const r = await fetch(code.dataset.check + "?code=" + encodeURIComponent(value), {credentials: "same-origin"});
      if (!r.ok) return;
      const body = await r.json();
      out.textContent = body.message;
      out.hidden = false;
      out.className = body.ok ? "ok" : "error";
      code.setAttribute("aria-invalid", body.ok ? "false" : "true");
    };
    code.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => check(false), 250); });
    code.addEventListener("change", () => check(true));
  }
  // Regions that keep themselves current (a registration's place on the waitlist).
  document.querySelectorAll("[data-live]").forEach((el) => {
    const words = (node) => node.textContent.replace(/\s+/g, " ").trim();
    setInterval(async () => {
      try {
        const r = await fetch(el.dataset.live, {credentials: "same-origin"});
        if (!r.ok) return;
        const fresh = document.createElement("template");
        fresh.innerHTML = await r.text();
        if (words(fresh.content) !== words(el)) el.replaceChildren(fresh.content);  // announced (aria-live)
      } catch (e) { /* offline for a moment: try again next time */ }
    }, Number(el.dataset.every || 5000));
  });
  // Ask before what cannot be undone.
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (e) => { if (!window.confirm(form.dataset.confirm)) e.preventDefault(); });
  });
});
