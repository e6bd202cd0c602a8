/* Parvis live co-editing: turns an edit form's markdown textarea into a shared editor.
 *
 * Each `[data-coedit-doc]` element (rendered by core/templates/coedit/editor.html) names a
 * live document ("wiki.page:12") and the textarea it enhances. The browser keeps a Yjs
 * document whose root Text "content" is shown in CodeMirror 6 (y-codemirror.next binding,
 * remote cursors from y-protocols awareness). Everything travels over the page's shared
 * Socket.IO connection (window.ParvisRealtime) as base64 in JSON; see docs/coedit.md.
 *
 * Progressive enhancement: nothing changes on the page until the first `coedit:join` is
 * acknowledged; if Socket.IO is missing or the join fails, the plain form stays as it is.
 * Once live, the textarea is hidden but kept in the form and in sync with the shared
 * text, and the hidden `coedit` field says "1" so the server cuts the revision from the
 * live text. Offline, editing goes on locally; at every reconnection the client re-joins
 * with its state vector and pushes what the server lacks (Yjs merges both sides).
 * No UI string is written here: they come from the element's data-s-* attributes.
 */
import * as Y from 'yjs'
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness'
import { EditorView, drawSelection, keymap } from '@codemirror/view'
import { Compartment, EditorState } from '@codemirror/state'
import { defaultKeymap } from '@codemirror/commands'
import { LanguageSupport, defaultHighlightStyle, syntaxHighlighting } from '@codemirror/language'
import { markdownLanguage } from '@codemirror/lang-markdown'
import { yCollab, yUndoManagerKeymap } from 'y-codemirror.next'
import { fromBase64, toBase64 } from './b64.js'

const REMOTE = 'parvis-remote'
const ACK_TIMEOUT = 10000
const UPDATE_DELAY = 40
const AWARENESS_DELAY = 120
const COLORS = [
  ['#1f6feb', '#1f6feb33'], ['#b35900', '#b3590033'], ['#1a7f37', '#1a7f3733'], ['#a40e26', '#a40e2633'],
  ['#8250df', '#8250df33'], ['#0a7d8c', '#0a7d8c33'], ['#9a6700', '#9a670033'], ['#bf3989', '#bf398933']
]

const editors = new Map()

