/* Builder theme tab: immediate preview of the theme and accent colour, with the WCAG
 * contrast ratios computed as you pick (the server checks them again on save). */
(function () {
  "use strict";

  var form = document.querySelector(".js-theme-form");
  if (!form) { return; }
  var themes = {};
  try { themes = JSON.parse(form.getAttribute("data-themes") || "{}"); } catch (e) { themes = {}; }
  var select = form.querySelector("select[name=theme]");
  var text = form.querySelector("input[name=accent_color]");
  var picker = document.getElementById("accent-picker");
  var sample = document.querySelector(".js-theme-sample");
  var out = document.getElementById("contrast-live");

  function luminance(hex) {
    var c = [1, 3, 5].map(function (i) {
      var v = parseInt(hex.substr(i, 2), 16) / 255;
      return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  }

  function ratio(a, b) {
    var la = luminance(a), lb = luminance(b);
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  }

  function valid(hex) { return /^#[0-9a-fA-F]{6}$/.test(hex || ""); }

  function update() {
    var theme = themes[select ? select.value : "default"] || {};
    var accent = valid(text.value) ? text.value.toLowerCase() : (theme.accent || "#000091");
    if (sample) {
      ["bg", "surface", "text", "accent-text", "border"].forEach(function (name) {
        if (theme[name]) { sample.style.setProperty("--" + name, theme[name]); }
      });
      sample.style.setProperty("--accent", accent);
    }
    if (out) {
      var onAccent = ratio(theme["accent-text"] || "#ffffff", accent);
      var onBg = ratio(accent, theme.bg || "#ffffff");
      var ok = onAccent >= 4.5 && onBg >= 4.5;
      out.textContent = (ok ? "✓ " : "✗ ") + onAccent.toFixed(2) + ":1 · " + onBg.toFixed(2) + ":1 (≥ 4.5:1)";
    }
  }

  if (picker) {
    picker.addEventListener("input", function () { text.value = picker.value; update(); });
  }
  text.addEventListener("input", function () {
    if (valid(text.value) && picker) { picker.value = text.value.toLowerCase(); }
    update();
  });
  if (select) { select.addEventListener("change", update); }

  document.querySelectorAll(".js-image-input").forEach(function (input) {
    input.addEventListener("change", function () {
      var img = document.getElementById(input.getAttribute("data-preview"));
      if (!img || !input.files || !input.files[0]) { return; }
      img.src = URL.createObjectURL(input.files[0]);
      img.hidden = false;
    });
  });
  update();
})();
