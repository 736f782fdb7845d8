/* Editing a checklist: #fq-add-row clones <template id="fq-row-template"> (the formset's empty
   form, __prefix__) into #fq-rows; a row's "Remove" ticks its DELETE box and hides it. The
   visible items are numbered 1, 2, 3 … after every change. */
(function () {
  "use strict";
  var total = document.getElementById("id_items-TOTAL_FORMS");
  var rows = document.getElementById("fq-rows");
  var tpl = document.getElementById("fq-row-template");
  var button = document.getElementById("fq-add-row");
  if (!total || !rows || !tpl || !button) return;

  function renumber() {
    var n = 0;
    rows.querySelectorAll(".fq-row:not(.fq-removed) .fq-n").forEach(function (el) {
      el.textContent = ++n;
    });
  }

  button.addEventListener("click", function () {
    var n = parseInt(total.value, 10);
    var wrap = document.createElement("div");
    wrap.innerHTML = tpl.innerHTML.replace(/__prefix__/g, n);
    var card = wrap.firstElementChild;
    rows.appendChild(card);
    total.value = n + 1;
    renumber();
    card.querySelector("input[type=text], input:not([type])").focus();
  });

  rows.addEventListener("click", function (e) {
    var remove = e.target.closest(".fq-remove");
    if (!remove) return;
    var card = remove.closest(".fq-row");
    card.querySelector(".fq-delete").checked = true;
    card.classList.add("fq-removed");
    renumber();
  });
})();
