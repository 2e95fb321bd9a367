(function () {
  'use strict';

  var ENDPOINT = 'webhooks/rest/webhook';
  var TIMEOUT_MS = 20000;
  var KEY_ID = 'motcua.sender';
  var KEY_LOG = 'motcua.log';
  var MAX_LOG = 60;
  var ERROR_TEXT = 'Xin lỗi, hệ thống đang bận. Ông/bà vui lòng thử lại sau ít phút hoặc gọi hotline.';
  var WELCOME = {
    who: 'bot',
    text: 'Dạ, xin chào ông/bà! Tôi có thể giúp tra cứu hồ sơ, giấy tờ cần chuẩn bị, thời gian, lệ phí và địa chỉ nộp hồ sơ.',
    buttons: [
      { title: 'Tra cứu hồ sơ', payload: '/check_dossier_status' },
      { title: 'Giấy tờ cần chuẩn bị', payload: '/ask_required_documents' },
      { title: 'Lệ phí', payload: '/ask_fee' },
      { title: 'Gặp cán bộ', payload: '/request_human' }
    ]
  };
  var URL_RE = /https?:\/\/[^\s<>"']+/g;
  var LIST_RE = /^\s*(?:[-•*]|\d{1,2}[.)])\s/;

  var log = document.getElementById('log');
  var scroller = document.getElementById('scroller');
  var form = document.getElementById('form');
  var input = document.getElementById('input');
  var sendBtn = document.getElementById('send');
  var typing = document.getElementById('typing');
  var restartBtn = document.getElementById('restart');

  var busy = false;
  var session = 0;
  var controller = null;
  var senderId;
  var history;

  function store(key, value) {
    try {
      if (value === null) localStorage.removeItem(key);
      else localStorage.setItem(key, value);
    } catch (e) { /* storage unavailable: keep going in memory */ }
  }
  function load(key) {
    try { return localStorage.getItem(key); } catch (e) { return null; }
  }

  function newId() {
    var c = window.crypto;
    if (c && typeof c.randomUUID === 'function') return c.randomUUID();
    return (Date.now().toString(36) + Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2)).slice(0, 32);
  }

  function getSender() {
    var id = load(KEY_ID);
    if (!id || id.indexOf('web:') !== 0) {
      id = 'web:' + newId();
      store(KEY_ID, id);
    }
    return id;
  }

  function saveHistory() {
    store(KEY_LOG, JSON.stringify(history.slice(-MAX_LOG)));
  }
  function loadHistory() {
    try {
      var h = JSON.parse(load(KEY_LOG) || 'null');
      if (Array.isArray(h) && h.length) return h;
    } catch (e) { /* ignore corrupt data */ }
    return null;
  }

  // Append text to `parent` as DOM nodes, turning http(s) URLs into links.
  function appendLinked(parent, text) {
    var last = 0;
    var m;
    URL_RE.lastIndex = 0;
    while ((m = URL_RE.exec(text)) !== null) {
      var url = m[0].replace(/[.,;:!?)\]}]+$/, '');
      if (m.index > last) parent.appendChild(document.createTextNode(text.slice(last, m.index)));
      var a = document.createElement('a');
      a.href = url;
      a.textContent = url;
      a.target = '_blank';
      a.rel = 'noopener noreferrer';
      parent.appendChild(a);
      last = m.index + url.length;
      URL_RE.lastIndex = last;
    }
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }

  // Text keeps its newlines (CSS pre-line); list lines get a hanging indent.
  function fillText(el, text) {
    var lines = String(text).replace(/\r\n?/g, '\n').split('\n');
    lines.forEach(function (line, i) {
      var target = el;
      if (LIST_RE.test(line)) {
        target = document.createElement('span');
        target.className = 'li';
        el.appendChild(target);
      }
      appendLinked(target, line);
      if (i < lines.length - 1) el.appendChild(document.createTextNode('\n'));
    });
  }

  function scrollToEnd(el) {
    var max = scroller.scrollHeight - scroller.clientHeight;
    var top = el ? Math.min(max, el.offsetTop - scroller.offsetTop - 12) : max;
    scroller.scrollTop = Math.max(top, 0);
  }

  function setGroupDisabled(group, disabled) {
    var bs = group.querySelectorAll('button');
    for (var i = 0; i < bs.length; i++) bs[i].disabled = disabled;
  }

  // Render one history entry. Returns the row element, or null if nothing to show.
  function render(entry) {
    var hasText = typeof entry.text === 'string' && entry.text.trim() !== '';
    var buttons = Array.isArray(entry.buttons) ? entry.buttons.filter(function (b) {
      return b && (b.title || b.payload);
    }) : [];
    var image = typeof entry.image === 'string' && /^https?:\/\//i.test(entry.image) ? entry.image : '';
    if (!hasText && !buttons.length && !image) return null;

    var isUser = entry.who === 'user';
    var row = document.createElement('div');
    row.className = 'row ' + (isUser ? 'user' : 'bot');
    var label = document.createElement('span');
    label.className = 'sr';
    label.textContent = isUser ? 'Ông/bà: ' : 'Trợ lý: ';
    row.appendChild(label);

    if (hasText || image) {
      var bubble = document.createElement('div');
      bubble.className = 'bubble' + (entry.error ? ' err' : '');
      bubble.setAttribute('data-testid', isUser ? 'msg-user' : 'msg-bot');
      fillText(bubble, hasText ? entry.text : 'Hình ảnh: ' + image);
      row.appendChild(bubble);
    }

    if (buttons.length && !isUser) {
      var group = document.createElement('div');
      group.className = 'btns';
      group.setAttribute('role', 'group');
      group.setAttribute('aria-label', 'Lựa chọn');
      buttons.forEach(function (b) {
        var btn = document.createElement('button');
        btn.type = 'button';
        btn.className = 'btn';
        btn.setAttribute('data-testid', 'bot-button');
        btn.textContent = String(b.title || b.payload);
        btn.disabled = !!entry.used;
        btn.addEventListener('click', function (ev) {
          if (busy || btn.disabled) return;
          setGroupDisabled(group, true);
          entry.used = true;
          saveHistory();
          var fromKeyboard = ev.detail === 0;
          send(String(b.payload || b.title), String(b.title || b.payload)).then(function (ok) {
            if (ok === false) {
              entry.used = false;
              saveHistory();
              setGroupDisabled(group, false);
            }
            if (fromKeyboard) input.focus();
          });
        });
        group.appendChild(btn);
      });
      row.appendChild(group);
    }
    log.appendChild(row);
    return row;
  }

  function setBusy(on) {
    busy = on;
    sendBtn.disabled = on;
    typing.hidden = !on;
    if (on) scrollToEnd();
  }

  // Shows `shown` as the user's bubble, sends `payload`.
  // Resolves true on success, false on failure, null if restarted meanwhile.
  async function send(payload, shown) {
    if (busy) return false;
    var mySession = session;
    var userEntry = { who: 'user', text: shown };
    var userRow = render(userEntry);
    setBusy(true);

    var ctrl = window.AbortController ? new AbortController() : null;
    controller = ctrl;
    var timer = setTimeout(function () { if (ctrl) ctrl.abort(); }, TIMEOUT_MS);

    var ok = false;
    try {
      var r = await fetch(ENDPOINT, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ sender: senderId, message: payload }),
        signal: ctrl ? ctrl.signal : undefined
      });
      if (!r.ok) throw new Error('HTTP ' + r.status);
      var res = await r.json();
      if (mySession !== session) return null;
      if (!Array.isArray(res) || !res.length) throw new Error('empty');
      var first = null;
      history.push(userEntry);
      res.forEach(function (m) {
        if (!m || typeof m !== 'object') return;
        var e = { who: 'bot', text: m.text, buttons: m.buttons, image: m.image };
        var row = render(e);
        if (row) {
          history.push(e);
          if (!first) first = row;
        }
      });
      if (!first) {
        history.pop();
        throw new Error('empty');
      }
      saveHistory();
      ok = true;
      scrollToEnd(first);
    } catch (err) {
      if (mySession !== session) return null;
      if (userRow) {
        var note = document.createElement('span');
        note.className = 'note';
        note.textContent = 'Chưa gửi được';
        userRow.appendChild(note);
      }
      var errRow = render({ who: 'bot', text: ERROR_TEXT, error: true });
      scrollToEnd(errRow);
    } finally {
      clearTimeout(timer);
      if (mySession === session) {
        controller = null;
        setBusy(false);
      }
    }
    return ok;
  }

  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var text = input.value.trim();
    input.focus();
    if (!text || busy) return;
    input.value = '';
    send(text, text).then(function (ok) {
      // Keep the typed text on failure so nothing is lost.
      if (ok === false && !input.value) input.value = text;
      input.focus();
    });
  });

  function start(fresh) {
    session++;
    if (controller) controller.abort();
    controller = null;
    setBusy(false);
    if (fresh) {
      store(KEY_ID, null);
      store(KEY_LOG, null);
    }
    senderId = getSender();
    history = (!fresh && loadHistory()) || [Object.assign({}, WELCOME)];
    while (log.firstChild) log.removeChild(log.firstChild);
    history.forEach(render);
    saveHistory();
    scrollToEnd();
  }

  restartBtn.addEventListener('click', function () {
    start(true);
    input.value = '';
    input.focus();
  });

  start(false);
  if (window.matchMedia && window.matchMedia('(pointer: fine)').matches) input.focus();
})();
