// Light or dark before the first paint: the choice remembered in this browser (the
// header's switch, src/theme.rs), else the system's, followed while it changes.
(() => {
  const root = document.documentElement;
  const system = matchMedia("(prefers-color-scheme: dark)");
  const apply = () => {
    let chosen = null;
    try { chosen = localStorage.getItem("seqhealth-theme"); } catch (e) { /* storage refused */ }
    root.dataset.theme = chosen || (system.matches ? "dark" : "light");
  };
  apply();
  system.addEventListener("change", apply);
})();
