/**
 * The chat page's script (served at `/chat.js`): plain browser JavaScript, no framework. It is a
 * string so that the esbuild bundle of `pnpm chat` carries it, and it is written without
 * template literals so that it can live inside one. The page speaks chat.ts's protocol:
 *
 * - on every (re)connection it sends `/notices`, then `/join T` for each topic it had: the
 *   topics live in sessionStorage, so a reloaded tab rejoins them; a topic shows as joined once
 *   the server's `/joined T` arrives (which the server sends after the subscription is made);
 * - a line typed in #message is sent as "name: text" to everyone, or as `/to T #T name: text`
 *   when #to names a topic (the "#T" tells the receivers which topic it came through);
 *   typing `/join T` or `/leave T` does what the buttons do;
 * - `/online N` sets the count (this server process's clients: with several workers the count
 *   is each worker's own);
 * - when the socket drops it reconnects with exponential backoff (0.25 s doubling to 5 s, with
 *   jitter), and the status says so.
 */
export const pageScript = String.raw`"use strict"
;(function () {
  var STORE = "wspipe-chat"
  var $ = function (id) { return document.getElementById(id) }
  var messages = $("messages"), input = $("message"), to = $("to"), topicsList = $("topics")
  var statusEl = $("status"), onlineEl = $("online"), nameEl = $("name")

  // What survives a reload of this tab: the name and the topics to rejoin.
  var load = function () {
    try { return JSON.parse(sessionStorage.getItem(STORE) || "{}") } catch (e) { return {} }
  }
  var saved = load()
  var state = {
    name: typeof saved.name === "string" && saved.name ? saved.name : "guest-" + Math.random().toString(36).slice(2, 6),
    topics: Array.isArray(saved.topics) ? saved.topics.filter(function (t) { return typeof t === "string" }) : []
  }
  var save = function () { sessionStorage.setItem(STORE, JSON.stringify(state)) }
  save()
  nameEl.value = state.name
  nameEl.addEventListener("change", function () {
    state.name = nameEl.value.trim() || state.name
    nameEl.value = state.name
    save()
  })

  var show = function (text, kind) {
    var li = document.createElement("li")
    li.className = kind
    var tag = /^#(\S+) /.exec(text)
    if (tag !== null) {
      var span = document.createElement("span")
      span.className = "tag"
      span.textContent = "#" + tag[1]
      li.appendChild(span)
      text = text.slice(tag[0].length)
    }
    li.appendChild(document.createTextNode(text))
    var atBottom = messages.scrollTop + messages.clientHeight >= messages.scrollHeight - 4
    messages.appendChild(li)
    if (atBottom) messages.scrollTop = messages.scrollHeight
  }

  // The topic list and the #to choices, from state.topics; "joined" only once the server said so.
  var confirmed = {}
  var renderTopics = function () {
    var selected = to.value
    topicsList.textContent = ""
    while (to.options.length > 1) to.remove(1)
    state.topics.forEach(function (topic) {
      var li = document.createElement("li")
      li.dataset.topic = topic
      li.dataset.state = confirmed[topic] ? "joined" : "joining"
      var name = document.createElement("span")
      name.className = "topic-name"
      name.textContent = "#" + topic
      var leaveButton = document.createElement("button")
      leaveButton.type = "button"
      leaveButton.className = "leave"
      leaveButton.textContent = "Leave"
      leaveButton.addEventListener("click", function () { leave(topic) })
      li.appendChild(name)
      li.appendChild(leaveButton)
      topicsList.appendChild(li)
      to.add(new Option("#" + topic, topic))
    })
    to.value = state.topics.indexOf(selected) === -1 ? "" : selected
  }

  var ws = null, attempt = 0
  var sendRaw = function (line) {
    if (ws === null || ws.readyState !== WebSocket.OPEN) return false
    ws.send(line)
    return true
  }
  var join = function (topic) {
    if (state.topics.indexOf(topic) === -1) { state.topics.push(topic); save() }
    renderTopics()
    sendRaw("/join " + topic) // when offline, the next connection joins it
  }
  var leave = function (topic) {
    state.topics = state.topics.filter(function (t) { return t !== topic })
    delete confirmed[topic]
    save()
    renderTopics()
    sendRaw("/leave " + topic)
  }

  var onNotice = function (text) {
    var m = /^\/(online|joined|left) (\S+)$/.exec(text)
    if (m === null) return false
    if (m[1] === "online") onlineEl.textContent = m[2]
    else if (m[1] === "joined") { confirmed[m[2]] = true; renderTopics() }
    else { delete confirmed[m[2]]; renderTopics() }
    return true
  }

  var setStatus = function (phase, text) {
    statusEl.dataset.state = phase
    statusEl.textContent = text
  }

  var connect = function () {
    setStatus("connecting", "connecting…")
    ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/")
    ws.binaryType = "arraybuffer"
    ws.onopen = function () {
      attempt = 0
      confirmed = {}
      setStatus("connected", "connected")
      ws.send("/notices")
      state.topics.forEach(function (topic) { ws.send("/join " + topic) })
      renderTopics()
    }
    ws.onmessage = function (e) {
      if (typeof e.data !== "string") return show("[binary message, " + e.data.byteLength + " bytes]", "theirs")
      if (!onNotice(e.data)) show(e.data, "theirs")
    }
    ws.onclose = function () {
      ws = null
      confirmed = {}
      renderTopics()
      onlineEl.textContent = "–"
      // Exponential backoff with jitter, so that a restarted server is not hit by every page at once.
      var delay = Math.min(5000, 250 * Math.pow(2, attempt++)) * (0.75 + Math.random() / 2)
      setStatus("reconnecting", "reconnecting in " + (delay / 1000).toFixed(1) + " s…")
      setTimeout(connect, delay)
    }
  }

  input.addEventListener("keydown", function (e) {
    if (e.key !== "Enter" || e.isComposing) return
    e.preventDefault()
    var text = input.value.trim()
    if (text === "") return
    var command = /^\/(join|leave) (\S+)$/.exec(text)
    if (command !== null) {
      if (command[1] === "join") join(command[2])
      else leave(command[2])
      input.value = ""
      return
    }
    var line = (to.value ? "#" + to.value + " " : "") + state.name + ": " + text
    if (!sendRaw(to.value ? "/to " + to.value + " " + line : line)) return show("not connected: your message was not sent", "system")
    show(line, "mine")
    input.value = ""
  })

  $("join-form").addEventListener("submit", function (e) {
    e.preventDefault()
    var topic = $("topic").value.trim()
    if (!/^\S+$/.test(topic)) return
    join(topic)
    $("topic").value = ""
  })

  renderTopics()
  connect()
})()
`
