/* Parvis real-time client: one shared Socket.IO connection per page.
 *
 * ParvisRealtime.connect() returns the connection (or null when Socket.IO is not
 * available); ParvisRealtime.onReady(fn) runs fn(socket) at every (re)connection, so a
 * module re-joins its rooms and catches up after a network loss. Socket.IO reconnects
 * by itself with a growing delay; pages keep working as plain forms meanwhile.
 */
(function () {
  "use strict";
  var socket = null;
  var readyHandlers = [];

  function connect() {
    if (socket) { return socket; }
    if (typeof window.io !== "function") { return null; }
    socket = window.io({ withCredentials: true, reconnectionDelayMax: 10000 });
    socket.on("connect", function () {
      document.documentElement.setAttribute("data-realtime", "online");
      readyHandlers.forEach(function (fn) { fn(socket); });
    });
    socket.on("disconnect", function () {
      document.documentElement.setAttribute("data-realtime", "offline");
    });
    socket.on("connect_error", function () {
      document.documentElement.setAttribute("data-realtime", "offline");
    });
    return socket;
  }

  function onReady(fn) {
    readyHandlers.push(fn);
    var s = connect();
    if (s && s.connected) { fn(s); }
  }

  window.ParvisRealtime = { connect: connect, onReady: onReady };
})();
