// The moderation queue: tick every photo at once; confirm before a withdrawal.
document.getElementById("select-all")?.addEventListener("change", (event) => {
  for (const box of document.querySelectorAll('input[name="code"][form="bulk"]')) box.checked = event.target.checked;
});
for (const button of document.querySelectorAll("button[data-confirm]")) {
  button.addEventListener("click", (event) => { if (!confirm(button.dataset.confirm)) event.preventDefault(); });
}
