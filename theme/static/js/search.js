// Search with Pagefind's own UI, served from this site (no third-party request, no inline script).
window.addEventListener("DOMContentLoaded", function () {
  var element = document.getElementById("search");
  if (!element || typeof PagefindUI === "undefined") return;
  // A large archive's index comes in shards: the first is the bundle, the others merge in.
  var merged = (element.dataset.merge || "").split(" ").filter(Boolean);
  new PagefindUI({
    element: "#search",
    bundlePath: element.dataset.base,
    mergeIndex: merged.map(function (path) { return { bundlePath: path }; }),
    showSubResults: false,
    showImages: false,
    resetStyles: false
  });
});
