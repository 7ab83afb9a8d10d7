// ICE doctor in the browser: tries each ICE server of a list alone from this browser's network (one
// RTCPeerConnection per URL; TURN relay-only, so a relay candidate proves an allocation over that transport), times
// each candidate, names what is slow or broken and why, and recommends a list, best first. The same verdicts as the
// CLI (doctor/README.md), from where the user is. With the user's consent ("send this report") the verdicts, without
// credentials, go to signaling's POST /api/doctor/reports, which monitor lists. Query parameters:
// ice=<JSON RTCIceServer[]>, token=<room token> (else a dev token where signaling mints them), deadline=<ms>, run=1.
import { fetchDevToken, fetchIceServers } from './icemesh.js';

/** aiortc 1.4 waits this long for its (first) STUN server's answer in every gathering. */
const AIORTC_STUN_WAIT_MS = 5000;
const params = new URLSearchParams(location.search);
/** How long one server may take before the doctor calls it unanswered. */
const DEADLINE_MS = Number(params.get('deadline')) || 3000;
/** A working server slower than this is reported as slow. */
const SLOW_MS = 150;
const $ = (id) => document.getElementById(id);

/** Every URL of the list with its credentials, and what it is. */
export function entries(iceServers) {
  const out = [];
  for (const s of iceServers) {
    for (const url of [].concat(s.urls || [])) {
      const scheme = url.split(':')[0].toLowerCase();
      const turn = scheme.startsWith('turn');
      const transport = scheme === 'turns' || scheme === 'stuns' ? 'tls'
        : /[?&]transport=tcp/i.test(url) ? 'tcp' : 'udp';
      out.push({ url, scheme, turn, transport, username: s.username, credential: s.credential });
    }
  }
  return out;
}

/** Gathers with one URL alone; resolves with the candidates, errors and times seen before DEADLINE_MS. */
export async function probe(entry) {
  const server = { urls: entry.url };
  if (entry.turn) Object.assign(server, { username: entry.username, credential: entry.credential });
  const result = { ...entry, credential: undefined, candidates: [], errors: [], gatheredMs: null };
  const t0 = performance.now();
  let pc;
  try {
    pc = new RTCPeerConnection({ iceServers: [server], iceTransportPolicy: entry.turn ? 'relay' : 'all' });
  } catch (e) {
    // Chromium refuses the entry itself (a TURN URL without credentials, a malformed URL): nothing is gathered
    result.refused = String(e.message || e);
    return judge(result);
  }
  const done = new Promise((resolve) => {
    pc.onicecandidate = (e) => {
      const c = e.candidate;
      if (c && c.candidate) {
        result.candidates.push({ type: c.type, protocol: c.protocol, relayProtocol: c.relayProtocol,
          address: c.address, port: c.port, ms: performance.now() - t0 });
      }
    };
    pc.onicecandidateerror = (e) => result.errors.push({ code: e.errorCode, text: e.errorText, ms: performance.now() - t0 });
    pc.onicegatheringstatechange = () => {
      if (pc.iceGatheringState === 'complete') {
        result.gatheredMs = performance.now() - t0;
        resolve();
      }
    };
    setTimeout(resolve, DEADLINE_MS);
  });
  try {
    pc.createDataChannel('doctor');
    await pc.setLocalDescription(await pc.createOffer());
    await done;
  } catch (e) {
    result.refused = String(e.message || e);
  } finally {
    pc.close();
  }
  return judge(result);
}