const theme = EditorView.theme({
  '&': {
    border: '1px solid var(--border, #767676)',
    borderRadius: '4px',
    background: 'var(--surface, #fff)',
    color: 'var(--text, #1a1a1a)',
    maxWidth: '100%'
  },
  '&.cm-focused': { outline: '3px solid var(--focus, #1a56db)', outlineOffset: '1px' },
  '.cm-scroller': { minHeight: '16rem', maxHeight: '70vh', overflow: 'auto', fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace', lineHeight: '1.5' },
  '.cm-content': { padding: '0.5rem 0', caretColor: 'var(--text, #1a1a1a)' },
  '.cm-line': { padding: '0 0.6rem' }
})

function byId (id) { return id ? document.getElementById(id) : null }

/** True when `doc` holds insertions the server (state vector `serverSv`) lacks. */
function hasNewItems (doc, serverSv) {
  const server = Y.decodeStateVector(serverSv)
  let ahead = false
  Y.decodeStateVector(Y.encodeStateVector(doc)).forEach((clock, client) => {
    if ((server.get(client) || 0) < clock) { ahead = true }
  })
  return ahead
}

class LiveEditor {
  constructor (root, socket) {
    this.root = root
    this.socket = socket
    this.key = root.dataset.coeditDoc
    this.S = root.dataset
    this.textarea = byId(root.dataset.coeditField)
    this.form = this.textarea && this.textarea.form
    this.flag = root.querySelector('input[name=coedit]')
    this.base = byId(root.dataset.coeditBase)
    this.summary = byId(root.dataset.coeditSummary)
    this.saveButton = root.querySelector('.coedit__save')
    this.status = root.querySelector('.coedit__status')
    this.mountEl = root.querySelector('.coedit__editor')
    this.online = false
    this.canEdit = false
    this.view = null
    this.batch = []
    this.batchTimer = null
    this.awarenessTimer = null
    this.awarenessChanged = new Set()
    this.inflight = 0
    this.clean = true
    this.dirtyGen = 0
    this.serverSv = null
    this.newDoc()
  }

  newDoc () {
    this.ydoc = new Y.Doc()
    this.ytext = this.ydoc.getText('content')
    this.awareness = new Awareness(this.ydoc)
    const id = Number(this.S.coeditUserId || 0)
    const [color, colorLight] = COLORS[id % COLORS.length]
    this.awareness.setLocalStateField('user', { id, name: this.S.coeditUserName || '?', color, colorLight })
    this.ydoc.on('update', (update, origin) => { if (origin !== REMOTE) { this.local(update) } })
    // Once live, the textarea follows the shared text (before that, it is the person's).
    this.ytext.observe(() => { if (this.view) { this.textarea.value = this.ytext.toString() } })
    this.awareness.on('update', ({ added, updated, removed }, origin) => {
      if (origin !== 'local') { return }
      added.concat(updated, removed).forEach((c) => this.awarenessChanged.add(c))
      if (!this.awarenessTimer) { this.awarenessTimer = setTimeout(() => this.flushAwareness(), AWARENESS_DELAY) }
    })
  }

  emit (event, payload, done) {
    this.socket.timeout(ACK_TIMEOUT).emit(event, payload, (err, ack) => {
      done(err || !ack ? null : ack)
    })
  }

  say (name) {
    const text = this.S['s' + name.charAt(0).toUpperCase() + name.slice(1)] || ''
    if (this.status) {
      this.status.textContent = text
      this.status.hidden = !text
      this.status.dataset.state = name
    }
    // The root's data-state says the connection's state only (styles, tests).
    if (name === 'live' || name === 'offline' || name === 'readonly') { this.root.dataset.state = name }
  }

  markDirty () { this.clean = false; this.dirtyGen++ }

  /* -- local changes ------------------------------------------------------------------ */

  local (update) {
    if (!this.online || !this.canEdit) { this.markDirty(); return }
    this.batch.push(update)
    if (!this.batchTimer) { this.batchTimer = setTimeout(() => this.flushBatch(), UPDATE_DELAY) }
  }

  flushBatch () {
    clearTimeout(this.batchTimer)
    this.batchTimer = null
    if (!this.batch.length) { return }
    const update = this.batch.length === 1 ? this.batch[0] : Y.mergeUpdates(this.batch)
    this.batch = []
    if (!this.online) { this.markDirty(); return }
    this.send(update, null)
  }

  send (update, onOk) {
    this.inflight++
    const gen = this.dirtyGen
    this.emit('coedit:update', { doc: this.key, update: toBase64(update) }, (ack) => {
      this.inflight = Math.max(0, this.inflight - 1)
      if (ack && ack.ok) {
        if (onOk) { onOk(gen) }
      } else {
        this.markDirty()
        if (ack && ack.error && ack.error.code === 'forbidden') { this.setEditable(false); return }
        this.scheduleResync()
      }
    })
  }

  /** After a refused or lost update while connected (rate limit, timeout): ask the
   * server what it has and push what it lacks, once, a moment later. */
  scheduleResync () {
    if (this.resyncTimer || !this.online) { return }
    this.resyncTries = (this.resyncTries || 0) + 1
    if (this.resyncTries > 5) { return } // the next reconnection pushes it anyway
    this.resyncTimer = setTimeout(() => {
      this.resyncTimer = null
      if (!this.online || this.clean) { return }
      const payload = { doc: this.key, sv: toBase64(Y.encodeStateVector(this.ydoc)) }
      this.emit('coedit:sync', payload, (ack) => {
        if (!ack || !ack.ok) { this.scheduleResync(); return }
        try {
          Y.applyUpdate(this.ydoc, fromBase64(ack.update), REMOTE)
          this.serverSv = fromBase64(ack.sv)
        } catch (e) { return }
        this.pushDiff()
      })
    }, 1500)
  }

  /** Push everything the server lacks (after a re-join or a failed send). */
  pushDiff () {
    if (!this.serverSv || !this.canEdit) { return }
    const update = Y.encodeStateAsUpdate(this.ydoc, this.serverSv)
    this.send(update, (gen) => {
      if (gen === this.dirtyGen) { this.clean = true; this.resyncTries = 0 }
    })
  }

  /** Run `fn` once every local update was acknowledged (or after a few seconds). */
  whenSettled (fn) {
    this.flushBatch()
    const until = Date.now() + 5000
    const wait = () => {
      if (this.inflight === 0 || !this.online || Date.now() > until) { fn() } else { setTimeout(wait, 40) }
    }
    wait()
  }

  flushAwareness () {
    clearTimeout(this.awarenessTimer)
    this.awarenessTimer = null
    const changed = Array.from(this.awarenessChanged)
    this.awarenessChanged.clear()
    if (!this.online || !changed.length) { return }
    const update = encodeAwarenessUpdate(this.awareness, changed)
    this.emit('coedit:awareness', { doc: this.key, update: toBase64(update) }, () => {})
  }

  /* -- server ----------------------------------------------------------------------- */

  join () {
    const payload = { doc: this.key, sv: toBase64(Y.encodeStateVector(this.ydoc)) }
    this.emit('coedit:join', payload, (ack) => {
      if (!ack || !ack.ok) {
        if (this.view) { this.online = false; this.say('offline') }
        return
      }
      try {
        Y.applyUpdate(this.ydoc, fromBase64(ack.update), REMOTE)
        this.serverSv = fromBase64(ack.sv)
      } catch (e) {
        if (this.view) { this.say('offline') }
        return
      }
      this.online = true
      this.resyncTries = 0
      this.canEdit = !!ack.can_edit
      if (!this.view) {
        if (!this.resetting && !this.adoptTyping()) { this.giveUp(); return }
        this.resetting = false
        this.mount()
      }
      // Only now: the textarea holds the shared text, which contains that revision.
      this.setBase(ack.revision)
      this.setEditable(this.canEdit)
      if (this.canEdit && (!this.clean || this.inflight > 0 || hasNewItems(this.ydoc, this.serverSv))) {
        this.inflight = 0
        this.pushDiff()
      }
      this.announce()
    })
  }

  /** Show ourselves to the room as a newcomer: the others answer with their own state
   * (see remoteAwareness), so cursors reappear after a reconnection. */
  announce () {
    const state = this.awareness.getLocalState()
    this.awareness.setLocalState(null)
    this.flushAwareness()
    this.awareness.setLocalState(state)
    this.flushAwareness()
  }

  /** Keep what the person typed in the plain textarea before the editor went live:
   * applied to the shared text when it is still the text the page was loaded with;
   * false when both changed (the plain form then stays, its conflict check protects). */
  adoptTyping () {
    const base = this.textarea.defaultValue
    const typed = this.textarea.value
    if (typed === base) { return true }
    if (!this.canEdit || this.ytext.toString() !== base) { return false }
    let start = 0
    while (start < base.length && start < typed.length && base[start] === typed[start]) { start++ }
    let end = 0
    while (end < base.length - start && end < typed.length - start &&
      base[base.length - 1 - end] === typed[typed.length - 1 - end]) { end++ }
    this.ydoc.transact(() => {
      if (base.length - start - end > 0) { this.ytext.delete(start, base.length - start - end) }
      if (typed.length - start - end > 0) { this.ytext.insert(start, typed.slice(start, typed.length - end)) }
    })
    return true
  }

  /** Stay the plain form for good. */
  giveUp () {
    this.online = false
    this.dead = true
    editors.delete(this.key)
    this.socket.emit('coedit:leave', { doc: this.key })
  }

  disconnected () {
    if (!this.view) { return }
    this.online = false
    if (this.inflight > 0) { this.markDirty() }
    this.inflight = 0
    const others = Array.from(this.awareness.getStates().keys()).filter((c) => c !== this.ydoc.clientID)
    removeAwarenessStates(this.awareness, others, REMOTE)
    this.setEditable(this.canEdit)
  }

  remoteUpdate (payload) {
    try { Y.applyUpdate(this.ydoc, fromBase64(payload.update), REMOTE) } catch (e) { /* ignored: a later sync repairs */ }
  }

  remoteAwareness (payload) {
    const known = new Set(this.awareness.getStates().keys())
    try { applyAwarenessUpdate(this.awareness, fromBase64(payload.update), REMOTE) } catch (e) { return }
    // Someone new (or back): tell them where we are.
    for (const client of this.awareness.getStates().keys()) {
      if (!known.has(client)) {
        this.awarenessChanged.add(this.ydoc.clientID)
        if (!this.awarenessTimer) { this.awarenessTimer = setTimeout(() => this.flushAwareness(), AWARENESS_DELAY) }
        return
      }
    }
  }

  revision (payload) {
    this.setBase(payload.revision)
    this.say('saved')
  }

  reset () {
    if (this.view) { this.view.destroy(); this.view = null }
    this.awareness.destroy()
    this.ydoc.destroy()
    this.clean = true
    this.inflight = 0
    this.resetting = true
    this.newDoc()
    if (this.socket.connected) { this.join() }
  }

  setBase (revision) {
    if (this.base && revision !== null && revision !== undefined && revision !== '') { this.base.value = String(revision) }
  }

  /* -- page ------------------------------------------------------------------------- */

  setEditable (editable) {
    this.canEdit = editable
    const live = this.online && editable
    if (this.flag) { this.flag.value = live ? '1' : '0' }
    if (this.saveButton) {
      this.saveButton.hidden = !editable
      this.saveButton.disabled = !live
    }
    if (this.view) {
      this.view.dispatch({ effects: this.editableConf.reconfigure([EditorView.editable.of(editable), EditorState.readOnly.of(!editable)]) })
    }
    this.say(!editable ? 'readonly' : (this.online ? 'live' : 'offline'))
  }

  mount () {
    const label = this.textarea.labels && this.textarea.labels[0]
    const attrs = { 'aria-label': (label ? label.textContent : this.S.sLabel || '').trim() }
    const describedBy = this.textarea.getAttribute('aria-describedby')
    if (describedBy) { attrs['aria-describedby'] = describedBy }
    this.editableConf = new Compartment()
    this.view = new EditorView({
      state: EditorState.create({
        doc: this.ytext.toString(),
        extensions: [
          keymap.of([...yUndoManagerKeymap, ...defaultKeymap]),
          drawSelection(),
          EditorView.lineWrapping,
          new LanguageSupport(markdownLanguage),
          syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
          EditorView.contentAttributes.of(attrs),
          theme,
          this.editableConf.of([]),
          yCollab(this.ytext, this.awareness)
        ]
      }),
      parent: this.mountEl
    })
    this.textarea.value = this.ytext.toString()
    this.textarea.hidden = true
    this.textarea.parentNode.insertBefore(this.mountEl, this.textarea.nextSibling)
    if (this.status) { this.textarea.parentNode.insertBefore(this.status, this.mountEl) }
    this.mountEl.hidden = false
    this.root.hidden = false
    if (this.wired) { return } // a reset mounts again: listeners stay from the first time
    this.wired = true
    if (label) {
      label.addEventListener('click', (e) => { e.preventDefault(); if (this.view) { this.view.focus() } })
    }
    if (this.saveButton) { this.saveButton.addEventListener('click', () => this.saveVersion()) }
    if (this.form) { this.form.addEventListener('submit', (e) => this.submit(e)) }
  }

  saveVersion () {
    if (!this.online || !this.canEdit) { return }
    this.saveButton.disabled = true
    this.say('saving')
    this.whenSettled(() => {
      const summary = this.summary ? this.summary.value.slice(0, 255) : ''
      this.emit('coedit:save', { doc: this.key, summary }, (ack) => {
        this.saveButton.disabled = !this.online
        if (!ack || !ack.ok) { this.say('saveFailed'); return }
        this.setBase(ack.revision)
        this.say(ack.revision ? 'saved' : 'unchanged')
      })
    })
  }

  submit (event) {
    if (this.submitting) { return }
    if (!this.online || !this.canEdit) {
      if (this.flag) { this.flag.value = '0' }
      return
    }
    event.preventDefault()
    this.submitting = true
    this.whenSettled(() => {
      if (this.flag) { this.flag.value = this.online && this.clean && this.inflight === 0 ? '1' : '0' }
      this.textarea.value = this.ytext.toString()
      this.form.submit()
    })
  }

  leave () {
    if (!this.online) { return }
    removeAwarenessStates(this.awareness, [this.ydoc.clientID], 'local')
    this.flushAwareness()
    this.socket.emit('coedit:leave', { doc: this.key })
  }
}

function start () {
  const roots = document.querySelectorAll('[data-coedit-doc]')
  if (!roots.length || !window.ParvisRealtime) { return }
  const socket = window.ParvisRealtime.connect()
  if (!socket || typeof socket.timeout !== 'function') { return }
  roots.forEach((root) => {
    if (!root.dataset.coeditField || !document.getElementById(root.dataset.coeditField)) { return }
    editors.set(root.dataset.coeditDoc, new LiveEditor(root, socket))
  })
  const each = (payload, fn) => {
    const editor = payload && editors.get(payload.doc)
    if (editor) { fn(editor) }
  }
  socket.on('coedit:update', (p) => each(p, (e) => e.remoteUpdate(p)))
  socket.on('coedit:awareness', (p) => each(p, (e) => e.remoteAwareness(p)))
  socket.on('coedit:revision', (p) => each(p, (e) => e.revision(p)))
  socket.on('coedit:reset', (p) => each(p, (e) => e.reset()))
  socket.on('disconnect', () => editors.forEach((e) => e.disconnected()))
  window.addEventListener('pagehide', () => editors.forEach((e) => e.leave()))
  window.ParvisRealtime.onReady(() => editors.forEach((e) => e.join()))
}

if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', start)
} else {
  start()
}
