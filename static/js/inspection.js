/* The inspection checklist on a phone: every change is saved per item (htmx posts the item's
   form); notes are saved while typing; photos are downscaled in the browser before upload. */
(function () {
  "use strict";
  var root = document.getElementById("fq-inspection");
  if (!root || !window.htmx) return;
  var MAX_SIDE = 2000;
  var QUALITY = 0.85;
  var msg = function (key) { return root.dataset["msg" + key] || ""; };
  var csrf = (document.querySelector("input[name=csrfmiddlewaretoken]") || {}).value || "";
  // Saves on their way, as their XHRs: a finished XHR has readyState 4 even when htmx swapped its
  // form out of the page before telling anyone, so nothing is counted twice or forgotten.
  var pending = new Set();
  function inflight() {
    pending.forEach(function (xhr) { if (xhr.readyState === 4) pending.delete(xhr); });
    return pending.size;
  }
  var timers = new Map();

  function cardOf(el) { return el.closest(".fq-item"); }

  function showFail(card, failed) {
    card.querySelectorAll(".fq-fail").forEach(function (el) { el.hidden = !failed; });
  }

  function state(card, text, cls) {
    var el = card.querySelector(".fq-item-state");
    if (el) { el.className = "small mt-2 fq-item-state " + (cls || "text-body-secondary"); el.textContent = text; }
  }

  // Choosing a result shows (or hides) the note, deadline and photo at once, before the save returns.
  root.addEventListener("change", function (e) {
    if (e.target.name === "result") {
      var card = cardOf(e.target);
      showFail(card, e.target.value === "fail");
      card.classList.remove("fq-item-pass", "fq-item-fail", "fq-item-na");
      card.classList.add("fq-item-" + e.target.value);
    }
    if (e.target.classList.contains("fq-photo-input")) upload(e.target);
  });

  // Notes are saved a moment after typing stops, and at once when the phone goes to sleep.
  function flush(form) {
    clearTimeout(timers.get(form));
    timers.delete(form);
    htmx.trigger(form, "fq-autosave");
  }
  root.addEventListener("input", function (e) {
    if (e.target.tagName !== "TEXTAREA") return;
    var form = e.target.form;
    clearTimeout(timers.get(form));
    timers.set(form, setTimeout(function () { flush(form); }, 1500));
    state(cardOf(form), msg("Saving"));
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") Array.from(timers.keys()).forEach(flush);
  });

  function isAnswer(el) { return el && el.classList && el.classList.contains("fq-answer"); }
  document.body.addEventListener("htmx:beforeRequest", function (e) {
    if (isAnswer(e.detail.elt) && e.detail.xhr) pending.add(e.detail.xhr);
  });
  document.body.addEventListener("htmx:afterRequest", function (e) {
    if (!isAnswer(e.detail.elt)) return;
    if (!e.detail.successful && e.detail.elt.isConnected) state(cardOf(e.detail.elt), msg("Offline"), "text-danger");
  });
  // While the officer is still typing in this card, keep the text they typed: do not replace the
  // card with the saved copy unless the server reports an error.
  document.body.addEventListener("htmx:beforeSwap", function (e) {
    var card = e.detail.target;
    if (!card || !card.classList || !card.classList.contains("fq-item")) return;
    var active = document.activeElement;
    if (active && active.tagName === "TEXTAREA" && card.contains(active) && e.detail.xhr.status === 200 &&
        e.detail.serverResponse.indexOf("fq-item-error") === -1) {
      e.detail.shouldSwap = false;
      state(card, msg("Saved") + " " + new Date().toTimeString().slice(0, 5), "text-success");
    }
  });

  // Submitting waits for saves still on their way, so nothing typed last is lost.
  var submitForm = document.getElementById("fq-submit");
  if (submitForm) {
    submitForm.addEventListener("submit", function (e) {
      if (timers.size === 0 && inflight() === 0) return;
      e.preventDefault();
      Array.from(timers.keys()).forEach(flush);
      var tries = 0;
      (function wait() {
        if ((inflight() === 0 && timers.size === 0) || tries++ > 50) { submitForm.submit(); return; }
        setTimeout(wait, 200);
      })();
    });
  }

  // ---- photos -------------------------------------------------------------------------------
  function loadImage(file) {
    return new Promise(function (resolve, reject) {
      var url = URL.createObjectURL(file);
      var img = new Image();
      img.onload = function () { resolve({ img: img, url: url }); };
      img.onerror = function () { URL.revokeObjectURL(url); reject(new Error("decode")); };
      img.src = url;
    });
  }

  // Resolves to the blob to send: a JPEG no larger than MAX_SIDE, or the original file when it is
  // already small enough or the browser cannot decode it (the server's checks still apply).
  function downscale(file) {
    var usual = /^image\/(jpeg|png|webp)$/.test(file.type);
    return loadImage(file).then(function (loaded) {
      var w = loaded.img.naturalWidth, h = loaded.img.naturalHeight;
      var scale = Math.min(1, MAX_SIDE / Math.max(w, h));
      if (scale === 1 && usual) { URL.revokeObjectURL(loaded.url); return file; }
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(w * scale);
      canvas.height = Math.round(h * scale);
      canvas.getContext("2d").drawImage(loaded.img, 0, 0, canvas.width, canvas.height);
      URL.revokeObjectURL(loaded.url);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) { resolve(blob || file); }, "image/jpeg", QUALITY);
      });
    }).catch(function () { return file; });
  }

  function replaceCard(card, html) {
    htmx.swap(card, html, { swapStyle: "outerHTML" });
  }

  function upload(input) {
    var file = input.files && input.files[0];
    if (!file) return;
    var form = input.form, card = cardOf(input);
    var status = form.querySelector(".fq-photo-status");
    status.className = "small mt-1 fq-photo-status text-body-secondary";
    status.textContent = msg("Preparing");
    input.disabled = true;
    downscale(file).then(function (blob) {
      var data = new FormData();
      data.append("csrfmiddlewaretoken", csrf);
      var name = (file.name || "photo").replace(/\.[^.]*$/, "") + (blob === file ? "" : ".jpg");
      data.append("photo", blob, blob === file ? file.name : name);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("X-CSRFToken", csrf);
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      xhr.upload.onprogress = function (ev) {
        if (ev.lengthComputable) status.textContent = msg("Uploading") + " " + Math.round(100 * ev.loaded / ev.total) + "%";
      };
      var fail = function (text) {
        input.disabled = false;
        input.value = "";
        status.className = "small mt-1 fq-photo-status text-danger";
        status.textContent = text;
      };
      xhr.onload = function () {
        if (xhr.status === 200) replaceCard(card, xhr.responseText);
        else fail(xhr.status === 413 ? msg("TooLarge") : msg("Failed"));
      };
      xhr.onerror = function () { fail(msg("Failed")); };
      status.textContent = msg("Uploading") + " 0%";
      xhr.send(data);
    });
  }
})();