/** Sets status, ms and a sentence in plain words. */
function judge(r) {
  const want = r.turn ? 'relay' : 'srflx';
  const found = r.candidates.find((c) => c.type === want);
  const error = r.errors.find((e) => e.code);
  if (r.refused) {
    r.ms = 0;
    r.status = 'failed';
    r.text = `is refused by the browser itself (${r.refused}), so this entry gives no candidate at all`
      + (r.turn ? '; a TURN URL needs a username and credential' : '');
  } else if (found) {
    r.ms = found.ms;
    r.status = found.ms > SLOW_MS ? 'slow' : 'ok';
    r.text = `${r.turn ? 'relay candidate' : 'server-reflexive candidate'} ${found.address}:${found.port} after ${ms(found.ms)}`;
  } else if (!r.turn && r.gatheredMs !== null && !error) {
    // Chromium adds no srflx candidate when the server saw this machine's own address (no NAT on the way), but a
    // STUN port that got no answer would still be gathering: gathering done with no error means the server answered.
    r.ms = r.gatheredMs;
    r.status = r.ms > SLOW_MS ? 'slow' : 'ok';
    r.text = `answered: gathering with it finished after ${ms(r.ms)} (no separate server-reflexive candidate: the address it saw is one this browser already had)`;
  } else if (error) {
    r.ms = error.ms;
    r.status = 'failed';
    if (/lookup/i.test(error.text)) {
      r.text = `does not resolve (Chromium: "${error.text}"), so no client gets anything from it; fix the name or remove it`;
    } else {
      r.text = (error.code === 401 ? 'refused the credentials (401): wrong username or password, or expired TURN credentials'
        : `failed: "${error.text}" (${error.code})${r.transport === 'tls' ? ', for turns: often a certificate the browser refuses (a self-signed one, or one for another name)' : ''}`)
        + `; ${consequence(r, /timed out/i.test(error.text))}`;
    }
  } else {
    r.ms = DEADLINE_MS;
    r.status = 'failed';
    r.silent = true;
    r.text = `never answered within ${(DEADLINE_MS / 1000).toFixed(1)} s; ${consequence(r, true)}`;
  }
  return r;
}

/** What the failure costs; {@code silent}: the server gave no answer at all (aiortc then waits its whole 5 s). */
function consequence(r, silent) {
  return r.turn ? 'Chromium gets no relay candidate from it, so calls that need a relay fail'
    : 'Chromium gets no server-reflexive candidate from it' + (r.scheme === 'stun' && silent
      ? `, and aiortc, when it is the first stun: URL, waits ${(AIORTC_STUN_WAIT_MS / 1000).toFixed(1)} s in every gathering` : '');
}

const RANK = { ok: 2, slow: 1, failed: 0 };

/** Working URLs, best first: STUN (at most two), then TURN over UDP, TCP, TLS, each by time. */
export function recommend(results) {
  const order = (r) => (r.turn ? { udp: 1, tcp: 2, tls: 3 }[r.transport] : r.scheme === 'stun' ? 0 : 4);
  const good = results.filter((r) => r.status !== 'failed').sort((a, b) => order(a) - order(b) || a.ms - b.ms);
  const list = [];
  const stun = good.filter((r) => r.scheme === 'stun').slice(0, 2).map((r) => r.url);
  if (stun.length) list.push({ urls: stun });
  for (const r of good.filter((x) => x.turn)) {
    let s = list.find((x) => x.username !== undefined && x.username === r.username
      && x.credential === r.credentialForCopy);
    if (!s) list.push(s = { urls: [], username: r.username, credential: r.credentialForCopy });
    s.urls.push(r.url);
  }
  return list;
}

function ms(v) {
  return v >= 1000 ? `${(v / 1000).toFixed(1)} s` : `${v.toFixed(v < 10 ? 1 : 0)} ms`;
}

