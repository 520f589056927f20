// Tiergate web UI: plain JavaScript over the REST API (/api/v1), no build step.
// The bearer token lives in sessionStorage, so closing the tab logs out.
'use strict';

const $ = (id) => document.getElementById(id);
const SVG = 'http://www.w3.org/2000/svg';
const views = ['login', 'dashboard', 'volumes', 'events', 'settings'];
let timer = null;

function token() { return sessionStorage.getItem('tiergate.token'); }

async function api(method, path, body) {
  const headers = {};
  if (token()) headers['Authorization'] = 'Bearer ' + token();
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch('/api/v1' + path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body)
  });
  if (res.status === 401 && path !== '/login') {
    sessionStorage.removeItem('tiergate.token');
    show('login');
    throw new Error('session expired: log in again');
  }
  if (res.status === 204) return null;
  const type = res.headers.get('Content-Type') || '';
  const data = type.startsWith('application/json') ? await res.json() : await res.blob();
  if (!res.ok) {
    const e = new Error((data && data.error) || ('HTTP ' + res.status));
    e.status = res.status;
    e.field = data && data.field;
    throw e;
  }
  return data;
}

function message(text, ok) {
  const m = $('message');
  m.textContent = text;
  m.className = ok ? 'ok' : 'error';
  m.hidden = !text;
}

function fail(e) { message(e.message + (e.field ? ' (' + e.field + ')' : ''), false); }

function fmtBytes(n) {
  if (n === null || n === undefined || typeof n !== 'number') return String(n);
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  while (Math.abs(n) >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return (i === 0 ? n : n.toFixed(n >= 100 ? 0 : 1)) + ' ' + u[i];
}

function cell(tr, text, cls) {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) td.className = cls;
  tr.appendChild(td);
  return td;
}

function el(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  return e;
}

