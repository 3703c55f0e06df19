// Collections pages: progressive enhancements only; every form also works as a plain POST.
(() => {
  "use strict";

  // Forms re-rendered with their errors come back as 4xx: show them instead of dropping them.
  document.addEventListener("htmx:beforeSwap", (event) => {
    const status = event.detail.xhr.status;
    if (status === 400 || status === 404 || status === 409 || status === 422 || status === 502 || status === 403) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  const csrfToken = (form) => {
    const input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  };

  const escapeText = (text) => {
    const span = document.createElement("span");
    span.textContent = text;
    return span.innerHTML;
  };

  // Upload several photos, one request per file, with a progress bar and the result of each.
  const uploadOne = (form, file, item) => new Promise((resolve) => {
    const data = new FormData();
    data.append("csrfmiddlewaretoken", csrfToken(form));
    data.append("photos", file, file.name);
    const userData = form.querySelector("[name=user_data]");
    if (userData) data.append("user_data", userData.value);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("HX-Request", "true");
    xhr.setRequestHeader("X-Upload-Filename", encodeURIComponent(file.name));
    const bar = item.querySelector("progress");
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable && bar) bar.value = e.loaded / e.total;
    });
    xhr.upload.addEventListener("load", () => {
      const state = item.querySelector(".state");
      if (state) state.textContent = "detecting and enrolling…";
      if (bar) bar.removeAttribute("value");
    });
    xhr.addEventListener("load", () => {
      if (xhr.responseText.trim().startsWith("<li")) {
        const holder = document.createElement("ol");
        holder.innerHTML = xhr.responseText;
        const result = holder.firstElementChild;
        item.replaceWith(result);
        if (window.htmx) window.htmx.process(result);
      } else {
        item.dataset.status = "failed";
        item.querySelector(".state").textContent = `failed (HTTP ${xhr.status})`;
      }
      resolve();
    });
    xhr.addEventListener("error", () => {
      item.dataset.status = "failed";
      item.querySelector(".state").textContent = "failed: the server could not be reached";
      resolve();
    });
    xhr.send(data);
  });

  // The same limits as the server's (forms_collections.py), in the limit's own unit.
  const MAX_BYTES = 6 * 1024 * 1024;
  const MIN_BYTES = 1024;
  const sizeText = (size) => (size < 1024 * 1024 ? `${(size / 1024).toFixed(1)} KB` : `${(size / 1024 / 1024).toFixed(1)} MB`);
  const sizeProblem = (file) => {
    if (file.size > MAX_BYTES || file.size < MIN_BYTES) {
      return `${file.name} is ${sizeText(file.size)}; photos must be 1 KB to 6 MB.`;
    }
    return "";
  };

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-upload")) return;
    const input = form.querySelector("input[type=file]");
    if (!input || !input.files || input.files.length === 0 || !window.FormData) return;
    event.preventDefault();
    const list = form.querySelector("[data-upload-list]");
    const button = form.querySelector("button[type=submit]");
    const files = Array.from(input.files);
    button.disabled = true;
    const items = files.map((file) => {
      const item = document.createElement("li");
      item.className = "upload-item";
      item.dataset.status = "queued";
      item.innerHTML = `<span class="file">${escapeText(file.name)}</span> <progress max="1" value="0"></progress> <span class="state">queued</span>`;
      list.append(item);
      return item;
    });
    // One at a time: detection is the slow part and the server does it per photo anyway.
    for (let i = 0; i < files.length; i += 1) {
      const refusal = sizeProblem(files[i]);
      if (refusal) {
        // Refused here: a photo the server would refuse is not sent at all.
        items[i].dataset.status = "failed";
        items[i].querySelector("progress").remove();
        items[i].querySelector(".state").innerHTML = `<span class="badge bad">not uploaded</span> <span class="error">${escapeText(refusal)}</span>`;
        continue;
      }
      items[i].querySelector(".state").textContent = "uploading…";
      items[i].dataset.status = "uploading";
      await uploadOne(form, files[i], items[i]);
    }
    button.disabled = false;
    input.value = "";
    const target = form.dataset.refresh && document.querySelector(form.dataset.refresh);
    if (target && window.htmx) {
      window.htmx.ajax("GET", window.location.pathname + window.location.search, {
        target: form.dataset.refresh,
        swap: "outerHTML",
      });
    }
  });

  // Face picker: clicking a box toggles its checkbox; a checked box is highlighted.
  const syncBoxes = (form) => {
    form.querySelectorAll(".box").forEach((box) => {
      const box_input = form.querySelector(`input[name=faces][value="${box.dataset.face}"]`);
      box.classList.toggle("chosen", Boolean(box_input && box_input.checked));
    });
  };
  document.addEventListener("click", (event) => {
    const box = event.target instanceof Element ? event.target.closest(".pick .box") : null;
    if (!box) return;
    const form = box.closest("form");
    const input = form.querySelector(`input[name=faces][value="${box.dataset.face}"]`);
    if (input) {
      input.checked = !input.checked;
      syncBoxes(form);
    }
  });
  document.addEventListener("change", (event) => {
    const form = event.target instanceof Element ? event.target.closest("form.pick") : null;
    if (form) syncBoxes(form);
  });

  // Face list deletes and failed htmx calls keep focus somewhere sensible.
  document.addEventListener("htmx:afterSwap", (event) => {
    const panel = event.detail.target;
    if (panel && panel.querySelector) {
      panel.querySelectorAll("form.pick").forEach(syncBoxes);
    }
  });
})();
