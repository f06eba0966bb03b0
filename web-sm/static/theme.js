// The light/dark choice: the system's, unless the person picked one (kept in localStorage).
const root = document.documentElement;
const saved = localStorage.getItem('ajet-theme');
if (saved === 'light' || saved === 'dark') root.dataset.theme = saved;

document.addEventListener('DOMContentLoaded', () => {
  const toggle = document.getElementById('theme-toggle');
  if (!toggle) return;
  toggle.addEventListener('click', () => {
    const dark = root.dataset.theme
      ? root.dataset.theme === 'dark'
      : matchMedia('(prefers-color-scheme: dark)').matches;
    root.dataset.theme = dark ? 'light' : 'dark';
    localStorage.setItem('ajet-theme', root.dataset.theme);
  });
});
