/* Space builder: drag and drop on the page canvas (SortableJS).
 *
 * Progressive enhancement only: every action is also a plain form in the page (add
 * with a region, up/down, move to region, remove). After a drop, the whole
 * composition is posted to the draft-save endpoint with the page's lock; the server
 * validates it and answers JSON. The page then reloads to show the saved draft.
 */
(function () {
  "use strict";

  var root = document.querySelector(".builder");
  if (!root || typeof window.Sortable === "undefined") { return; }
  root.classList.add("builder--js");

  var live = document.getElementById("builder-live");

  function announce(text) {
    if (live) { live.textContent = text; }
  }

  function settingsOf(item) {
    var node = item.querySelector(".builder-item__settings");
    if (!node) { return {}; }
    try { return JSON.parse(node.textContent || "{}"); } catch (e) { return {}; }
  }

  function serialize() {
    var placements = [];
    root.querySelectorAll(".builder-region__list").forEach(function (list) {
      list.querySelectorAll(":scope > .builder-item").forEach(function (item) {
        var placement = {
          region: list.getAttribute("data-region"),
          widget: item.getAttribute("data-widget"),
          settings: settingsOf(item)
        };
        var id = item.getAttribute("data-id");
        if (id) { placement.id = id; }
        placements.push(placement);
      });
    });
    var layout = document.getElementById("layout-select");
    return { layout: layout ? layout.value : "", placements: placements };
  }

  var saving = false;

  function save() {
    if (saving) { return; }
    saving = true;
    root.setAttribute("aria-busy", "true");
    announce(root.getAttribute("data-msg-saving") || "…");
    var body = new FormData();
    body.append("csrf_token", root.getAttribute("data-csrf"));
    body.append("lock", root.getAttribute("data-lock"));
    body.append("composition", JSON.stringify(serialize()));
    fetch(root.getAttribute("data-save-url"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    }).then(function (result) {
      if (result.status === 200) {
        window.location.reload();
        return;
      }
      var message = (result.data && result.data.error && result.data.error.message) || "Error";
      var fields = result.data && result.data.error && result.data.error.fields;
      if (fields) {
        Object.keys(fields).forEach(function (key) { message += " " + fields[key].join(" "); });
      }
      announce(message);
      window.alert(message);
      window.location.reload();
    }).catch(function () {
      saving = false;
      root.removeAttribute("aria-busy");
      window.location.reload();
    });
  }

  var common = {
    animation: 150,
    filter: "button, select, a, input, label, textarea",
    preventOnFilter: false,
    ghostClass: "builder-item--ghost",
    // Pointer events rather than native HTML5 drag and drop: the same code path for
    // mouse, touch and pen, and what automated browsers (tests) drive reliably.
    forceFallback: true,
    fallbackTolerance: 3
  };

  root.querySelectorAll(".builder-region__list").forEach(function (list) {
    window.Sortable.create(list, Object.assign({}, common, {
      group: { name: "canvas", pull: true, put: true },
      onEnd: function (evt) {
        if (evt.from !== evt.to || evt.oldIndex !== evt.newIndex) { save(); }
      },
      onAdd: function (evt) {
        if (evt.from.getAttribute("data-region") === "palette") { save(); }
      }
    }));
  });

  var palette = root.querySelector(".builder-palette");
  if (palette) {
    window.Sortable.create(palette, Object.assign({}, common, {
      group: { name: "canvas", pull: "clone", put: false },
      sort: false
    }));
  }
})();