function timeline(r) {
  const W = 600;
  const scale = (W - 140) / DEADLINE_MS;
  const svgNs = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(svgNs, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} 26`);
  const el = (name, attrs, text) => {
    const e = document.createElementNS(svgNs, name);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text) e.textContent = text;
    svg.appendChild(e);
  };
  el('rect', { x: 0, y: 6, width: Math.max(2, Math.min(r.ms, DEADLINE_MS) * scale), height: 12, class: `bar-${r.status}` });
  for (const c of r.candidates) el('rect', { x: Math.min(c.ms, DEADLINE_MS) * scale - 1, y: 3, width: 2, height: 18, class: 'mark' });
  el('text', { x: Math.min(r.ms, DEADLINE_MS) * scale + 6, y: 16 }, `${r.status === 'failed' ? 'no answer / error' : ms(r.ms)} — ${r.candidates.map((c) => c.type).join(', ') || 'no candidate'}`);
  const div = document.createElement('div');
  div.className = 'server';
  div.textContent = r.url;
  div.appendChild(svg);
  return div;
}

function render(results) {
  const sorted = [...results].sort((a, b) => RANK[a.status] - RANK[b.status] || b.ms - a.ms);
  const ol = $('verdict');
  ol.replaceChildren();
  for (const r of sorted) {
    const li = document.createElement('li');
    li.className = r.status;
    const b = document.createElement('b');
    b.textContent = r.status.toUpperCase() + ' ';
    li.append(b, `${r.url} ${r.text}.`);
    li.dataset.url = r.url;
    ol.appendChild(li);
  }
  const firstStun = results.find((r) => r.scheme === 'stun');
  $('prediction').textContent = firstStun && firstStun.silent
    ? `aiortc 1.4 with this list waits ${(AIORTC_STUN_WAIT_MS / 1000).toFixed(1)} s in every gathering for ${firstStun.url}; a two-peer call about ${(2 * AIORTC_STUN_WAIT_MS / 1000).toFixed(1)} s.`
    : 'Chromium trickles candidates and waits for no server.';
  $('timelines').replaceChildren(...results.map(timeline));
  $('recommended').value = JSON.stringify(recommend(results), null, 2);
  $('report').hidden = false;
}

let tokenPromise = null;

/**
 * The room token: ?token=, else one from the dev endpoint (local and test profiles only), else null. Fetched once
 * per page: the list and the report use the same one.
 */
function roomToken() {
  if (params.get('token')) return Promise.resolve(params.get('token'));
  if (!tokenPromise) {
    tokenPromise = fetchDevToken(location.origin, 'icemesh-doctor', 'doctor').then((t) => t.token, () => null);
  }
  return tokenPromise;
}

async function loadList() {
  const typed = $('ice').value.trim();
  if (typed) return JSON.parse(typed);
  const token = await roomToken();
  if (!token) throw new Error('no room token: open this page with ?token=<room token>, or type a list');
  return (await fetchIceServers(location.origin, token)).iceServers;
}

let lastResults = null;

/** Shares the verdicts (no credentials) with the operators: POST /api/doctor/reports, which monitor lists. */
async function sendReport() {
  const sent = $('sent');
  try {
    const token = await roomToken();
    if (!token) throw new Error('no room token (open this page with ?token=<room token>)');
    const urls = lastResults.map((r) => ({ url: r.url, status: r.status, ms: Math.round(r.ms * 10) / 10, text: r.text }));
    const res = await fetch(new URL('/api/doctor/reports', location.origin), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify({ source: 'browser', client: navigator.userAgent.slice(0, 200), urls }),
    });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(body.message || `HTTP ${res.status}`);
    sent.textContent = `Sent (report ${body.reportId}). Thank you.`;
    window.icemeshDoctor.reportId = body.reportId;
  } catch (e) {
    sent.textContent = `Not sent: ${e.message}`;
  }
}

async function run() {
  const status = $('status');
  status.classList.remove('error');
  try {
    status.textContent = 'Testing…';
    const list = await loadList();
    const all = entries(list);
    const results = await Promise.all(all.map(probe));
    results.forEach((r, i) => { r.credentialForCopy = all[i].credential; });
    render(results);
    const failed = results.filter((r) => r.status === 'failed').length;
    status.textContent = failed ? `${failed} of ${results.length} URLs failed: see the verdict.` : `All ${results.length} URLs work.`;
    lastResults = results;
    $('send').disabled = false;
    window.icemeshDoctor = { done: true, results: results.map(({ credentialForCopy, ...r }) => r) };
  } catch (e) {
    status.textContent = `Could not run: ${e.message}`;
    status.classList.add('error');
    window.icemeshDoctor = { done: true, error: String(e.message || e) };
  }
}

$('doctor').addEventListener('submit', (e) => { e.preventDefault(); run(); });
$('copy').addEventListener('click', async () => {
  const text = $('recommended').value;
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    $('recommended').select();
    document.execCommand('copy');
  }
  $('sent').textContent = 'Copied.';
});
$('send').addEventListener('click', () => {
  if (lastResults) sendReport();
});
if (params.get('ice')) $('ice').value = params.get('ice');
if (params.get('run') === '1') run();
