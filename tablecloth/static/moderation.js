// The moderation queue: "select all" for the bulk form, and a confirmation before a
// destructive button (a static file, so a strict Content-Security-Policy allows it).
document.getElementById("select-all")?.addEventListener("change", (event) => {
  for (const box of document.querySelectorAll('input[name="code"][form="bulk"]')) box.checked = event.target.checked;
});
for (const button of document.querySelectorAll("button[data-confirm]")) {
  button.addEventListener("click", (event) => { if (!confirm(button.dataset.confirm)) event.preventDefault(); });
}
