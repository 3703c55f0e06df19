// Photo lookup enhancements. Every form works without this file; with it:
// - photos can be dropped on the zone, and are shown from the browser's memory
//   (URL.createObjectURL): the server answers with the overlay only and never sends the
//   photo back;
// - hovering or focusing a face box highlights its row and candidates, and vice versa;
// - clicking a box picks that face (verify, find similar) and resubmits;
// - "Copy as curl" copies the request.
(() => {
  const urls = new Map(); // "input name" or "name#index" -> object URL

  function remember(input) {
    for (const key of [...urls.keys()]) {
      if (key === input.name || key.startsWith(input.name + "#")) {
        URL.revokeObjectURL(urls.get(key));
        urls.delete(key);
      }
    }
    [...(input.files || [])].forEach((file, index) => {
      const url = URL.createObjectURL(file);
      if (index === 0) urls.set(input.name, url);
      urls.set(`${input.name}#${index}`, url);
    });
    const preview = document.querySelector(`img[data-preview-for="${CSS.escape(input.name)}"]`);
    if (preview) {
      const single = input.files && input.files.length === 1;
      preview.hidden = !single;
      if (single) preview.src = urls.get(input.name);
    }
  }

  function showPhotos(root) {
    root.querySelectorAll("img[data-photo-from]").forEach((img) => {
      const url = urls.get(img.dataset.photoFrom);
      if (url) img.src = url;
    });
    root.querySelectorAll("svg[data-fit]").forEach((svg) => {
      const img = svg.parentElement.querySelector("img");
      const fit = () => {
        if (img.naturalWidth) svg.setAttribute("viewBox", `0 0 ${img.naturalWidth} ${img.naturalHeight}`);
      };
      if (img.complete) fit(); else img.addEventListener("load", fit, { once: true });
    });
  }

  document.addEventListener("change", (event) => {
    const el = event.target;
    if (el instanceof HTMLInputElement && el.type === "file") remember(el);
    if (el instanceof HTMLInputElement && el.hasAttribute("data-autosubmit") && el.form) {
      el.form.requestSubmit();
    }
  });

  // Drag and drop onto a zone fills its file input.
  document.addEventListener("dragover", (event) => {
    const zone = event.target instanceof Element && event.target.closest("[data-dropzone]");
    if (!zone) return;
    event.preventDefault();
    zone.classList.add("dragging");
  });
  document.addEventListener("dragleave", (event) => {
    const zone = event.target instanceof Element && event.target.closest("[data-dropzone]");
    if (zone) zone.classList.remove("dragging");
  });
  document.addEventListener("drop", (event) => {
    const zone = event.target instanceof Element && event.target.closest("[data-dropzone]");
    if (!zone) return;
    event.preventDefault();
    zone.classList.remove("dragging");
    const input = zone.querySelector("input[type=file]");
    if (!input || !event.dataTransfer || !event.dataTransfer.files.length) return;
    const files = new DataTransfer();
    [...event.dataTransfer.files].slice(0, input.multiple ? 100 : 1).forEach((f) => files.items.add(f));
    input.files = files.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  });

  // Box <-> row highlighting, within one result.
  function highlight(event, on) {
    const el = event.target instanceof Element && event.target.closest("[data-face]");
    if (!el) return;
    const scope = el.closest(".lk-result, .lk-stage-wrap, .card") || document;
    const section = el.closest("section") || scope;
    section.querySelectorAll(`[data-face="${el.dataset.face}"]`).forEach((n) => n.classList.toggle("hl", on));
  }
  document.addEventListener("mouseover", (e) => highlight(e, true));
  document.addEventListener("mouseout", (e) => highlight(e, false));
  document.addEventListener("focusin", (e) => highlight(e, true));
  document.addEventListener("focusout", (e) => highlight(e, false));

  document.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    const face = target.closest("g[data-pick]");
    if (face) {
      const form = face.closest("form");
      const radio = form && form.querySelector(`input[type=radio][name="${CSS.escape(face.dataset.pick)}"][value="${CSS.escape(face.dataset.target)}"]`);
      if (radio && !radio.checked) {
        radio.checked = true;
        form.requestSubmit();
      }
      return;
    }
    const copy = target.closest("[data-copy]");
    if (copy) {
      const source = document.querySelector(copy.dataset.copy);
      if (source && navigator.clipboard) {
        navigator.clipboard.writeText(source.textContent).then(() => {
          const label = copy.textContent;
          copy.textContent = "Copied";
          setTimeout(() => { copy.textContent = label; }, 1500);
        });
      }
    }
  });

  document.addEventListener("htmx:afterSwap", (event) => showPhotos(event.target));
  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("input[type=file]").forEach((input) => { if (input.files && input.files.length) remember(input); });
    showPhotos(document);
  });
})();
