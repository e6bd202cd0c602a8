/* Parvis wiki: drag-and-drop reordering of the page tree (progressive enhancement).
   Without JavaScript the page keeps its up/down and "Move under…" forms. */
(function () {
  "use strict";
  var root = document.getElementById("wiki-organise");
  if (!root || typeof window.Sortable === "undefined") { return; }
  var status = document.getElementById("wiki-organise-status");

  function save(list) {
    var ids = [];
    for (var i = 0; i < list.children.length; i++) {
      var id = list.children[i].getAttribute("data-page-id");
      if (id) { ids.push(parseInt(id, 10)); }
    }
    var parent = list.getAttribute("data-parent-id");
    return fetch(root.getAttribute("data-reorder-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": root.getAttribute("data-csrf") },
      body: JSON.stringify({ parent_id: parent ? parseInt(parent, 10) : null, order: ids })
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
    });
  }

  function onEnd(event) {
    var lists = [event.to];
    if (event.from !== event.to) { lists.push(event.from); }
    Promise.all(lists.map(save)).then(function () {
      if (status) { status.textContent = ""; }
    }).catch(function () {
      if (status) { status.textContent = root.getAttribute("data-error"); }
    });
  }

  root.classList.add("wiki-organise--draggable");
  var lists = root.querySelectorAll("ul.wiki-organise");
  for (var i = 0; i < lists.length; i++) {
    window.Sortable.create(lists[i], {
      group: "wiki-pages",
      handle: ".wiki-organise__handle",
      animation: 150,
      fallbackOnBody: true,
      swapThreshold: 0.65,
      onEnd: onEnd
    });
  }
}());
