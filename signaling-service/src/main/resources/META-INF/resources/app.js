// The icemesh web client: join a room, send camera and microphone, show every peer with its live ICE timeline.
import { IcemeshClient, SFU, fetchDevToken } from './icemesh.js';

const $ = (id) => document.getElementById(id);
const tiles = new Map();
let client = null;
let localStream = null;

// Read by tests and handy in the console: per peer, the timeline figures shown on its tile.
window.icemeshStats = {};
// When the page's own steps first happened (Join click, camera, token, first presented remote frame), in
// performance.now() ms; with the client's marks this is the stage table of the way to media (icemeshMarks()).
let pageMarks = {};
function mark(name) {
  if (!(name in pageMarks)) pageMarks[name] = performance.now();
}
// With a prepared client, the camera, token and socket came before the click (their marks are earlier than it).
window.icemeshMarks = () => ({ ...pageMarks, ...(client ? client.marks : {}) });

/**
 * Ready before the click: while the page shows the camera's preview it fetches a token for the room and name in the
 * form, opens the socket and (P2P) makes the connection its first offer will go on (IcemeshClient.prepare), so that
 * the Join click sends one message and the offer leaves when 'joined' comes. Made again when the form changes, and
 * every PREPARED_MAX_AGE_MS (below the TURN credentials' 10 minutes and the dev token's hour), so that what the click
 * finds is never stale. window.icemeshReady says it is all there.
 */
const PREPARED_MAX_AGE_MS = 4 * 60 * 1000;
let prepared = null;
window.icemeshReady = false;

/** What a prepared client depends on: the form's room, name, mode and relay choice. */
function formKey() {
  return JSON.stringify([$('room').value, $('user').value, $('mode').value, $('relay').checked]);
}

/** Whether a preparation was made for the form as it is now and is young enough to use. */
function fresh(p) {
  return p !== null && p.key === formKey() && Date.now() - p.at < PREPARED_MAX_AGE_MS;
}

function openCamera() {
  if (localStream) return Promise.resolve(localStream);
  // Simulcast layers need pixels to divide: ask for 720p (Chromium sends three layers only from 960x540 up).
  const video = params.get('simulcast') === '1' ? { width: { ideal: 1280 }, height: { ideal: 720 } } : true;
  return navigator.mediaDevices.getUserMedia({ video, audio: true }).then((stream) => {
    localStream = stream;
    $('local').srcObject = stream;
    return stream;
  });
}

function newClient(token, camera) {
  // ?ice=<JSON RTCIceServer[]> replaces signaling's list, to compare a hand-written config with icemesh's.
  const override = params.get('ice') ? JSON.parse(params.get('ice')) : null;
  // ?simulcast=1 publishes the camera to the SFU in three layers (no effect in P2P rooms).
  // signaling=<ws URL>,<ws URL>...: several signaling instances without a load balancer (./icemesh up --scale).
  const url = params.get('signaling') ? params.get('signaling').split(',') : undefined;
  // ?start-bitrate=<kbps>: what the video starts sending at (0: the browser's own); the client's default otherwise.
  const startBitrate = params.get('start-bitrate') !== null ? Number(params.get('start-bitrate')) : undefined;
  return new IcemeshClient({ token, url, localStream: camera, forceRelay: $('relay').checked, iceServers: override,
    simulcast: params.get('simulcast') === '1', startBitrateKbps: startBitrate });
}

function discardPrepared() {
  if (!prepared) return;
  clearTimeout(prepared.timer);
  prepared.client.then((c) => c && c.discard(), () => {});
  prepared = null;
  window.icemeshReady = false;
  window.icemeshReadyAt = null;
}

function prepare() {
  // ?prepare=0: nothing before the click (to compare, or for a page that must not open the camera on its own)
  if (client || $('join-button').disabled || params.get('prepare') === '0') return; // in a room, or joining
  if (fresh(prepared)) return;
  discardPrepared();
  if (!$('room').checkValidity() || !$('user').checkValidity()) return;
  const p = { key: formKey(), at: Date.now() };
  p.client = (async () => {
    const camera = await openCamera();
    const { token } = await fetchDevToken(location.href, $('room').value, $('user').value, $('mode').value);
    // Given up meanwhile (the form changed), unless a click took it: then the click waits for it.
    if (prepared !== p && !p.taken) return null;
    const c = newClient(token, camera);
    c.prepare({ p2p: $('mode').value === 'p2p' }).then(() => {
      if (prepared !== p) return;
      window.icemeshReady = true;
      window.icemeshReadyAt = performance.now();
    }, () => {});
    return c;
  })();
  p.client.catch(() => {}); // the click then goes the long way, and shows the error if it happens again
  p.timer = setTimeout(() => {
    if (prepared !== p) return;
    discardPrepared();
    prepare();
  }, PREPARED_MAX_AGE_MS);
  prepared = p;
}

