/* Re-inspection: a hazard's note and photo (#fail_fields_<pk>) are asked for only when it is
   marked not rectified. */
(function () {
  "use strict";
  document.querySelectorAll("input[type=radio][name^=result_]").forEach(function (radio) {
    radio.addEventListener("change", function () {
      var box = document.getElementById("fail_fields_" + radio.name.slice(7));
      if (box) box.hidden = radio.value !== "fail";
    });
  });
})();
