// Keyboard and screen-reader users keep their place around every inline form and
// confirmation, by data attributes rather than code in each component (src/components/mod.rs):
// - a button with data-opens=K opens one: the focus goes to its [autofocus] field (or
//   first button, for a confirmation) in the same row or section;
// - a button with data-closes=K closes it (Close, Cancel, Keep it; Esc clicks it): the
//   focus goes back to the data-opens=K button of that row or section, made anew;
// - seqhealthDone(text, css), called by the dashboard when a change succeeds, says text in
//   the live region (#announce) and focuses what css selects once the page shows it anew;
//   with no text, on a new page, it focuses css only if the focus was lost with the old page.
(() => {
  const scope = "tr,li,section";
  const doc = document;
  const q = (root, css) => root && root.querySelector(css);
  const focus = (el) => {
    if (el.tabIndex < 0) el.tabIndex = -1;
    el.focus();
  };
  doc.addEventListener("click", (ev) => {
    const b = ev.target.closest && ev.target.closest("[data-opens],[data-closes]");
    const s = b && b.closest(scope);
    if (!s) return;
    const k = b.dataset.closes;
    requestAnimationFrame(() => {
      const el = q(s, k ? `[data-opens="${k}"]` : "[autofocus]");
      if (el) focus(el);
    });
  }, true);
  doc.addEventListener("keydown", (ev) => {
    if (ev.key !== "Escape") return;
    const a = doc.activeElement;
    const b = q(a && a.closest(scope), "[data-closes]") || q(doc, "[data-closes]");
    if (b) b.click();
  });
  window.seqhealthDone = (text, css) => {
    // Emptied first: the same words again (a second code) are a change, and said again.
    const r = q(doc, "#announce");
    if (text && r) {
      r.textContent = "";
      setTimeout(() => (r.textContent = text), 100);
    }
    const old = text && q(doc, css);
    let tries = 60;
    const seek = () => {
      const a = doc.activeElement;
      if (!text && a && a !== doc.body) return;
      const el = q(doc, css);
      if (el && (el !== old || !tries)) focus(el);
      else if (tries--) setTimeout(seek, 50);
    };
    setTimeout(seek, 50);
  };
})();
