// Import page: say the chosen ZIP's size, and warn before uploading one over the limit.
(() => {
  const form = document.querySelector("form.transfer-form[data-max-upload]");
  if (!form) return;
  const input = form.querySelector('input[type="file"]');
  const note = form.querySelector(".upload-size");
  const limit = Number(form.dataset.maxUpload);
  const mb = (n) => (n / 1024 / 1024).toFixed(1) + " MB";
  input?.addEventListener("change", () => {
    const file = input.files && input.files[0];
    if (!file || !note) return;
    const tooLarge = file.size > limit;
    note.textContent = tooLarge
      ? `${file.name} is ${mb(file.size)}; the limit is ${mb(limit)}.`
      : `${file.name}: ${mb(file.size)}`;
    note.classList.toggle("too-large", tooLarge);
  });
})();
