/* The meeting form on the phone: "add a topic" clones <template id="fq-topic-template"> (the
   formset's empty form, __prefix__) into #fq-topics and bumps TOTAL_FORMS. Without this file
   the form still works with its one topic row; the button stays hidden. */
(function () {
  "use strict";
  document.querySelectorAll("[data-js-only]").forEach(function (el) {
    el.hidden = false;
  });
  var rows = document.getElementById("fq-topics");
  var template = document.getElementById("fq-topic-template");
  var button = document.querySelector("[data-add-topic]");
  var total = document.querySelector('input[name="topic-TOTAL_FORMS"]');
  if (!rows || !template || !button || !total) return;

  function refresh() {
    button.hidden = parseInt(total.value, 10) >= parseInt(rows.dataset.max || "20", 10);
  }

  refresh();
  button.addEventListener("click", function () {
    var n = parseInt(total.value, 10);
    var wrap = document.createElement("div");
    wrap.innerHTML = template.innerHTML.replace(/__prefix__/g, String(n));
    var row = wrap.firstElementChild;
    var label = row.querySelector("[data-topic-n]");
    if (label) label.textContent = String(n + 1);
    rows.appendChild(row);
    total.value = String(n + 1);
    refresh();
    var first = row.querySelector("input:not([type=hidden])");
    if (first) first.focus();
  });
})();