/** The prepared client for the form as it is now, or null (none, stale, or its camera or token failed). */
async function takePrepared() {
  const p = prepared;
  if (!fresh(p)) {
    discardPrepared();
    return null;
  }
  clearTimeout(p.timer);
  p.taken = true;
  prepared = null;
  window.icemeshReady = false;
  window.icemeshReadyAt = null;
  return p.client.catch(() => null);
}

function status(text, error = false) {
  $('status').textContent = text;
  $('status').classList.toggle('error', error);
}

function fmt(ms) { return ms === null || ms === undefined ? '…' : `${Math.round(ms)} ms`; }

function tileFor(peerId) {
  let tile = tiles.get(peerId);
  if (tile) return tile;
  const fig = document.createElement('figure');
  fig.className = 'tile';
  fig.dataset.peer = peerId;
  fig.innerHTML = `<video autoplay playsinline></video>
    <figcaption class="timeline"><strong></strong>
      <svg viewBox="0 0 300 54" role="img" aria-label="ICE timeline"></svg>
      <dl><dt>gathering</dt><dd class="gathering">…</dd><dt>connected</dt><dd class="connected">…</dd>
      <dt>first frame</dt><dd class="frame">…</dd><dt>pair</dt><dd class="pair">…</dd>
      <dt>RTT</dt><dd class="rtt">…</dd><dt>state</dt><dd class="state">new</dd></dl>
    </figcaption>`;
  fig.querySelector('strong').textContent = `peer ${peerId}`;
  $('tiles').appendChild(fig);
  tile = { fig, video: fig.querySelector('video') };
  tiles.set(peerId, tile);
  return tile;
}

function drawChart(svg, t) {
  const bars = [['gathering', t.gatheringMs, 'bar-gathering'], ['connected', t.connectedMs, 'bar-connected'],
    ['first frame', t.firstFrameMs, 'bar-frame']];
  const max = Math.max(100, ...bars.map((b) => b[1] || 0));
  svg.innerHTML = bars.map(([label, ms, cls], i) => {
    const w = ms === null ? 0 : Math.max(1, (ms / max) * 200);
    return `<rect class="${cls}" x="80" y="${i * 18 + 2}" width="${w}" height="14"></rect>`
      + `<text x="0" y="${i * 18 + 13}">${label}</text><text x="${84 + w}" y="${i * 18 + 13}">${fmt(ms)}</text>`;
  }).join('');
}

function showTimeline(peerId, t) {
  const tile = tileFor(peerId);
  const q = (c) => tile.fig.querySelector(`.${c}`);
  q('gathering').textContent = fmt(t.gatheringMs);
  q('connected').textContent = fmt(t.connectedMs);
  q('frame').textContent = fmt(t.firstFrameMs);
  q('pair').textContent = t.localType ? `${t.localType} ↔ ${t.remoteType} (${t.protocol || '?'})` : '…';
  q('rtt').textContent = t.rttMs === null ? '…' : `${t.rttMs.toFixed(1)} ms`;
  q('state').textContent = t.restarts ? `${t.state} (${t.restarts} ICE restarts)` : t.state;
  drawChart(tile.fig.querySelector('svg'), t);
  window.icemeshStats[peerId] = { ...t };
}