function svg(tag, attrs) {
  const e = document.createElementNS(SVG, tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  return e;
}

function show(view) {
  for (const v of views) $('view-' + v).hidden = v !== view;
  $('nav').hidden = view === 'login';
  for (const a of document.querySelectorAll('nav a')) {
    a.classList.toggle('active', a.id === 'nav-' + view);
  }
  if (timer) { clearInterval(timer); timer = null; }
  if (view === 'dashboard') { refreshDashboard(); timer = setInterval(refreshDashboard, 5000); }
  if (view === 'volumes') { refreshVolumes(); timer = setInterval(refreshVolumes, 10000); }
  if (view === 'events') refreshEvents();
  if (view === 'settings') refreshSettings();
}

function route() {
  if (!token()) { show('login'); return; }
  const v = location.hash.replace('#', '') || 'dashboard';
  show(views.includes(v) && v !== 'login' ? v : 'dashboard');
}

// ------------------------------------------------------------------ dashboard

function drawGauge(percent) {
  const g = $('chart-capacity');
  g.replaceChildren();
  const p = Math.max(0, Math.min(100, percent || 0));
  const arc = (frac) => {
    const a = Math.PI * (1 - frac);
    return [100 + 80 * Math.cos(a), 100 - 80 * Math.sin(a)];
  };
  const [ex, ey] = arc(p / 100);
  g.appendChild(svg('path', { d: 'M20 100 A80 80 0 0 1 180 100', fill: 'none', stroke: '#e3e7eb', 'stroke-width': 18 }));
  if (p > 0) {
    g.appendChild(svg('path', { d: `M20 100 A80 80 0 0 1 ${ex.toFixed(2)} ${ey.toFixed(2)}`, fill: 'none',
      stroke: p > 90 ? '#eb5757' : p > 75 ? '#f2c94c' : '#27ae60', 'stroke-width': 18 }));
  }
  const t = svg('text', { x: 100, y: 95, 'text-anchor': 'middle', 'font-size': 22 });
  t.textContent = p.toFixed(1) + ' %';
  g.appendChild(t);
}

function drawThroughput(history) {
  const c = $('chart-throughput');
  c.replaceChildren();
  const W = 720, H = 200, pad = 4;
  const samples = history.samples || [];
  const now = Date.now();
  const x = (t) => W * (1 - (now - t) / 3600000);
  let peak = 1;
  for (const s of samples) peak = Math.max(peak, s.readBytesPerSecond, s.writeBytesPerSecond);
  const y = (v) => H - pad - (H - 2 * pad) * v / peak;
  for (let i = 1; i < 4; i++) {
    c.appendChild(svg('line', { x1: 0, x2: W, y1: H * i / 4, y2: H * i / 4, stroke: '#eef1f4' }));
  }
  for (const [key, color] of [['readBytesPerSecond', '#2f80ed'], ['writeBytesPerSecond', '#eb5757']]) {
    if (samples.length === 0) continue;
    const pts = samples.map((s) => `${x(s.time).toFixed(1)},${y(s[key]).toFixed(1)}`).join(' ');
    c.appendChild(svg('polyline', { points: pts, fill: 'none', stroke: color, 'stroke-width': 2, class: 'series-' + key }));
  }
  $('throughput-peak').textContent = samples.length
    ? ' (peak ' + fmtBytes(peak) + '/s, ' + samples.length + ' samples)' : ' (collecting: a sample every 10 s)';
}

async function refreshDashboard() {
  try {
    const [s, h] = await Promise.all([api('GET', '/status'), api('GET', '/history')]);
    const cap = s.capacity;
    drawGauge(cap.usedPercent);
    $('capacity-text').textContent = fmtBytes(cap.storedBytes) + ' stored, '
      + fmtBytes(cap.logicalBytes) + ' written of ' + fmtBytes(cap.provisionedBytes) + ' provisioned';
    $('dedup-ratio').textContent = s.dedupRatio + 'x';
    $('compression-ratio').textContent = 'compression ' + s.compressionRatio + 'x';
    $('cache-hit').textContent = s.cacheHitPercent === null ? 'n/a' : s.cacheHitPercent + ' %';
    $('dirty-bytes').textContent = 'dirty: ' + s.dirtyBytes;
    $('cloud-state').textContent = s.cloud.state;
    $('cloud-reachable').textContent = (s.cloud.alert ? 'ALERT: ' : '')
      + (s.cloud.lastError ? s.cloud.lastError : 'reachable: ' + s.cloud.reachable)
      + (s.cloud.lastSuccessAt ? ' (last answer ' + s.cloud.lastSuccessAt + ')' : '');
    $('sessions').textContent = s.iscsi.sessions;
    $('portal').textContent = portalFor(s.iscsi);
    $('metric-write-bytes').textContent = fmtBytes(s.throughput.writeBytes);
    $('metric-read-bytes').textContent = fmtBytes(s.throughput.readBytes);
    drawThroughput(h);
  } catch (e) { fail(e); }
}

// ------------------------------------------------------------------ volumes

// Where an initiator reaches the portal. One listening on all addresses is reachable at the
// host this page came from, which the browser's machine can evidently reach; the gateway's
// own pick (its first address) may be one the browser's network cannot.
function portalFor(p) {
  if (!p.portalOnAllAddresses) return p.portal;
  return location.hostname + ':' + p.portal.split(':').pop();
}

async function refreshVolumes() {
  try {
    const data = await api('GET', '/volumes');
    const body = $('volumes-table').tBodies[0];
    body.replaceChildren();
    for (const v of data.volumes) {
      const tr = el('tr', { 'data-volume': v.name });
      cell(tr, v.name, 'vol-name');
      cell(tr, v.size);
      cell(tr, fmtBytes(v.usage.logicalBytes));
      cell(tr, v.usage.dedupRatio + 'x');
      cell(tr, v.pinned ? 'pinned' : 'tiered');
      const conn = cell(tr, '');
      conn.appendChild(el('code', { class: 'connect' }, 'iscsi://' + portalFor(v) + '/' + v.target + '/0'));
      cell(tr, v.acl.length ? v.acl.join(', ') : 'any');
      cell(tr, v.chap.enabled ? v.chap.user + (v.chap.mutual ? ' (mutual)' : '') : 'off');
      const act = cell(tr, '');
      const box = el('div', { class: 'row-actions' });
      const size = el('input', { class: 'grow-size', placeholder: 'new size' });
      const grow = el('button', { type: 'button', class: 'grow' }, 'Grow');
      grow.onclick = () => api('PATCH', '/volumes/' + v.name, { size: size.value })
        .then(() => { message('Grew ' + v.name + ' to ' + size.value, true); refreshVolumes(); }, fail);
      const access = el('button', { type: 'button', class: 'access' }, 'Access');
      access.onclick = () => editAccess(v);
      const del = el('button', { type: 'button', class: 'delete' }, 'Delete');
      del.onclick = () => {
        if (del.dataset.armed !== 'yes') { del.dataset.armed = 'yes'; del.textContent = 'Really delete?'; return; }
        const force = del.dataset.force === 'yes';
        api('DELETE', '/volumes/' + v.name + (force ? '?force=true' : ''))
          .then(() => { message('Deleted ' + v.name, true); refreshVolumes(); }, (e) => {
            fail(e);
            if (e.status === 409) { del.dataset.force = 'yes'; del.textContent = 'Force delete'; }
          });
      };
      box.append(size, grow, access, del);
      act.appendChild(box);
      body.appendChild(tr);
    }
  } catch (e) { fail(e); }
}

function lines(text) { return text.split(/[\s,]+/).map((s) => s.trim()).filter((s) => s); }

function editAccess(v) {
  $('edit-panel').hidden = false;
  $('edit-name').textContent = v.name;
  $('edit-acl').value = v.acl.join('\n');
  $('edit-chap-user').value = v.chap.enabled ? v.chap.user : '';
  $('edit-chap-secret').value = '';
}

async function saveAccess(ev) {
  ev.preventDefault();
  const name = $('edit-name').textContent;
  const user = $('edit-chap-user').value.trim();
  const body = { acl: lines($('edit-acl').value), chap: user ? { user, secret: $('edit-chap-secret').value } : null };
  try {
    await api('PATCH', '/volumes/' + name, body);
    $('edit-panel').hidden = true;
    message('Saved access of ' + name, true);
    refreshVolumes();
  } catch (e) { fail(e); }
}

async function createVolume(ev) {
  ev.preventDefault();
  const body = {
    name: $('new-name').value.trim(), size: $('new-size').value.trim(),
    chunkSize: $('new-chunk').value, tiered: $('new-mode').value === 'tiered',
    acl: lines($('new-acl').value)
  };
  if ($('new-chap-user').value.trim()) {
    body.chap = { user: $('new-chap-user').value.trim(), secret: $('new-chap-secret').value };
  }
  try {
    const v = await api('POST', '/volumes', body);
    message('Created ' + v.name + ': connect to iscsi://' + portalFor(v) + '/' + v.target + '/0', true);
    $('create-form').reset();
    refreshVolumes();
  } catch (e) { fail(e); }
}

// ------------------------------------------------------------------ events

async function refreshEvents() {
  try {
    const sev = $('events-severity').value;
    const data = await api('GET', '/events?limit=200' + (sev ? '&severity=' + sev : ''));
    const body = $('events-table').tBodies[0];
    body.replaceChildren();
    for (const e of data.events) {
      const tr = el('tr');
      cell(tr, new Date(e.time).toLocaleString());
      cell(tr, e.severity, 'sev-' + e.severity);
      cell(tr, e.category);
      cell(tr, e.actor);
      cell(tr, e.message);
      body.appendChild(tr);
    }
  } catch (e) { fail(e); }
}

// ------------------------------------------------------------------ settings

async function refreshSettings() {
  try {
    const c = await api('GET', '/cloud');
    $('settings-cloud').textContent = 'Cloud tier: ' + c.state + (c.target ? ' on ' + c.target : '') + '.';
    $('schedule-now').textContent = 'Limit in force now: ' + fmtRate(c.bandwidthLimit)
      + (c.bandwidthLimitSource ? ' (' + c.bandwidthLimitSource + ')' : '')
      + '. Default: ' + fmtRate(c.defaultBandwidthLimit) + '.';
    scheduleRules = (c.bandwidthSchedule || []).map((r) => ({
      days: r.days.join(','), start: r.start, end: r.end, limit: r.limit }));
    renderSchedule();
    const t = await api('GET', '/tokens');
    const body = $('tokens-table').tBodies[0];
    body.replaceChildren();
    for (const k of t.tokens) {
      const tr = el('tr');
      cell(tr, k.id); cell(tr, k.name); cell(tr, k.role); cell(tr, k.created);
      const b = el('button', { type: 'button' }, 'Revoke');
      b.onclick = () => api('DELETE', '/tokens/' + k.id).then(refreshSettings, fail);
      cell(tr, '').appendChild(b);
      body.appendChild(tr);
    }
  } catch (e) { fail(e); }
}

// ------------------------------------------------------------------ cloud and bandwidth

let scheduleRules = [];

function fmtRate(v) {
  return typeof v === 'number' ? fmtBytes(v) + '/s' : String(v);
}

function renderSchedule() {
  const body = $('schedule-table').tBodies[0];
  body.replaceChildren();
  scheduleRules.forEach((r, i) => {
    const tr = el('tr');
    tr.dataset.rule = String(i);
    cell(tr, r.days); cell(tr, r.start); cell(tr, r.end); cell(tr, fmtRate(r.limit));
    const b = el('button', { type: 'button' }, 'Remove');
    b.onclick = () => { scheduleRules.splice(i, 1); renderSchedule(); };
    cell(tr, '').appendChild(b);
    body.appendChild(tr);
  });
}

function addRule(ev) {
  ev.preventDefault();
  scheduleRules.push({ days: $('rule-days').value.trim(), start: $('rule-start').value.trim(),
    end: $('rule-end').value.trim(), limit: $('rule-limit').value.trim() });
  $('rule-form').reset();
  renderSchedule();
  message('Rule added: save the schedule to apply it.', true);
}

async function saveSchedule() {
  try {
    const r = await api('PUT', '/cloud/bandwidth-schedule', { rules: scheduleRules });
    message('Bandwidth schedule saved: ' + r.rules.length + ' rule(s); limit in force now '
      + fmtRate(r.limitNow) + '.', true);
    refreshSettings();
  } catch (e) { fail(e); }
}

async function setDefaultLimit(ev) {
  ev.preventDefault();
  try {
    await api('PUT', '/cloud/bandwidth', { limit: $('default-limit').value.trim() });
    $('default-limit-form').reset();
    message('Default upload limit set.', true);
    refreshSettings();
  } catch (e) { fail(e); }
}

function cloudKindChanged() {
  const dir = $('cloud-kind').value === 'directory';
  for (const l of document.querySelectorAll('.azure-only')) l.hidden = dir;
  for (const l of document.querySelectorAll('.dir-only')) l.hidden = !dir;
}

function cloudBody() {
  const kind = $('cloud-kind').value;
  if (kind === 'directory') return { directory: $('cloud-directory').value.trim() };
  const b = {};
  b[kind] = $('cloud-secret').value.trim();
  if ($('cloud-account').value.trim()) b.accountName = $('cloud-account').value.trim();
  if ($('cloud-endpoint').value.trim()) b.endpoint = $('cloud-endpoint').value.trim();
  if ($('cloud-container').value.trim()) b.container = $('cloud-container').value.trim();
  return b;
}

async function testCloudCredentials() {
  try {
    const r = await api('POST', '/cloud/test', cloudBody());
    message(r.target + ': reachable in ' + r.latencyMillis + ' ms'
      + (r.containerExists === false ? ', container not created yet' : '')
      + (r.acceptable === false ? '; it does not hold this appliance\'s data, so it would be refused' : '')
      + '.', r.acceptable !== false);
  } catch (e) { fail(e); }
}

async function saveCloudCredentials(ev) {
  ev.preventDefault();
  try {
    const r = await api('PUT', '/cloud/credentials', cloudBody());
    $('cloud-secret').value = '';
    message('Cloud tier now on ' + r.target + '.', true);
    refreshSettings();
  } catch (e) { fail(e); }
}

function twice(a, b) {
  if ($(a).value !== $(b).value) throw new Error('the two entries differ');
  return $(a).value;
}

async function changePassword(ev) {
  ev.preventDefault();
  try {
    await api('PUT', '/security/password', { current: $('pw-current').value, new: twice('pw-new', 'pw-again') });
    $('password-form').reset();
    sessionStorage.removeItem('tiergate.token');
    message('Password changed: log in with the new one.', true);
    show('login');
  } catch (e) { fail(e); }
}

async function changePassphrase(ev) {
  ev.preventDefault();
  try {
    await api('PUT', '/security/passphrase', { current: $('pp-current').value, new: twice('pp-new', 'pp-again') });
    $('passphrase-form').reset();
    message('Passphrase changed: key slots re-wrapped.', true);
  } catch (e) { fail(e); }
}

async function supportBundle() {
  try {
    const blob = await api('GET', '/support-bundle');
    const a = $('support-link');
    a.href = URL.createObjectURL(blob);
    a.download = 'tiergate-support.zip';
    a.hidden = false;
    a.click();
  } catch (e) { fail(e); }
}

// ------------------------------------------------------------------ wiring

document.addEventListener('DOMContentLoaded', () => {
  $('login-form').onsubmit = async (ev) => {
    ev.preventDefault();
    try {
      const r = await api('POST', '/login', { password: $('password').value });
      sessionStorage.setItem('tiergate.token', r.token);
      $('password').value = '';
      message('', true);
      location.hash = '#dashboard';
      route();
    } catch (e) { fail(e); }
  };
  $('logout').onclick = () => { sessionStorage.removeItem('tiergate.token'); show('login'); };
  $('create-form').onsubmit = createVolume;
  $('edit-form').onsubmit = saveAccess;
  $('edit-cancel').onclick = () => { $('edit-panel').hidden = true; };
  $('events-severity').onchange = refreshEvents;
  $('password-form').onsubmit = changePassword;
  $('passphrase-form').onsubmit = changePassphrase;
  $('rotate-key').onclick = () => api('POST', '/security/rotate-data-key', {})
    .then((r) => message('Data key ' + r.dataKeyId + ' now encrypts new packs.', true), fail);
  $('token-form').onsubmit = async (ev) => {
    ev.preventDefault();
    try {
      const t = await api('POST', '/tokens', { name: $('token-name').value.trim(), role: $('token-role').value });
      $('token-new').textContent = 'New token (shown once): ' + t.token;
      $('token-new').hidden = false;
      refreshSettings();
    } catch (e) { fail(e); }
  };
  $('support-bundle').onclick = supportBundle;
  $('cloud-kind').onchange = cloudKindChanged;
  $('cloud-test').onclick = testCloudCredentials;
  $('cloud-form').onsubmit = saveCloudCredentials;
  $('rule-form').onsubmit = addRule;
  $('schedule-save').onclick = saveSchedule;
  $('default-limit-form').onsubmit = setDefaultLimit;
  window.addEventListener('hashchange', route);
  route();
});
