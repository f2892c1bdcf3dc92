// Search with Pagefind's own UI, served from this site (no third-party request, no inline script).
window.addEventListener("DOMContentLoaded", function () {
  var element = document.getElementById("search");
  if (!element || typeof PagefindUI === "undefined") return;
  new PagefindUI({
    element: "#search",
    bundlePath: element.dataset.base,
    showSubResults: false,
    showImages: false,
    resetStyles: false
  });
});
