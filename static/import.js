// Import pages: drop a file on the upload zone; follow a running import's progress.
// Everything works without this script (a file picker; the page refreshes itself).
(function () {
  "use strict";
  var zone = document.querySelector("[data-drop-zone]");
  if (zone) {
    var input = zone.querySelector("input[type=file]");
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("dragging"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("dragging"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length && input) {
        input.files = event.dataTransfer.files;
      }
    });
  }
  var bar = document.getElementById("import-progress");
  if (bar) {
    var text = document.getElementById("import-progress-text");
    var poll = function () {
      fetch(bar.getAttribute("data-progress-url"), { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (p) {
          if (p.state !== "running") { window.location.reload(); return; }
          bar.max = Math.max(p.total, 1);
          bar.value = p.done;
          if (text) { text.textContent = p.done + " / " + p.total; }
          window.setTimeout(poll, 1000);
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    };
    window.setTimeout(poll, 1000);
  }
})();
