/* Cross-matching of one grid: bring the chosen kind into view in the scrolling filter strip
   (phones). */
(function () {
  "use strict";
  var chosen = document.querySelector(".fq-kind-filter [aria-current]");
  if (chosen) chosen.scrollIntoView({ block: "nearest", inline: "nearest" });
})();
