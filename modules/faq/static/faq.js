/* FAQ search as you type: progressive enhancement of the plain search form.
 * Without JavaScript the form submits to the search page; with it, results of
 * the live endpoint (an HTML fragment rendered by the server) appear under the
 * box while typing. Served from the module's static folder (CSP script-src 'self'). */
(function () {
  "use strict";
  var form = document.querySelector("form[data-faq-live]");
  if (!form || !window.fetch) { return; }
  var input = form.querySelector("input[name=q]");
  var target = document.getElementById(form.getAttribute("data-faq-target"));
  var list = document.getElementById("faq-list");
  if (!input || !target) { return; }
  var timer = null;
  var lastQuery = null;
  var controller = null;

  function show(html, query) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var fragment = doc.querySelector(".faq-results");
    target.replaceChildren();
    if (fragment) { target.appendChild(document.importNode(fragment, true)); }
    if (list) { list.hidden = query.length > 0; }
  }

  function search() {
    var query = input.value.trim();
    if (query === lastQuery) { return; }
    lastQuery = query;
    if (controller) { controller.abort(); }
    if (!query) {
      target.replaceChildren();
      if (list) { list.hidden = false; }
      return;
    }
    controller = window.AbortController ? new AbortController() : null;
    var url = form.getAttribute("data-faq-live") + "?q=" + encodeURIComponent(query);
    fetch(url, {
      credentials: "same-origin",
      headers: { "Accept": "text/html" },
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.text();
    }).then(function (html) {
      show(html, query);
    }).catch(function () { /* the normal form still works */ });
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(search, 250);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { input.value = ""; search(); }
  });
})();
