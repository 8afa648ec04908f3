// Light or dark before the first paint: the choice remembered in this browser (the
// header's switch, src/theme.rs), else the system's, followed while it changes. And the
// language, as <html lang> (src/i18n.rs loads its words before the app mounts).
(() => {
  const root = document.documentElement;
  const system = matchMedia("(prefers-color-scheme: dark)");
  const apply = () => {
    let chosen = null;
    try { chosen = localStorage.getItem("seqhealth-theme"); } catch (e) { /* storage refused */ }
    root.dataset.theme = chosen || (system.matches ? "dark" : "light");
  };
  apply();
  // The language chosen in the header, else the browser's: Italian, Spanish or English.
  let lang = null;
  try { lang = localStorage.getItem("seqhealth-lang"); } catch (e) { /* storage refused */ }
  lang = lang || navigator.language || "";
  root.lang = /^it/i.test(lang) ? "it" : /^es/i.test(lang) ? "es" : "en";
  // Its words, fetched now beside the wasm, which waits for them before showing anything.
  if (root.lang !== "en") {
    window.seqhealthCatalog = fetch(`/i18n/${root.lang}.json`).then((r) => (r.ok ? r.text() : null), () => null);
  }
  system.addEventListener("change", apply);
})();
