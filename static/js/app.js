/* Behaviour any page asks for with an attribute, so that no template needs an inline script or
   an on…= handler (the Content-Security-Policy runs only our own script files).

   Markup:
   select[data-autosubmit]   submits its form as soon as the choice changes (language, filters)
   form[data-confirm="…"]    asks the question before submitting; Cancel leaves the page as it is

   The listeners sit on the document, so rows htmx swaps in later behave the same. */
(function () {
  "use strict";

  document.addEventListener("change", function (e) {
    var select = e.target;
    if (select.matches && select.matches("select[data-autosubmit]") && select.form) select.form.submit();
  });

  document.addEventListener("submit", function (e) {
    var form = e.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) e.preventDefault();
  });
})();
