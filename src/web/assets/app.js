// ticketflow web UI: keyboard shortcuts, SLA countdowns, and care around live updates.
// Served from the product itself; no inline script anywhere (the CSP forbids it).
(function () {
  'use strict';
  var announcer = function (text) {
    var el = document.getElementById('announcer');
    if (!el) return;
    el.textContent = '';
    window.setTimeout(function () {
      el.textContent = text;
    }, 50);
  };
  var typing = function (el) {
    return (
      el &&
      (el.tagName === 'INPUT' ||
        el.tagName === 'TEXTAREA' ||
        el.tagName === 'SELECT' ||
        el.isContentEditable)
    );
  };

  // --- queue: j/k move through the rows, Enter opens (the focused link) ---
  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll('tr[data-row] a.row-link'));
  }
  function move(step) {
    var links = rows();
    if (links.length === 0) return;
    var at = links.indexOf(document.activeElement);
    var next = links[Math.max(0, Math.min(links.length - 1, at === -1 ? 0 : at + step))];
    links.forEach(function (l) {
      l.closest('tr').classList.remove('selected');
    });
    next.closest('tr').classList.add('selected');
    next.focus();
  }

  // --- ticket: single keys for the actions the page offers ---
  function act(key) {
    var form = document.querySelector('form[data-key="' + key + '"]');
    if (!form) return false;
    var field = form.querySelector('textarea, input:not([type="hidden"]), select');
    if (field) field.focus();
    else form.requestSubmit();
    return true;
  }

  function helpDialog() {
    var dialog = document.getElementById('help');
    if (dialog) return dialog;
    dialog = document.createElement('dialog');
    dialog.id = 'help';
    dialog.setAttribute('aria-labelledby', 'help-h');
    var h = document.createElement('h2');
    h.id = 'help-h';
    h.textContent = 'Keyboard shortcuts';
    dialog.appendChild(h);
    var list = document.createElement('dl');
    var add = function (k, what) {
      var dt = document.createElement('dt');
      var kbd = document.createElement('kbd');
      kbd.textContent = k;
      dt.appendChild(kbd);
      var dd = document.createElement('dd');
      dd.textContent = what;
      list.appendChild(dt);
      list.appendChild(dd);
    };
    add('j / k', 'next / previous ticket in the queue');
    add('Enter', 'open the selected ticket');
    Array.prototype.forEach.call(document.querySelectorAll('form[data-key]'), function (f) {
      var b = f.querySelector('button');
      add(
        f.getAttribute('data-key'),
        b ? b.firstChild.textContent.trim() : f.getAttribute('data-command'),
      );
    });
    add('Ctrl+Enter', 'send the form you are typing in');
    add('Esc', 'leave a text field');
    add('q', 'back to the queue');
    add('?', 'show this list');
    dialog.appendChild(list);
    var close = document.createElement('button');
    close.type = 'button';
    close.textContent = 'Close';
    close.addEventListener('click', function () {
      dialog.close();
    });
    dialog.appendChild(close);
    document.body.appendChild(dialog);
    return dialog;
  }

  document.addEventListener('keydown', function (e) {
    var t = e.target;
    if (typing(t)) {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && t.form) {
        e.preventDefault();
        t.form.requestSubmit();
      } else if (e.key === 'Escape') t.blur();
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var page = document.body.getAttribute('data-page');
    if (e.key === '?') {
      e.preventDefault();
      var d = helpDialog();
      if (d.open) d.close();
      else d.showModal();
      return;
    }
    if (page === 'queue' && (e.key === 'j' || e.key === 'k')) {
      e.preventDefault();
      move(e.key === 'j' ? 1 : -1);
      return;
    }
    if (e.key === 'q') {
      var queue = document.querySelector('nav a[href^="/queues/"]');
      if (queue) {
        e.preventDefault();
        queue.click();
      }
      return;
    }
    if (page === 'ticket' && e.key.length === 1 && act(e.key)) e.preventDefault();
  });

  // --- SLA countdowns, kept current without a reload ---
  function countdowns() {
    var now = Date.now();
    Array.prototype.forEach.call(document.querySelectorAll('.countdown[data-due]'), function (el) {
      var left = Date.parse(el.getAttribute('data-due')) - now;
      var minutes = Math.round(Math.abs(left) / 60000);
      var text =
        minutes >= 60
          ? Math.floor(minutes / 60) + ' h ' + (minutes % 60) + ' min'
          : minutes + ' min';
      el.textContent = left >= 0 ? 'due in ' + text : text + ' overdue';
      el.classList.toggle('breached', left <= 0);
      el.classList.toggle('warning', left > 0 && left < 30 * 60000);
      el.classList.toggle('ok', left >= 30 * 60000);
    });
  }
  window.setInterval(countdowns, 30000);

  // --- live updates: never throw away what someone is typing ---
  function hasDraft(root) {
    return Array.prototype.some.call(
      root.querySelectorAll('textarea, input[type="text"], input[type="email"], input:not([type])'),
      function (f) {
        return f.value !== f.defaultValue;
      },
    );
  }
  document.addEventListener('htmx:beforeRequest', function (e) {
    var el = e.detail.elt;
    if (el.id !== 'ticket-live' || !hasDraft(el)) return;
    e.preventDefault();
    var banner = document.getElementById('changed-banner');
    if (!banner) {
      banner = document.createElement('p');
      banner.id = 'changed-banner';
      banner.className = 'panel warn';
      banner.setAttribute('role', 'alert');
      banner.textContent =
        'Someone else changed this ticket while you were typing. Your text stays here; sending it will show you what changed first.';
      el.parentNode.insertBefore(banner, el);
    }
  });
  document.addEventListener('htmx:afterSwap', function (e) {
    var el = e.detail.elt;
    if (el.id === 'ticket-live') {
      var status = el.querySelector('[data-testid="status"]');
      announcer('Ticket updated' + (status ? ': ' + status.textContent : ''));
    } else if (el.id === 'queue-rows') {
      announcer('Queue updated');
      countdowns();
    }
  });

  // --- auditor: the version slider shows the version it will load ---
  document.addEventListener('input', function (e) {
    if (e.target.id === 'version' && e.target.type === 'range') {
      var out = document.querySelector('output[for="version"]');
      if (out) out.textContent = e.target.value;
    }
  });
  document.addEventListener('change', function (e) {
    if (e.target.id === 'version' && e.target.type === 'range') e.target.form.requestSubmit();
  });
})();
