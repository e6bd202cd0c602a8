/* Discussions, live: Socket.IO on top of pages that already work as plain forms.
 *
 * Channel and thread pages join their channel's room, show new messages, edits,
 * deletions, reactions, typing and presence as they happen, send with the socket
 * when connected (the form posts normally otherwise, or when files are attached),
 * catch up by seq after a reconnection (no gap, no duplicate), load older messages
 * when scrolling up, and raise a browser notification on a mention when allowed.
 * Message HTML comes sanitised from the server; every other text is set as text.
 */
(function () {
  "use strict";
  if (window.__parvisDiscussions || !window.ParvisRealtime) { return; }
  window.__parvisDiscussions = true;
  var socket = window.ParvisRealtime.connect();
  if (!socket) { return; }

  var stringsEl = document.querySelector(".dm-strings");
  var S = stringsEl ? stringsEl.dataset : {};
  var palette = [];
  try { palette = JSON.parse(S.palette || "[]"); } catch (e) { palette = []; }

  var root = document.getElementById("dm-root");
  var state = null;
  if (root && root.dataset.channel) {
    state = {
      space: Number(root.dataset.space),
      channel: Number(root.dataset.channel),
      thread: root.dataset.thread ? Number(root.dataset.thread) : null,
      lastSeq: Number(root.dataset.lastSeq || 0),
      live: root.dataset.live === "1",
      me: Number(root.dataset.me),
      moderator: root.dataset.moderator === "1",
      mayReact: root.dataset.mayReact === "1",
      since: null,
      connectedOnce: false,
      catchingUp: false,
      stream: root.querySelector(".dm-stream"),
      status: root.querySelector(".dm-status")
    };
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "className") { node.className = attrs[k]; } else { node.setAttribute(k, attrs[k]); }
    });
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function say(text) { if (state && state.status) { state.status.textContent = text || ""; } }

  function formatTime(iso) {
    try { return new Date(iso).toLocaleString(document.documentElement.lang || undefined, { dateStyle: "short", timeStyle: "short" }); }
    catch (e) { return iso; }
  }

  function pressedOf(li) {
    var pressed = {};
    if (!li) { return pressed; }
    li.querySelectorAll("[data-emoji], form[data-rt=react]").forEach(function (node) {
      var key = node.dataset.emoji || (node.querySelector("input[name=emoji]") || {}).value;
      var button = node.tagName === "BUTTON" ? node : node.querySelector("button");
      if (key && button) { pressed[key] = button.getAttribute("aria-pressed") === "true"; }
    });
    return pressed;
  }

  /* One message as a list item, the same structure as the server's macro. */
  function build(m, previous) {
    var mine = m.author && m.author.id === state.me;
    var li = el("li", { className: "dm-message" + (m.pinned ? " dm-message--pinned" : "") + (m.deleted ? " dm-message--deleted" : ""), id: "msg-" + m.id });
    li.dataset.id = m.id; li.dataset.seq = m.seq; li.dataset.author = m.author ? m.author.id : "";
    if (!m.deleted) { li.dataset.source = m.body; }
    var article = el("article", { "aria-labelledby": "msg-" + m.id + "-meta" });
    var header = el("header", { className: "dm-message__meta", id: "msg-" + m.id + "-meta" });
    header.appendChild(el("span", { className: "avatar", "aria-hidden": "true" }, m.author ? m.author.initials : "?"));
    header.appendChild(document.createTextNode(" "));
    header.appendChild(el("span", { className: "dm-message__author" }, m.author ? m.author.name : S.former));
    header.appendChild(document.createTextNode(" "));
    var link = el("a", { className: "muted dm-message__date", href: m.url });
    link.appendChild(el("time", { datetime: m.created_at }, formatTime(m.created_at)));
    header.appendChild(link);
    if (m.edited && !m.deleted) { header.appendChild(el("span", { className: "muted dm-message__edited" }, " (" + S.edited + ")")); }
    if (m.pinned) { header.appendChild(el("span", { className: "badge" }, S.pinned)); }
    if (m.locked) { header.appendChild(el("span", { className: "badge" }, S.locked)); }
    article.appendChild(header);
    if (m.deleted) {
      article.appendChild(el("p", { className: "muted dm-message__body" }, S.deleted));
    } else {
      var body = el("div", { className: "prose dm-message__body" });
      body.innerHTML = m.html; /* sanitised by the server (nh3) */
      article.appendChild(body);
      if (m.attachments.length) {
        var files = el("ul", { className: "attachments" });
        m.attachments.forEach(function (a) {
          var item = el("li", { className: "attachment" });
          item.appendChild(el("a", { href: a.url + "?download=1", className: "attachment__name", download: "" }, a.name));
          files.appendChild(item);
        });
        article.appendChild(files);
      }
      var counts = {};
      m.reactions.forEach(function (r) { counts[r.emoji] = r; });
      var was = pressedOf(previous);
      var group = el("div", { className: "reactions dm-reactions", role: "group" });
      palette.forEach(function (p) {
        var r = counts[p.key];
        var mineR = r && r.mine !== undefined ? r.mine : !!was[p.key];
        if (!state.mayReact && !r) { return; }
        var b = el(state.mayReact ? "button" : "span", { className: "reaction", title: p.label });
        if (state.mayReact) { b.type = "button"; b.dataset.action = "react"; b.dataset.emoji = p.key; b.setAttribute("aria-pressed", mineR && r ? "true" : "false"); }
        b.appendChild(el("span", { "aria-hidden": "true" }, p.char));
        b.appendChild(el("span", { className: "visually-hidden" }, p.label));
        if (r) { b.appendChild(el("span", { className: "reaction__count" }, " " + r.count)); }
        group.appendChild(b);
      });
      article.appendChild(group);
    }
    var actions = el("div", { className: "dm-message__actions" });
    if (!state.thread && !m.thread_id && !m.deleted) {
      var base = root.dataset.base.replace(/\/$/, "");
      actions.appendChild(el("a", { className: "dm-thread-link", href: base + "/t/" + m.id },
        m.reply_count ? S.replies.replace("{n}", m.reply_count) : S.reply));
    }
    if (!m.deleted && (mine || state.moderator)) {
      actions.appendChild(button("edit", S.edit));
      actions.appendChild(button("delete", S.delete));
    }
    if (!m.deleted && state.moderator) {
      actions.appendChild(button("pin", m.pinned ? S.unpin : S.pin, m.pinned ? "0" : "1"));
      if (!m.thread_id) { actions.appendChild(button("lock", m.locked ? S.unlock : S.lock, m.locked ? "0" : "1")); }
    }
    article.appendChild(actions);
    li.appendChild(article);
    return li;
  }

  function button(action, label, value) {
    var b = el("button", { type: "button", className: "link-button" }, label);
    b.dataset.action = action;
    if (value !== undefined) { b.dataset.value = value; }
    return b;
  }

  function belongsHere(m) {
    if (!state || m.channel_id !== state.channel) { return false; }
    return state.thread ? m.thread_id === state.thread : m.thread_id === null;
  }

  function show(m) {
    if (document.getElementById("msg-" + m.id)) { return; }
    var empty = root.querySelector(".dm-empty");
    if (empty) { empty.remove(); }
    state.stream.appendChild(build(m));
  }

  function onNew(m) {
    if (!state || m.channel_id !== state.channel) { return; }
    if (m.seq <= state.lastSeq) { return; }
    if (m.seq > state.lastSeq + 1) { catchUp(); return; }
    state.lastSeq = m.seq;
    state.since = m.updated_at;
    if (state.live && belongsHere(m)) { show(m); }
    if (state.live && document.visibilityState === "visible") {
      socket.emit("discussions:read", { channel_id: state.channel, seq: state.lastSeq });
    }
  }

  function onUpdate(m) {
    if (!state) { return; }
    var old = document.getElementById("msg-" + m.id);
    if (old) { old.replaceWith(build(m, old)); }
    if (!state.since || m.updated_at > state.since) { state.since = m.updated_at; }
  }

  function catchUp() {
    if (!state || state.catchingUp) { return; }
    state.catchingUp = true;
    var payload = { channel_id: state.channel, after_seq: state.lastSeq };
    if (state.since) { payload.since = state.since; }
    socket.emit("discussions:catch_up", payload, function (answer) {
      state.catchingUp = false;
      if (!answer || !answer.ok) { return; }
      answer.changed.forEach(onUpdate);
      answer.messages.forEach(function (m) {
        if (m.seq === state.lastSeq + 1) { onNew(m); }
      });
      state.since = answer.server_time;
      if (answer.more) { catchUp(); }
    });
  }

  function emitAction(event, payload, after) {
    socket.emit(event, payload, function (answer) {
      if (!answer || !answer.ok) { say(answer && answer.error ? answer.error.message : ""); return; }
      if (after) { after(answer); }
    });
  }

  /* Presence: who is online in the space. */
  function refreshPresence() {
    var box = document.querySelector(".dm-presence");
    if (!box || !state) { return; }
    socket.emit("parvis:presence", { space_id: state.space }, function (answer) {
      if (!answer || !answer.ok) { return; }
      var list = box.querySelector(".dm-presence__list");
      list.textContent = "";
      answer.users.forEach(function (u) {
        var item = el("li", {}, u.name);
        item.dataset.user = u.id;
        list.appendChild(item);
      });
      box.hidden = false;
    });
  }

  /* Typing indicator. */
  var typingTimer = null;
  var lastTyping = 0;
  function onTyping(t) {
    if (!state || t.channel_id !== state.channel || (t.thread_id || null) !== state.thread) { return; }
    var line = root.querySelector(".dm-typing");
    if (!line) { return; }
    line.textContent = S.typing.replace("{name}", t.user.name);
    clearTimeout(typingTimer);
    typingTimer = setTimeout(function () { line.textContent = ""; }, 4000);
  }

  /* Unread badges of the other channels. */
  function bump(channelId) {
    document.querySelectorAll("[data-channel='" + channelId + "'] .dm-unread-count").forEach(function (badge) {
      var n = parseInt(badge.firstChild ? badge.firstChild.nodeValue : "0", 10) || 0;
      badge.firstChild.nodeValue = String(n + 1);
      badge.hidden = false;
    });
  }

  /* -- connection ------------------------------------------------------------ */

  window.ParvisRealtime.onReady(function () {
    if (state) {
      socket.emit("discussions:join", { channel_id: state.channel }, function (answer) {
        if (!answer || !answer.ok) { say(answer && answer.error ? answer.error.message : ""); return; }
        say(state.connectedOnce ? S.online : "");
        if (!state.since) { state.since = answer.server_time; }
        if (answer.last_seq > state.lastSeq) { catchUp(); }
        state.connectedOnce = true;
        refreshPresence();
      });
    } else if (root && root.dataset.space) {
      socket.emit("discussions:watch", { space_id: Number(root.dataset.space) }, function (answer) {
        if (!answer || !answer.ok) { return; }
        Object.keys(answer.unread).forEach(function (id) {
          document.querySelectorAll("[data-channel='" + id + "'] .dm-unread-count").forEach(function (badge) {
            badge.firstChild.nodeValue = String(answer.unread[id]);
            badge.hidden = !answer.unread[id];
          });
        });
      });
    }
    document.querySelectorAll(".dm-minichat").forEach(function (box) {
      socket.emit("discussions:join", { channel_id: Number(box.dataset.channel) });
    });
  });

  socket.on("disconnect", function () { if (state && state.connectedOnce) { say(S.offline); } });
  socket.on("discussions:message", function (m) {
    onNew(m);
    document.querySelectorAll(".dm-minichat[data-channel='" + m.channel_id + "']").forEach(function (box) {
      if (m.thread_id || box.querySelector("[data-id='" + m.id + "']")) { return; }
      var item = el("li", {});
      item.dataset.id = m.id;
      item.appendChild(el("strong", {}, m.author ? m.author.name : S.former));
      item.appendChild(document.createTextNode(" "));
      item.appendChild(el("span", { className: "dm-minichat__text" }, m.body.slice(0, 200)));
      var list = box.querySelector(".dm-minichat__list");
      list.appendChild(item);
      while (list.children.length > 30) { list.removeChild(list.firstElementChild); }
    });
  });
  socket.on("discussions:message_updated", onUpdate);
  socket.on("discussions:typing", onTyping);
  socket.on("discussions:channel_updated", function (c) {
    if (!state || c.id !== state.channel) { return; }
    var name = root.querySelector(".dm-channel-name");
    var topic = root.querySelector(".dm-topic");
    if (name) { name.textContent = c.name; }
    if (topic) { topic.textContent = c.topic; }
  });
  var me = root ? Number(root.dataset.me) : null;
  socket.on("discussions:activity", function (a) {
    var here = state && a.channel_id === state.channel;
    if (!here && a.author_id !== me) { bump(a.channel_id); }
  });
  socket.on("parvis:presence", function (p) {
    var box = document.querySelector(".dm-presence");
    if (!box || !state || p.space_id !== state.space) { return; }
    var list = box.querySelector(".dm-presence__list");
    var item = list.querySelector("[data-user='" + p.user_id + "']");
    if (p.online && !item) {
      item = el("li", {}, p.name);
      item.dataset.user = p.user_id;
      list.appendChild(item);
    } else if (!p.online && item) {
      item.remove();
    }
  });
  socket.on("parvis:access_revoked", function () {
    say(S.revoked);
    document.querySelectorAll(".dm-post button, .dm-minichat__form button").forEach(function (b) { b.disabled = true; });
  });
  socket.on("discussions:mention", function (n) {
    if ("Notification" in window && Notification.permission === "granted") {
      var note = new Notification(n.title, { body: n.body });
      note.onclick = function () { window.focus(); window.location.href = n.url; };
    }
  });

  /* -- forms and buttons ------------------------------------------------------- */

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!socket.connected) { return; }
    if (form.classList.contains("dm-minichat__form")) {
      var box = form.closest(".dm-minichat");
      var input = form.querySelector("input[name=body]");
      event.preventDefault();
      var said = input.value;
      input.value = "";
      socket.emit("discussions:send", { channel_id: Number(box.dataset.channel), body: said }, function (answer) {
        if ((!answer || !answer.ok) && !input.value) { input.value = said; }
      });
      return;
    }
    var action = form.dataset.rt;
    if (!action || !state) { return; }
    if (action === "send") {
      var files = form.querySelector("input[type=file]");
      if (files && files.files.length) { return; } /* files go with the form */
      var area = form.querySelector("textarea");
      var error = form.querySelector(".dm-post__error");
      event.preventDefault();
      var text = area.value;
      var payload = { channel_id: state.channel, body: text };
      if (state.thread) { payload.thread_id = state.thread; }
      area.value = ""; /* ready for the next message; given back if refused */
      socket.emit("discussions:send", payload, function (answer) {
        if (!answer || !answer.ok) {
          if (!area.value) { area.value = text; }
          error.textContent = answer && answer.error ? answer.error.message : "";
          error.hidden = false;
          return;
        }
        error.hidden = true;
        onNew(answer.message);
      });
      return;
    }
    var id = Number(form.dataset.id);
    if (action === "react") {
      event.preventDefault();
      emitAction("discussions:react", { message_id: id, emoji: form.querySelector("input[name=emoji]").value });
    } else if (action === "delete") {
      event.preventDefault();
      if (window.confirm(S.confirmDelete)) { emitAction("discussions:delete", { message_id: id }); }
    } else if (action === "pin" || action === "lock") {
      event.preventDefault();
      emitAction("discussions:" + action, { message_id: id, value: form.dataset.value === "1" });
    }
  });

  function editInline(li) {
    var id = Number(li.dataset.id);
    var body = li.querySelector(".dm-message__body");
    if (!body || li.querySelector(".dm-edit")) { return; }
    var source = li.dataset.source;
    var box = el("div", { className: "dm-edit" });
    var label = el("label", { "for": "dm-edit-" + id }, S.messageLabel);
    var area = el("textarea", { id: "dm-edit-" + id, rows: "3", maxlength: "8000" });
    area.value = source || body.textContent.trim();
    var save = el("button", { type: "button", className: "button button--small button--primary" }, S.save);
    var cancel = el("button", { type: "button", className: "button button--small" }, S.cancel);
    save.addEventListener("click", function () {
      emitAction("discussions:edit", { message_id: id, body: area.value });
    });
    cancel.addEventListener("click", function () { box.remove(); body.hidden = false; });
    box.appendChild(label); box.appendChild(area); box.appendChild(save); box.appendChild(cancel);
    body.hidden = true;
    body.after(box);
    area.focus();
  }

  document.addEventListener("click", function (event) {
    if (!state || !socket.connected) { return; }
    var target = event.target.closest("[data-action], a[data-rt=edit]");
    if (!target || !root.contains(target)) { return; }
    var li = target.closest(".dm-message");
    var id = Number(li.dataset.id);
    var action = target.dataset.action || "edit";
    event.preventDefault();
    if (action === "react") {
      var on = target.getAttribute("aria-pressed") !== "true";
      emitAction("discussions:react", { message_id: id, emoji: target.dataset.emoji }, function (answer) {
        var fresh = document.querySelector("#msg-" + id + " [data-emoji='" + target.dataset.emoji + "']");
        if (fresh) { fresh.setAttribute("aria-pressed", answer.added ? "true" : "false"); }
      });
      target.setAttribute("aria-pressed", on ? "true" : "false");
    } else if (action === "edit") {
      editInline(li);
    } else if (action === "delete") {
      if (window.confirm(S.confirmDelete)) { emitAction("discussions:delete", { message_id: id }); }
    } else if (action === "pin" || action === "lock") {
      emitAction("discussions:" + action, { message_id: id, value: target.dataset.value === "1" });
    }
  });

  /* Typing: at most one event every three seconds. */
  if (state) {
    var area = root.querySelector(".dm-post textarea");
    if (area) {
      area.addEventListener("input", function () {
        var now = Date.now();
        if (!socket.connected || now - lastTyping < 3000) { return; }
        lastTyping = now;
        var payload = { channel_id: state.channel };
        if (state.thread) { payload.thread_id = state.thread; }
        socket.emit("discussions:typing", payload);
      });
    }
  }

  /* Older messages: loaded in place when the link comes into view or is clicked. */
  function loadOlder(link) {
    if (link.dataset.loading) { return; }
    link.dataset.loading = "1";
    var payload = { channel_id: state.channel, before: Number(link.dataset.before) };
    if (state.thread) { payload.thread_id = state.thread; }
    socket.emit("discussions:history", payload, function (answer) {
      delete link.dataset.loading;
      if (!answer || !answer.ok) { return; }
      var anchor = state.stream.firstElementChild;
      var height = document.documentElement.scrollHeight;
      answer.messages.forEach(function (m) {
        if (!document.getElementById("msg-" + m.id)) { state.stream.insertBefore(build(m), anchor); }
      });
      window.scrollBy(0, document.documentElement.scrollHeight - height);
      if (answer.messages.length) { link.dataset.before = answer.messages[0].id; }
      if (!answer.has_older) { link.parentNode.remove(); }
    });
  }
  var older = root && state ? root.querySelector(".dm-older a") : null;
  if (older) {
    older.addEventListener("click", function (event) {
      if (!socket.connected) { return; }
      event.preventDefault();
      loadOlder(older);
    });
    var scrolled = false;
    window.addEventListener("scroll", function () { scrolled = true; }, { passive: true });
    if ("IntersectionObserver" in window) {
      new IntersectionObserver(function (entries) {
        if (scrolled && socket.connected && entries[0].isIntersecting && older.isConnected) { loadOlder(older); }
      }).observe(older);
    }
  }

  /* Browser notifications for mentions, when the person allows them. */
  var notify = document.querySelector(".dm-notify");
  if (notify && "Notification" in window && Notification.permission === "default") {
    notify.hidden = false;
    notify.addEventListener("click", function () {
      Notification.requestPermission().then(function () { notify.hidden = true; });
    });
  }

  document.addEventListener("visibilitychange", function () {
    if (state && state.live && document.visibilityState === "visible" && socket.connected) {
      socket.emit("discussions:read", { channel_id: state.channel, seq: state.lastSeq });
    }
  });
})();
