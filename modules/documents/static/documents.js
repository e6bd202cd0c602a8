/* Documents: drop files on the upload form (the form also works without this script). */
(function () {
  "use strict";
  var zone = document.querySelector("[data-dropzone]");
  if (!zone) { return; }
  var input = zone.querySelector("input[type=file]:not([webkitdirectory])");
  var status = zone.querySelector("[data-drop-status]");
  var folderInput = zone.querySelector("input[webkitdirectory]");
  function say(files) {
    if (!status) { return; }
    var lang = document.documentElement.lang || "fr";
    status.textContent = files.length + (lang.indexOf("fr") === 0 ? " fichier(s) choisi(s)" : " file(s) chosen");
  }
  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (event) {
      event.preventDefault();
      zone.classList.add("doc-dropzone--over");
    });
  });
  ["dragleave", "drop"].forEach(function (name) {
    zone.addEventListener(name, function () { zone.classList.remove("doc-dropzone--over"); });
  });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    var files = event.dataTransfer && event.dataTransfer.files;
    if (!files || !files.length || !input) { return; }
    input.files = files;
    if (folderInput) { folderInput.value = ""; }
    say(files);
    zone.submit();
  });
  [input, folderInput].forEach(function (el) {
    if (el) { el.addEventListener("change", function () { say(el.files); }); }
  });
}());
