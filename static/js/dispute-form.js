/* The dispute forms on the phone: intake (add a party row, pick a party from the registry) and
   the session form (show only the fields the chosen outcome needs). Everything works without
   this file: the search boxes and the "add a party" button stay hidden, all fields show.

   Markup:
   [data-js-only]           shown only when this script runs (hidden attribute removed)
   [data-add-party]         clones <template id="fq-party-template"> into #fq-parties (formset __prefix__)
   [data-party-row]         one party: [data-picked] box, [data-manual] fields, [data-registry-search]
   [data-pick-person]       a search result (data-name, data-masked) — fills the row's hidden "-person"
   [data-unpick]            back to typing the party's details
   [data-search]            a search box: Enter searches instead of submitting the form
   [data-show-if="f=a,b"]   shown only when the form's field f has the value a or b
*/
(function () {
  "use strict";

  function show(el, on) {
    if (!el) return;
    el.classList.toggle("d-none", !on);
  }

  document.querySelectorAll("[data-js-only]").forEach(function (el) {
    el.hidden = false;
  });

  // --- party rows -------------------------------------------------------------------------
  var parties = document.getElementById("fq-parties");
  var template = document.getElementById("fq-party-template");
  var addButton = document.querySelector("[data-add-party]");
  var total = document.querySelector('input[name$="-TOTAL_FORMS"]');

  function refreshAdd() {
    if (!addButton || !total || !parties) return;
    var max = parseInt(parties.dataset.max || "10", 10);
    addButton.hidden = parseInt(total.value, 10) >= max;
  }

  if (addButton && template && total && parties) {
    refreshAdd();
    addButton.addEventListener("click", function () {
      var n = parseInt(total.value, 10);
      var wrap = document.createElement("div");
      wrap.innerHTML = template.innerHTML.replace(/__prefix__/g, String(n));
      var row = wrap.firstElementChild;
      var label = row.querySelector("[data-party-n]");
      if (label) label.textContent = String(n + 1);
      row.querySelectorAll("[data-js-only]").forEach(function (el) {
        el.hidden = false;
      });
      parties.appendChild(row);
      if (window.htmx) window.htmx.process(row);
      total.value = String(n + 1);
      refreshAdd();
      var first = row.querySelector("[data-search]") || row.querySelector("input:not([type=hidden])");
      if (first) first.focus();
    });
  }

  function rowOf(el) {
    return el.closest("[data-party-row]");
  }

  function personInput(row) {
    return row.querySelector('input[name$="-person"]');
  }

  document.addEventListener("click", function (e) {
    var pick = e.target.closest("[data-pick-person]");
    if (pick) {
      var row = rowOf(pick);
      if (!row) return;
      personInput(row).value = pick.dataset.pickPerson;
      row.querySelector("[data-picked-name]").textContent = pick.dataset.name || "";
      row.querySelector("[data-picked-id]").textContent = pick.dataset.masked || "";
      row.querySelectorAll("[data-manual] input").forEach(function (input) {
        input.value = "";
      });
      var search = row.querySelector("[data-search]");
      if (search) search.value = "";
      var results = row.querySelector("[data-person-results]");
      if (results) results.innerHTML = "";
      show(row.querySelector("[data-picked]"), true);
      show(row.querySelector("[data-manual]"), false);
      show(row.querySelector("[data-registry-search]"), false);
      return;
    }
    var unpick = e.target.closest("[data-unpick]");
    if (unpick) {
      var r = rowOf(unpick);
      personInput(r).value = "";
      show(r.querySelector("[data-picked]"), false);
      show(r.querySelector("[data-manual]"), true);
      show(r.querySelector("[data-registry-search]"), true);
      var name = r.querySelector('input[name$="-name"]');
      if (name) name.focus();
    }
  });

  // Enter in a search box searches (htmx "search" trigger) instead of submitting the whole form.
  document.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && e.target.matches && e.target.matches("[data-search]")) {
      e.preventDefault();
      if (window.htmx) window.htmx.trigger(e.target, "search");
    }
  });

  // --- fields shown for some values only ----------------------------------------------------
  var conditional = document.querySelectorAll("[data-show-if]");

  function valueOf(form, name) {
    var fields = form.querySelectorAll('[name="' + name + '"]');
    for (var i = 0; i < fields.length; i++) {
      var f = fields[i];
      if (f.type === "radio" || f.type === "checkbox") {
        if (f.checked) return f.value;
      } else {
        return f.value;
      }
    }
    return "";
  }

  function applyConditions() {
    conditional.forEach(function (el) {
      var form = el.closest("form");
      if (!form) return;
      var ok = el.dataset.showIf.split(";").every(function (rule) {
        var parts = rule.split("=");
        return parts[1].split(",").indexOf(valueOf(form, parts[0].trim())) !== -1;
      });
      el.hidden = !ok;
    });
  }

  if (conditional.length) {
    document.addEventListener("change", applyConditions);
    applyConditions();
  }
})();
