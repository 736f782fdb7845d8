/* The landlord's declaration: #fq-add-tenant clones <template id="fq-tenant-template"> (the
   formset's empty form, __prefix__) into #fq-tenants, numbers the card and bumps TOTAL_FORMS. */
(function () {
  "use strict";
  var total = document.getElementById("id_t-TOTAL_FORMS");
  var tpl = document.getElementById("fq-tenant-template");
  var button = document.getElementById("fq-add-tenant");
  if (!total || !tpl || !button) return;
  button.addEventListener("click", function () {
    var n = parseInt(total.value, 10);
    var wrap = document.createElement("div");
    wrap.innerHTML = tpl.innerHTML.replace(/__prefix__/g, n);
    var card = wrap.firstElementChild;
    card.querySelector(".fq-n").textContent = n + 1;
    document.getElementById("fq-tenants").appendChild(card);
    total.value = n + 1;
    card.querySelector("input").focus();
  });
})();
