/* Search as you type in the header box: an accessible combobox over a plain GET form.
   Without JavaScript the form simply submits to the results page. */
(function () {
  "use strict";
  var form = document.querySelector("form.site-search[data-suggest-url]");
  if (!form) { return; }
  var input = form.querySelector("input[type=search]");
  var url = form.getAttribute("data-suggest-url");
  var list = document.createElement("ul");
  var live = document.createElement("p");
  var timer = null;
  var active = -1;
  var lastQuery = "";
  var controller = null;

  list.id = "site-search-suggestions";
  list.className = "site-search__list";
  list.setAttribute("role", "listbox");
  list.hidden = true;
  live.className = "visually-hidden";
  live.setAttribute("role", "status");
  form.appendChild(list);
  form.appendChild(live);
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", list.id);

  function links() { return list.querySelectorAll("a"); }

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function select(index) {
    var items = links();
    if (!items.length) { return; }
    active = (index + items.length) % items.length;
    for (var i = 0; i < items.length; i++) {
      items[i].setAttribute("aria-selected", i === active ? "true" : "false");
    }
    input.setAttribute("aria-activedescendant", items[active].id);
  }

  function render(data) {
    list.textContent = "";
    var suggestions = data.suggestions || [];
    suggestions.forEach(function (s, i) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      var kind = document.createElement("span");
      li.setAttribute("role", "presentation");
      a.id = "site-search-option-" + i;
      a.setAttribute("role", "option");
      a.setAttribute("aria-selected", "false");
      a.href = s.url;
      a.textContent = s.title;
      kind.className = "site-search__kind";
      kind.textContent = s.label;
      a.appendChild(kind);
      li.appendChild(a);
      list.appendChild(li);
    });
    if (suggestions.length && data.all_results) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      li.setAttribute("role", "presentation");
      a.id = "site-search-option-all";
      a.setAttribute("role", "option");
      a.setAttribute("aria-selected", "false");
      a.href = form.action + "?q=" + encodeURIComponent(input.value);
      a.textContent = data.all_results;
      li.appendChild(a);
      list.appendChild(li);
    }
    active = -1;
    list.hidden = suggestions.length === 0;
    input.setAttribute("aria-expanded", suggestions.length ? "true" : "false");
    live.textContent = suggestions.length ? suggestions.length + " \u2193" : "";
  }

  function fetchSuggestions() {
    var q = input.value.trim();
    if (q === lastQuery) { return; }
    lastQuery = q;
    if (q.length < 2) { close(); return; }
    if (controller) { controller.abort(); }
    controller = window.AbortController ? new AbortController() : null;
    fetch(url + "?q=" + encodeURIComponent(q), {
      credentials: "same-origin",
      headers: { "Accept": "application/json" },
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      return response.ok ? response.json() : { suggestions: [] };
    }).then(render).catch(function () { /* offline or aborted: keep the plain form */ });
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(fetchSuggestions, 150);
  });
  input.addEventListener("keydown", function (event) {
    if (list.hidden) { return; }
    if (event.key === "ArrowDown") { event.preventDefault(); select(active + 1); }
    else if (event.key === "ArrowUp") { event.preventDefault(); select(active - 1); }
    else if (event.key === "Escape") { close(); }
    else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      window.location.href = links()[active].href;
    }
  });
  document.addEventListener("click", function (event) {
    if (!form.contains(event.target)) { close(); }
  });
})();