async function join(event) {
  event.preventDefault();
  pageMarks = {};
  mark('click');
  $('join-button').disabled = true;
  try {
    status('Joining…');
    client = await takePrepared();
    if (!client) {
      // Not prepared (yet): the camera opens while the token is fetched and the socket opens; the client sends its
      // join once the camera is there. A real camera takes hundreds of milliseconds to open: the join's own steps
      // hide behind it.
      const camera = openCamera();
      camera.then(() => mark('camera'), () => {});
      const { token } = await fetchDevToken(location.href, $('room').value, $('user').value, $('mode').value);
      mark('token');
      client = newClient(token, camera);
    }
    client.addEventListener('peer', ({ detail: { peerId, link } }) => {
      const tile = tileFor(peerId);
      link.addEventListener('track', ({ detail }) => {
        // Through the SFU each publisher's stream gets a tile of its own; the timeline stays on the SFU's tile.
        const target = peerId === SFU && tile.video.srcObject && tile.video.srcObject !== detail.stream
          ? tileFor(`${peerId}:${detail.stream.id}`) : tile;
        target.video.srcObject = detail.stream;
        // The first remote frame the page presents: what a user sees, not one stats poll (250 ms) later.
        if (detail.track.kind === 'video' && target.video.requestVideoFrameCallback) {
          target.video.requestVideoFrameCallback((now, meta) => {
            mark('first-frame');
            // When that frame's last packet arrived, and when it went to the compositor (a WebRTC source's metadata).
            if (meta && meta.receiveTime && !('first-frame-received' in pageMarks)) {
              pageMarks['first-frame-received'] = meta.receiveTime;
            }
            if (meta && meta.presentationTime && !('first-frame-presented' in pageMarks)) {
              pageMarks['first-frame-presented'] = meta.presentationTime;
            }
          });
        }
        // A publisher that leaves the SFU room: media-service makes its sections inactive and the browser takes its
        // tracks out of its stream. Its tile goes; the SFU's own tile (with the timeline) stays, empty, for the next.
        if (peerId === SFU) {
          detail.stream.onremovetrack = () => {
            if (detail.stream.getTracks().length > 0 || target.video.srcObject !== detail.stream) return;
            if (target === tile) {
              tile.video.srcObject = null;
            } else {
              target.fig.remove();
              tiles.delete(`${peerId}:${detail.stream.id}`);
            }
          };
        }
      });
      link.addEventListener('timeline', ({ detail }) => showTimeline(peerId, detail));
      showTimeline(peerId, link.timeline);
    });
    client.addEventListener('peer-left', ({ detail: { peerId } }) => {
      const tile = tiles.get(peerId);
      if (tile) tile.fig.remove();
      tiles.delete(peerId);
      delete window.icemeshStats[peerId];
    });
    client.addEventListener('error', ({ detail }) => status(detail.message, true));
    const joined = await client.connect();
    status(`In room ${joined.room} as ${joined.peerId}${client.forceRelay ? ' (relay only)' : ''}`
      + `${client.simulcast && joined.mode === 'sfu' ? ' (simulcast)' : ''}; ${joined.peers.length} other(s) here.`);
    // The SFU forwards each subscriber one layer of every simulcast publisher: the selector asks for one for all.
    $('quality').value = 'auto';
    $('quality-label').hidden = joined.mode !== 'sfu';
    window.icemeshSession = { peerId: joined.peerId, sessionId: joined.sessionId };
    window.icemeshClient = client; // for the console and tests
    $('leave-button').disabled = false;
  } catch (e) {
    if (client) client.leave();
    client = null;
    status(e.message, true);
    $('join-button').disabled = false;
  }
}

function leave() {
  if (client) client.leave();
  client = null;
  // Ready again for the next join.
  setTimeout(prepare, 0);
  for (const [, tile] of tiles) tile.fig.remove();
  tiles.clear();
  window.icemeshStats = {};
  $('leave-button').disabled = true;
  $('join-button').disabled = false;
  $('quality-label').hidden = true;
  status('Left the room.');
}

function setQuality() {
  try {
    if (client) client.setQuality($('quality').value);
  } catch (e) {
    status(e.message, true);
  }
}

const params = new URLSearchParams(location.search);
$('join').addEventListener('submit', join);
$('leave-button').addEventListener('click', leave);
$('quality').addEventListener('change', setQuality);
if (params.get('room')) $('room').value = params.get('room');
if (params.get('user')) $('user').value = params.get('user');
if (params.get('relay') === '1') $('relay').checked = true;
if (params.get('mode') === 'sfu') $('mode').value = 'sfu';
let prepareTimer = null;
const prepareSoon = () => { clearTimeout(prepareTimer); prepareTimer = setTimeout(prepare, 300); };
for (const id of ['room', 'user']) $(id).addEventListener('input', prepareSoon);
for (const id of ['mode', 'relay']) $(id).addEventListener('change', prepare);
prepare();
// ?join=1 joins without a click (links, kiosks), once the fields above are filled and valid
if (params.get('join') === '1') $('join').requestSubmit();
