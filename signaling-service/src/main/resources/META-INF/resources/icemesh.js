// icemesh client: fetch ICE servers, join a room over signaling, connect to every peer (P2P mesh with trickle ICE
// and "perfect negotiation"), report each connection's ICE timeline, and ICE-restart a connection that fails.
// No dependencies; embed with: import { IcemeshClient } from '/icemesh.js';

const RESTART_AFTER_DISCONNECTED_MS = 4000;
const STATS_INTERVAL_MS = 250;
// An SFU connection that received media and then none for this long is reported to signaling ('sfu-stalled'), once
// per stall: with the leader's pings it finds a crashed media node in about a second instead of two.
const SFU_STALL_MS = 500;
const RECONNECT_DELAYS_MS = [250, 500, 1000, 2000, 4000];
// Relay ids remembered to drop the second copy of an early relay or a replayed one: well above the replay buffer
// signaling keeps per session (icemesh.signaling.protocol.resume-backlog, 64 by default).
const SEEN_RELAYS_KEPT = 2048;
/** The pseudo peer id of media-service in an SFU room. */
export const SFU = 'sfu';
/**
 * UDP first: a connection gathers with the list's STUN and TURN-over-UDP URLs alone, and adds TURN over TCP and TLS
 * (an ICE restart with the whole list) only when TURN over UDP gave it no relay candidate this long after gathering
 * began, or at any later ICE restart. Each extra relay transport adds an allocation and candidate pairs:
 * a relay-only call in one page took about 1.9x as long with the whole list (docs/benchmarks.md, RelayListBench).
 */
const UDP_FIRST_MS = 1000;

/**
 * The list with only its UDP ways to the servers (stun:, and turn: over UDP), or null when that holds nothing back,
 * or holds back every TURN server (a list whose TURN is TCP or TLS only is used whole).
 */
export function udpOnly(iceServers) {
  const isTurnUdp = (u) => u.startsWith('turn:') && !/[?&]transport=(?!udp)/i.test(u);
  let removed = false;
  let turnUdp = false;
  const kept = [];
  for (const server of iceServers || []) {
    const urls = [].concat(server.urls || []);
    const udp = urls.filter((u) => u.startsWith('stun:') || isTurnUdp(u));
    if (udp.length !== urls.length) removed = true;
    if (udp.some(isTurnUdp)) turnUdp = true;
    if (udp.length) kept.push({ ...server, urls: udp });
  }
  return removed && turnUdp ? kept : null;
}

/**
 * The bitrate (kbps) a connection's video starts sending at, before its bandwidth estimate has anything to go on:
 * Chromium's own default is 300 kbps, at which the first key frame takes tens of milliseconds to leave its pacer.
 * 1000 took the first frame of two connections in one page from 129 to 113 ms (median of 9, loopback;
 * docs/benchmarks.md, "Ready before the click"). The estimate adapts from there within the first second either way.
 */
export const DEFAULT_START_BITRATE_KBPS = 1000;

/** Video codecs whose sending start bitrate {@link withStartBitrate} sets (not their RTX, RED or FEC). */
const MEDIA_VIDEO_CODECS = /^(VP8|VP9|H264|H265|AV1)$/i;

/**
 * The remote description {@code sdp} with Chromium's {@code x-google-start-bitrate} on each video codec, so that
 * this side's video starts at {@code kbps} (the parameter is read from the description applied as remote). Other
 * sections, RTX, RED and FEC are left as they are, and so is a codec that has the parameter already; 0 or less
 * returns {@code sdp} unchanged. Browsers other than Chromium ignore the parameter.
 */
export function withStartBitrate(sdp, kbps) {
  if (!sdp || !(kbps > 0)) return sdp;
  const rate = Math.round(kbps);
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  // Sections: the session part, then one per m= line.
  const sections = [[]];
  for (const line of sdp.split(eol)) {
    if (line.startsWith('m=')) sections.push([]);
    sections[sections.length - 1].push(line);
  }
  for (const section of sections) {
    if (!section[0].startsWith('m=video')) continue;
    const codecs = new Set();
    const withFmtp = new Set();
    for (const line of section) {
      const m = /^a=rtpmap:(\d+) ([^/]+)\//.exec(line);
      if (m && MEDIA_VIDEO_CODECS.test(m[2])) codecs.add(m[1]);
    }
    for (let i = 0; i < section.length; i++) {
      const m = /^a=fmtp:(\d+) /.exec(section[i]);
      if (!m || !codecs.has(m[1])) continue;
      withFmtp.add(m[1]);
      if (!section[i].includes('x-google-start-bitrate=')) section[i] += `;x-google-start-bitrate=${rate}`;
    }
    for (let i = section.length - 1; i >= 0; i--) {
      const m = /^a=rtpmap:(\d+) /.exec(section[i]);
      if (m && codecs.has(m[1]) && !withFmtp.has(m[1])) {
        section.splice(i + 1, 0, `a=fmtp:${m[1]} x-google-start-bitrate=${rate}`);
      }
    }
  }
  return sections.flat().join(eol);
}

/**
 * P2P: how long after the join (and after each newcomer) the connection the next newcomer's offer will be answered on
 * is made ahead, out of the way of the set-up going on (see IcemeshClient#makeAnswerStandbySoon).
 */
const ANSWER_STANDBY_DELAY_MS = 1000;

/** A request for a fresh ICE list that got no list back (refused, or the socket was down) is asked again this soon. */
const ICE_REFRESH_RETRY_MS = 30000;

/** Peers whose tracks a client joining an SFU room offers to receive in its first offer (the rest come later). */
const MAX_PREFILLED_PEERS = 8;

/**
 * Peers a prepared SFU connection offers to receive from, before the client knows who is in the room: its offer goes
 * in the join (docs/signaling-protocol.md, "Offer with the join"). A room with more publishers gets the rest by the
 * SFU's own offer; receive sections left over stay inactive until a publisher comes.
 */
const SFU_STANDBY_PEERS = 3;

/** What setQuality asks the SFU for: its lowest, middle or highest simulcast layer, or bandwidth alone decides. */
export const QUALITIES = ['low', 'medium', 'high', 'auto'];
/**
 * The simulcast layers a camera publishes to the SFU with the simulcast option, lowest first: media-service falls
 * back on this order when it cannot tell the layers apart otherwise.
 */
const SIMULCAST_ENCODINGS = [
  { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 150000 },
  { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 500000 },
  { rid: 'f', maxBitrate: 1500000 },
];

/** GET /api/ice-servers with a room token: { iceServers, ttl, expiresAt, sessionId }. */
export async function fetchIceServers(baseUrl, token) {
  const res = await fetch(new URL('/api/ice-servers', baseUrl), { headers: { Authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`ice-servers: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
  return res.json();
}

/**
 * The ICE candidates written in a session description, as RTCIceCandidateInit objects ({@code candidate} without
 * its "a=", {@code sdpMid}, {@code sdpMLineIndex}), in order.
 */
export function candidatesIn(sdp) {
  const found = [];
  if (!sdp) return found;
  let index = -1;
  let section = [];
  // A section's a=mid may come after its candidates (Chromium writes it after them).
  const close = (mid) => section.forEach((c) => { c.sdpMid = mid; });
  let mid = null;
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('m=')) {
      close(mid);
      index++;
      section = [];
      mid = null;
    } else if (line.startsWith('a=mid:')) {
      mid = line.slice('a=mid:'.length);
    } else if (line.startsWith('a=candidate:') && index >= 0) {
      const c = { candidate: line.slice(2), sdpMid: null, sdpMLineIndex: index };
      section.push(c);
      found.push(c);
    }
  }
  close(mid);
  return found;
}

/** POST /api/dev/token (on only in dev/local profiles): { token, sessionId }. */
export async function fetchDevToken(baseUrl, room, user, mode = 'p2p') {
  const res = await fetch(new URL('/api/dev/token', baseUrl), {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ room, user, mode }),
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`token: ${body.message || 'HTTP ' + res.status}`);
  return body;
}

function candidateInfo(c) {
  // RTCIceCandidate fields; protocol of a relay candidate is the client-to-server transport when known.
  return { type: c.type, protocol: c.relayProtocol || c.protocol };
}

/**
 * One RTCPeerConnection to one remote peer, with its ICE timeline. A client's standby connection (see
 * {@link IcemeshClient#prepare}) is made with no peer (peerId null): its offer, candidates and reports are held until
 * {@link PeerLink#adopt} gives it its peer (the first one of a P2P room, or the SFU). {@code forSfu}: a standby made
 * for an SFU room, shaped as a connection to the SFU is.
 */
class PeerLink extends EventTarget {
  constructor(client, peerId, polite, awaitsOffer = false, iceServers = client.iceServers, forSfu = false) {
    super();
    this.client = client;
    this.peerId = peerId;
    this.polite = polite;
    // P2P, made at peer-joined for a newcomer (which offers to every peer already there), so that the newcomer's
    // offer finds it ready and the answer goes out sooner. No candidate pool: Chromium throws an answering
    // connection's pooled candidates away when the answer is applied and gathers again, so a pool only cost one TURN
    // allocation more per newcomer (bench/answerer-pool/run.sh). This side never offers first: an offer of its own
    // could collide with the newcomer's, which an aiortc newcomer cannot roll back (docs/signaling-protocol.md).
    this.awaitsOffer = awaitsOffer;
    this.makingOffer = false;
    this.ignoreOffer = false;
    /** When this connection was made (performance.now() ms); t0, the timeline's origin, may move to the offer. */
    this.createdAt = performance.now();
    this.t0 = this.createdAt;
    this.timeline = { peerId, gatheringMs: null, connectedMs: null, firstFrameMs: null, localType: null,
      remoteType: null, protocol: null, rttMs: null, state: 'new', candidates: [], relays: [], restarts: 0,
      framesDecoded: 0 };
    // UDP first (see UDP_FIRST_MS): the whole list waits until UDP shows it does not reach the servers.
    const udp = udpOnly(iceServers);
    this.heldBack = udp !== null;
    /** Standby only: timeline reports made before the connection had a peer (sent, at t 0, when it gets one). */
    this.heldReports = [];
    /** Standby only: the offer is applied and waits for a peer; resolves when it is. */
    this.offerHeld = false;
    this.offerApplied = new Promise((resolve, reject) => {
      this.onOfferApplied = resolve;
      this.onOfferFailed = reject;
    });
    this.offerApplied.catch(() => {}); // prepare() reports it
    this.pc = new RTCPeerConnection({
      iceServers: udp || iceServers,
      iceTransportPolicy: client.forceRelay ? 'relay' : 'all',
      bundlePolicy: 'max-bundle',
    });
    client.mark('link-made');
    this.remoteStream = new MediaStream();
    const stream = client.localStream;
    for (const track of stream ? stream.getTracks() : []) {
      // Only the SFU can forward one layer per subscriber; a peer gets one encoding, as the browser chooses.
      if (client.simulcast && (peerId === SFU || forSfu) && track.kind === 'video') {
        this.pc.addTransceiver(track, { direction: 'sendonly', streams: [stream],
          sendEncodings: SIMULCAST_ENCODINGS.map((e) => ({ ...e })) });
      } else {
        this.pc.addTrack(track, stream);
      }
    }
    if (!client.localStream) {
      this.pc.addTransceiver('video', { direction: 'recvonly' });
      this.pc.addTransceiver('audio', { direction: 'recvonly' });
    }
    if (peerId === SFU || forSfu) {
      // Receive sections for the peers already in the room: media-service fills them with their tracks in its
      // answer, so their media flows after one offer/answer instead of waiting for the SFU's own offer. A standby
      // does not know them yet: it guesses.
      const others = forSfu ? SFU_STANDBY_PEERS : Math.min(client.peersAtJoin || 0, MAX_PREFILLED_PEERS);
      for (let i = 0; i < others; i++) {
        this.pc.addTransceiver('audio', { direction: 'recvonly' });
        this.pc.addTransceiver('video', { direction: 'recvonly' });
      }
    }
    this.wire();
  }

  elapsed() { return Math.round(performance.now() - this.t0); }

  report(entry) {
    if (this.peerId === null) this.heldReports.push(entry);
    else this.client.report({ ...entry, t: this.elapsed() });
  }

  /**
   * A standby connection gets its peer: the first one already in the P2P room the client joined, or the SFU. Its
   * timeline starts now (what happened before, gathering included, is reported at t 0), and its offer, made and
   * applied before the join, goes at once with every candidate gathered so far in it; later candidates trickle as
   * usual. {@code offered}: signaling already gave this peer the offer the join carried, so only candidates gathered
   * since then go (to a P2P peer; the SFU takes none).
   */
  adopt(peerId, polite, offered = false) {
    this.peerId = peerId;
    this.polite = polite;
    this.timeline.peerId = peerId;
    this.t0 = performance.now();
    if (this.timeline.gatheringMs !== null) this.timeline.gatheringMs = 0;
    for (const entry of this.heldReports.splice(0)) this.client.report({ ...entry, t: 0 });
    // UDP first counts from when gathering began: a standby that gathered long before the join and got no relay
    // over UDP restarts with the whole list (the client's, which 'joined' brought) once the first answer is in.
    if (this.gatheringSince !== undefined) {
      this.armUdpFirst(UDP_FIRST_MS - (performance.now() - this.gatheringSince));
    }
    if (offered) {
      // Signaling gave the offer sent with the join to this peer: only candidates gathered since go now (none to
      // the SFU, which learns the client's addresses from its checks).
      this.offerHeld = false;
      if (peerId === SFU) return;
      const sent = new Set(candidatesIn(this.offerInJoin).map((c) => `${c.sdpMid} ${c.candidate}`));
      for (const c of candidatesIn(this.pc.localDescription.sdp)) {
        if (!sent.has(`${c.sdpMid} ${c.candidate}`)) this.client.send({ type: 'candidate', to: peerId, candidate: c });
      }
      return;
    }
    // An offer still being applied goes from onnegotiationneeded once it is, now that the connection has a peer.
    if (this.offerHeld && !this.makingOffer) {
      this.offerHeld = false;
      this.client.send({ type: 'offer', to: peerId, sdp: this.pc.localDescription.sdp });
      this.client.mark('offer-sent');
    }
  }

  changed() { this.dispatchEvent(new CustomEvent('timeline', { detail: this.timeline })); }

  wire() {
    const pc = this.pc;
    pc.onnegotiationneeded = async () => {
      this.client.mark('negotiation-needed');
      // Towards the SFU the client offers once; afterwards only the SFU offers (an ICE restart is asked for).
      if (this.peerId === SFU && this.offered) return;
      // Made for a newcomer, which offers: answering its offer settles what this side would have offered.
      if (this.awaitsOffer && !pc.remoteDescription) return;
      this.offered = true;
      try {
        this.makingOffer = true;
        await pc.setLocalDescription();
        this.client.mark('offer-applied');
        if (this.peerId === null) {
          // A standby connection: the offer goes when it gets its peer (adopt).
          this.offerHeld = true;
          this.onOfferApplied();
          return;
        }
        this.client.send({ type: 'offer', to: this.peerId, sdp: pc.localDescription.sdp });
        this.client.mark('offer-sent');
      } catch (e) {
        if (this.peerId === null) this.onOfferFailed(e);
        this.client.error(e);
      } finally {
        this.makingOffer = false;
      }
    };
    pc.onicecandidate = ({ candidate, url: eventUrl }) => {
      if (!candidate) return;
      this.client.mark(`candidate-${candidate.type}`);
      // The server a candidate came from: RTCIceCandidate.url where the browser has it, else the event's (older).
      const url = candidate.url || eventUrl;
      // A standby connection's candidates go inside its offer (its local description) when it gets its peer.
      if (this.peerId !== null) {
        this.client.send({ type: 'candidate', to: this.peerId, candidate: candidate.toJSON() });
      }
      const info = candidateInfo(candidate);
      this.timeline.candidates.push(info.type);
      // A relay candidate shows TURN over UDP works while the list is held back (a server-reflexive one would only
      // show STUN does): see the UDP_FIRST_MS timer.
      if (info.type === 'relay') this.timeline.relays.push(info.protocol);
      if (['host', 'srflx', 'prflx', 'relay'].includes(info.type)) {
        const entry = { event: 'candidate', candidateType: info.type };
        if (['udp', 'tcp', 'tls'].includes(info.protocol)) entry.protocol = info.protocol;
        if (url && /^(stuns?|turns?):/.test(url)) entry.url = url;
        // A server-reflexive candidate's mapped port and its socket's own port: two STUN servers giving one socket
        // two different ports show a NAT that maps by destination (symmetric); monitor's diagnosis names it.
        if (info.type === 'srflx' && candidate.port && candidate.relatedPort) {
          entry.port = candidate.port;
          entry.relatedPort = candidate.relatedPort;
        }
        this.report(entry);
      }
    };
    pc.onicegatheringstatechange = () => {
      if (pc.iceGatheringState === 'gathering') {
        this.report({ event: 'gathering-started' });
        if (this.gatheringSince === undefined) this.gatheringSince = performance.now();
        // A standby connection arms it when it gets its peer: before that, a restart would have only the client's
        // list, empty until 'joined' brings it.
        if (this.peerId !== null) this.armUdpFirst(UDP_FIRST_MS);
      }
      if (pc.iceGatheringState === 'complete') {
        this.timeline.gatheringMs = this.elapsed();
        this.report({ event: 'gathering-complete' });
        this.changed();
      }
    };
    pc.oniceconnectionstatechange = () => {
      const state = pc.iceConnectionState;
      this.client.mark(`ice-${state}`);
      this.timeline.state = state;
      this.report({ event: 'ice-state', state });
      if ((state === 'connected' || state === 'completed') && this.timeline.connectedMs === null) {
        this.timeline.connectedMs = this.elapsed();
        this.pollStats();
      }
      if (state === 'failed') this.restart('failed');
      if (state === 'disconnected') {
        clearTimeout(this.disconnectTimer);
        this.disconnectTimer = setTimeout(() => {
          if (pc.iceConnectionState === 'disconnected') this.restart('disconnected');
        }, RESTART_AFTER_DISCONNECTED_MS);
      }
      this.changed();
    };
    pc.onconnectionstatechange = () => {
      // 'connected' here is ICE and DTLS both done: SRTP keys exist and media can flow.
      if (pc.connectionState === 'connected') this.client.mark('dtls-connected');
    };
    pc.ontrack = ({ track, streams }) => {
      this.client.mark('track');
      // From a peer: its one stream. From the SFU: one stream per publisher (its msid), each its own tile.
      const stream = streams && streams[0] ? streams[0] : this.remoteStream;
      if (stream === this.remoteStream) this.remoteStream.addTrack(track);
      this.dispatchEvent(new CustomEvent('track', { detail: { stream, track } }));
    };
  }

  /** UDP first (see UDP_FIRST_MS): restarts ICE with the whole list if no relay over UDP came within delayMs. */
  armUdpFirst(delayMs) {
    if (!this.heldBack || this.udpTimer) return;
    this.udpTimer = setTimeout(() => {
      const udpRelayed = this.timeline.relays.length > 0;
      if (this.heldBack && !udpRelayed && this.pc.connectionState !== 'connected') this.restart('udp-silent');
    }, Math.max(0, delayMs));
  }

  restart(why) {
    // Every ICE restart gathers with the client's whole list as it is now: TURN over TCP and TLS too (UDP first is
    // over), and the freshest TURN credentials (joined, resumed and the client's refreshes bring them; the ones this
    // connection was made with may have expired, and a new allocation needs valid ones).
    this.heldBack = false;
    try {
      this.pc.setConfiguration({ ...this.pc.getConfiguration(), iceServers: this.client.iceServers });
    } catch (e) {
      this.client.error(e);
    }
    this.timeline.restarts++;
    if (why === 'failed') this.report({ event: 'failed', reason: 'ice failed; restarting ICE' });
    // A peer gets a new offer with new ICE credentials; the SFU is asked to send one (it is the only offerer).
    if (this.peerId === SFU) this.client.send({ type: 'ice-restart', to: SFU });
    else this.pc.restartIce();
  }

  async onDescription(description) {
    const pc = this.pc;
    const collision = description.type === 'offer' && (this.makingOffer || pc.signalingState !== 'stable');
    this.ignoreOffer = !this.polite && collision;
    this.client.mark(`${description.type}-received`);
    if (this.ignoreOffer) return;
    if (this.awaitsOffer) {
      // The timeline counts from the newcomer's offer, as for a connection made when the offer arrives.
      this.awaitsOffer = false;
      this.t0 = performance.now();
    }
    // This side's video starts at the client's start bitrate (read from the description applied as remote).
    await pc.setRemoteDescription({ type: description.type,
      sdp: withStartBitrate(description.sdp, this.client.startBitrateKbps) });
    this.client.mark(`${description.type}-applied-remote`);
    if (description.type === 'offer') {
      // The answer leaves before it is applied here: applying it (transports, gathering) takes this page 5-30 ms on
      // busy cores, which the offerer, whose DTLS waits for the answer's fingerprint, no longer waits for. Its
      // candidates trickle once gathering starts, as before.
      const answer = await pc.createAnswer();
      this.client.mark('answer-made');
      this.client.send({ type: 'answer', to: this.peerId, sdp: answer.sdp });
      this.client.mark('answer-sent');
      await pc.setLocalDescription(answer);
      this.client.mark('answer-applied');
    }
  }

  async onCandidate(candidate) {
    this.client.mark('remote-candidate');
    try {
      await this.pc.addIceCandidate(candidate);
    } catch (e) {
      if (!this.ignoreOffer) this.client.error(e);
    }
  }

  async pollStats() {
    clearInterval(this.statsTimer);
    this.statsTimer = setInterval(async () => {
      if (this.pc.connectionState === 'closed') return clearInterval(this.statsTimer);
      const stats = await this.pc.getStats();
      let pair = null;
      let frames = 0;
      let decodingVideo = 0;
      let audioPackets = 0;
      let rtpPackets = 0;
      stats.forEach((s) => {
        if (s.type === 'inbound-rtp') rtpPackets += s.packetsReceived || 0;
        if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId);
        if (s.type === 'inbound-rtp' && s.kind === 'video') {
          frames += s.framesDecoded || 0;
          if (s.framesDecoded > 0) decodingVideo++;
        }
        if (s.type === 'inbound-rtp' && s.kind === 'audio') audioPackets += s.packetsReceived || 0;
      });
      if (pair) {
        const local = stats.get(pair.localCandidateId);
        const remote = stats.get(pair.remoteCandidateId);
        const localType = local && local.candidateType;
        const first = this.timeline.localType === null;
        this.timeline.localType = localType;
        this.timeline.remoteType = remote && remote.candidateType;
        this.timeline.protocol = local && (local.relayProtocol || local.protocol);
        this.timeline.rttMs = pair.currentRoundTripTime !== undefined ? pair.currentRoundTripTime * 1000 : null;
        if (first && localType) {
          const entry = { event: 'selected-pair', local: this.timeline.localType, remote: this.timeline.remoteType };
          if (['udp', 'tcp', 'tls'].includes(this.timeline.protocol)) entry.protocol = this.timeline.protocol;
          if (this.timeline.rttMs !== null) entry.rttMs = this.timeline.rttMs;
          this.report(entry);
        }
      }
      if (this.peerId === SFU) this.watchStall(rtpPackets);
      this.timeline.framesDecoded = frames;
      // Through the SFU one connection carries every publisher's video: how many of them decode.
      this.timeline.videoStreamsDecoding = decodingVideo;
      const hasVideo = this.pc.getReceivers().some((r) => r.track && r.track.kind === 'video');
      if (this.timeline.firstFrameMs === null && (frames > 0 || (!hasVideo && audioPackets > 0))) {
        this.timeline.firstFrameMs = this.elapsed();
        this.client.mark('first-frame-stats');
        this.report({ event: 'first-media' });
      }
      this.changed();
    }, STATS_INTERVAL_MS);
  }

  /**
   * SFU connection: media that stops for {@link SFU_STALL_MS} after it flowed (its node crashed, or the publishers
   * all stopped) is reported once, until media flows again. Signaling's leader moves the room only if the node also
   * left its pings unanswered for 0.6 s, so a report about a node that answers in time changes nothing.
   */
  watchStall(rtpPackets) {
    // The stats were read before an await: this connection may have been replaced (sfu-moved) meanwhile.
    if (this.pc.connectionState === 'closed' || this.client.links.get(SFU) !== this) return;
    const now = performance.now();
    if (rtpPackets !== this.lastRtpPackets) {
      this.lastRtpPackets = rtpPackets;
      this.lastRtpAt = now;
      this.stallReported = false;
      return;
    }
    if (rtpPackets > 0 && !this.stallReported && now - this.lastRtpAt >= SFU_STALL_MS) {
      this.stallReported = true;
      this.client.send({ type: 'sfu-stalled', to: SFU });
    }
  }

  close() {
    clearInterval(this.statsTimer);
    clearTimeout(this.disconnectTimer);
    clearTimeout(this.udpTimer);
    this.pc.close();
  }
}

/**
 * A member of a room. Events: 'joined' {peerId, sessionId, room}, 'peer-joined' {peerId, user}, 'peer' {peerId,
 * link} for every new connection,
 * 'peer-left' {peerId}, 'error' {message}, 'closed'.
 */
export class IcemeshClient extends EventTarget {
  /**
   * @param {object} o
   * @param {string} o.token room token
   * @param {string|string[]} [o.url] WebSocket URL, default ws(s)://<this host>/ws; or several signaling instances'
   *   URLs: after a drop (an instance died, or closed the socket with 1012 resume-elsewhere while draining) the
   *   client resumes on the next one. Behind a load balancer one URL is enough: reconnecting reaches a live instance.
   * @param {MediaStream|Promise<MediaStream>} [o.localStream] what to send; a promise lets the token's socket open
   *   while the camera opens: the join is sent once it has (so the room never sees a peer without its tracks), and
   *   connect() fails with the camera's error if it fails
   * @param {boolean} [o.forceRelay] iceTransportPolicy 'relay'
   * @param {RTCIceServer[]} [o.iceServers] use these instead of the list signaling hands out (for comparisons)
   * @param {boolean} [o.simulcast] in SFU rooms, publish the camera in three layers (a quarter, half and full
   *   resolution) so that the SFU can forward each subscriber the one that suits it; no effect in P2P rooms
   * @param {number} [o.startBitrateKbps] what this client's video starts sending at, before the bandwidth estimate
   *   knows better (Chromium; {@link DEFAULT_START_BITRATE_KBPS}); 0 leaves the browser's own (300 kbps)
   */
  constructor({ token, url, localStream = null, forceRelay = false, iceServers = null, simulcast = false,
    startBitrateKbps = DEFAULT_START_BITRATE_KBPS }) {
    super();
    this.startBitrateKbps = startBitrateKbps;
    this.token = token;
    const urls = Array.isArray(url) ? url : [url || `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`];
    this.urls = urls.length ? urls : [`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`];
    this.urlIndex = 0;
    this.localStream = localStream instanceof Promise ? null : localStream;
    this.localStreamReady = Promise.resolve(localStream).then((s) => { this.localStream = s; return s; });
    this.localStreamReady.catch(() => {}); // handled where the join waits for it
    this.forceRelay = forceRelay;
    this.simulcast = simulcast;
    this.links = new Map();
    this.iceServersOverride = iceServers;
    this.iceServers = iceServers || [];
    this.lastSeq = 0;
    /** Relay ids (rid) of offers, answers and candidates already handled: each may come twice (early relay). */
    this.seenRelays = new Set();
    this.pendingReports = [];
    this.closed = false;
    /** When things first happened, in performance.now() ms: see {@link IcemeshClient#mark}. */
    this.marks = {};
    /** Made by prepare(): the connection the first offer goes on (to a P2P room's first peer, or the SFU), no peer yet. */
    this.standby = null;
    this.standbyUntil = 0;
    /** P2P, in a room: the connection the next newcomer's offer will be answered on, with no peer yet. */
    this.answerStandby = null;
  }

  /**
   * P2P, in a room: makes, {@link ANSWER_STANDBY_DELAY_MS} from now, the connection the next newcomer's offer will be
   * answered on (its tracks added; no offer, no gathering, no TURN allocation until that offer), so that 'peer-joined'
   * only hands it its peer: the newcomer's offer, sent the moment it is joined, no longer waits behind the making of
   * an RTCPeerConnection. Made again after each newcomer and with each fresh ICE list.
   */
  makeAnswerStandbySoon() {
    clearTimeout(this.answerStandbyTimer);
    this.answerStandbyTimer = setTimeout(() => {
      if (this.closed || this.mode !== 'p2p' || this.answerStandby) return;
      this.answerStandby = new PeerLink(this, null, false, true);
      // The list it gathers with: a newer one (a refresh, a resume) makes it stale.
      this.answerStandby.madeWith = this.iceServers;
    }, ANSWER_STANDBY_DELAY_MS);
  }

  dropAnswerStandby() {
    clearTimeout(this.answerStandbyTimer);
    if (this.answerStandby) this.answerStandby.close();
    this.answerStandby = null;
  }

  /** A newcomer joined: its connection is the answer standby if there is a usable one, else one made now. */
  linkNewcomer(peerId) {
    // Its offer (or a candidate) came first and made the connection already: the standby waits for the next.
    if (this.links.has(peerId)) return;
    const link = this.answerStandby;
    this.answerStandby = null;
    const usable = link && link.madeWith === this.iceServers && link.pc.signalingState === 'stable'
      && !link.pc.remoteDescription;
    if (usable) {
      link.adopt(peerId, this.politeTowards(peerId));
      this.attach(peerId, link);
    } else {
      if (link) link.close();
      this.link(peerId, true);
    }
    this.makeAnswerStandbySoon();
  }

  /**
   * Gets ready to join before the user asks, as a page does while it shows the camera's preview: opens the socket
   * (the join goes on it at connect()), and makes the connection the newcomer's first offer goes on (to a P2P room's
   * first peer, or to the SFU), with its ICE servers from {@code GET /api/ice-servers}, its offer applied and its
   * candidates gathering. At connect() the join is one message that carries that offer: signaling gives it to the
   * peer or the SFU as the room log admits the client, instead of after 'joined' reached the page and the
   * connection and offer were made (docs/benchmarks.md, "Ready before the click"; docs/signaling-protocol.md, "Offer
   * with the join"). A standby whose TURN credentials are past half their lifetime at the join is not used.
   * Resolves when the socket is open and the standby's offer is applied; rejects if the ICE servers cannot be
   * fetched or the camera fails (connect() then works as without prepare()).
   * @param {object} [o]
   * @param {boolean} [o.p2p] true for a P2P room, false for an SFU room: the standby connection is made for the SFU
   *   (its offer, with receive sections for a few publishers, goes in the join too)
   * @param {string} [o.baseUrl] where /api/ice-servers is (this page's origin by default)
   */
  prepare({ p2p = true, baseUrl = location.href } = {}) {
    if (!this.ws) this.open(null);
    const ws = this.ws;
    const socketOpen = ws.readyState === WebSocket.OPEN ? Promise.resolve()
      : new Promise((resolve, reject) => {
        ws.addEventListener('open', () => resolve(), { once: true });
        ws.addEventListener('close', () => reject(new Error('the socket closed before the join')), { once: true });
      });
    const standby = (async () => {
      const list = this.iceServersOverride ? null : await fetchIceServers(baseUrl, this.token);
      await this.localStreamReady;
      // Joined meanwhile (the join did not wait for this), or gone: nothing to prepare.
      if (this.closed || this.peerId) return;
      const ttlMs = list && list.ttl ? list.ttl * 1000 : 10 * 60 * 1000;
      this.standbyUntil = Date.now() + ttlMs / 2;
      this.standby = new PeerLink(this, null, false, false, list ? list.iceServers : this.iceServersOverride, !p2p);
      await this.standby.offerApplied;
    })();
    return Promise.all([socketOpen, standby]).then(() => undefined);
  }

  /**
   * The standby connection becomes the one to this peer, if there is one young enough; else it is closed. True if
   * it did.
   */
  adoptStandby(peerId, offered = false) {
    const link = this.standby;
    this.standby = null;
    if (!link) return false;
    // Signaling gave this peer the offer the join carried: that connection is the one it answers, whatever its age.
    const given = offered && link.offerInJoin && link.pc.signalingState === 'have-local-offer';
    // Not used: past half its credentials' lifetime, closed, or its offer failed (it would never negotiate).
    const offerFailed = link.offered && !link.offerHeld && !link.makingOffer;
    if (!given && (Date.now() > this.standbyUntil || link.pc.signalingState === 'closed' || offerFailed)) {
      link.close();
      return false;
    }
    if (given) this.mark('offer-sent', this.joinOfferSentAt);
    link.adopt(peerId, this.politeTowards(peerId), given);
    this.attach(peerId, link);
    return true;
  }

  dropStandby() {
    if (this.standby) this.standby.close();
    this.standby = null;
  }

  /** Gives up a prepared client that never joined: its socket and standby connection close, nothing is sent. */
  discard() {
    this.closed = true;
    this.dropStandby();
    if (this.ws) this.ws.close();
  }

  /**
   * Notes the first time something happened on this client's way to media (socket open, joined, offer sent or
   * received, first candidate of each type, ICE and DTLS states, first track and frame), in performance.now()
   * milliseconds, so that a page or a benchmark can tell which stage costs the time. Later repeats are ignored.
   * {@code at} is when it happened, if not now.
   */
  mark(name, at = performance.now()) {
    if (!(name in this.marks)) this.marks[name] = at;
  }

  /** Opens the socket (or takes the one prepare() opened) and joins; resolves with the 'joined' message. */
  connect() {
    return new Promise((resolve, reject) => {
      this.onJoined = resolve;
      this.onJoinFailed = reject;
      const ws = this.ws;
      if (ws && !ws.first && (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN)) {
        ws.first = this.joinMessage();
        if (ws.readyState === WebSocket.OPEN) this.sendFirst(ws);
      } else {
        this.open(this.joinMessage());
      }
    });
  }

  /**
   * The join this client sends: with its token, asking for early relay, and with the standby connection's offer when
   * prepare() made one that is ready and young enough. Signaling gives that offer to the first peer already in a P2P
   * room as the room log admits this client, or to the SFU right after 'joined', and says so in 'joined'
   * ({@code offeredTo}): the offer no longer waits for 'joined' to reach this page and come back
   * (docs/signaling-protocol.md, "Offer with the join"). prepare()'s p2p option shapes the offer: one made for the
   * other kind of room still works, with fewer receive sections or more than it needs.
   */
  joinMessage() {
    const join = { type: 'join', token: this.token, earlyRelay: true };
    const link = this.standby;
    if (link && link.offerHeld && !link.makingOffer && Date.now() <= this.standbyUntil
        && link.pc.signalingState === 'have-local-offer') {
      link.offerInJoin = link.pc.localDescription.sdp;
      join.offer = link.offerInJoin;
    }
    return join;
  }

  /** Opens a socket that sends {@code first} (join or resume) once open; none yet for prepare()'s socket. */
  open(first, attempt = 0) {
    const ws = new WebSocket(this.urls[this.urlIndex]);
    ws.first = first;
    this.ws = ws;
    ws.onopen = () => {
      this.mark('socket-open');
      if (ws.first) this.sendFirst(ws);
    };
    ws.onmessage = (e) => this.onMessage(JSON.parse(e.data));
    ws.onclose = () => {
      if (this.closed || ws !== this.ws) return;
      // prepare()'s socket closed before any join: connect() opens another.
      if (!ws.first) {
        this.ws = null;
        return;
      }
      // A resume that did not get through backs off; a socket that was serving starts over.
      this.reconnect(ws.first.type === 'resume' && !this.resumedOnce ? attempt + 1 : 0);
    };
  }

  /** Sends an open socket's first message; a join waits for the camera, so the room never sees a peer without it. */
  async sendFirst(ws) {
    if (ws.first.type === 'join') {
      try {
        await this.localStreamReady;
      } catch (e) {
        this.closed = true;
        ws.close();
        if (this.onJoinFailed) this.onJoinFailed(e);
        return;
      }
      if (ws !== this.ws || this.closed) return;
    }
    ws.send(JSON.stringify(ws.first));
    // When the join's offer left: its 'offer-sent' once 'joined' says signaling passed it on (adoptStandby).
    if (ws.first.offer) this.joinOfferSentAt = performance.now();
  }

  reconnect(attempt) {
    const delay = RECONNECT_DELAYS_MS[Math.min(attempt, RECONNECT_DELAYS_MS.length - 1)];
    // Room state is shared by every signaling instance: resume on the next one (the one we had may be gone).
    this.urlIndex = (this.urlIndex + 1) % this.urls.length;
    this.resumedOnce = false;
    setTimeout(() => {
      if (this.closed) return;
      // Never joined yet (the socket closed while the camera opened, or before the join was answered): join.
      this.open(this.resumeToken
        ? { type: 'resume', resumeToken: this.resumeToken, lastSeq: this.lastSeq, earlyRelay: true }
        : this.joinMessage(), attempt);
    }, delay);
  }

  /**
   * The session is gone from the room (its resume grace passed, or messages it missed are no longer kept): every
   * link is closed (the others saw it leave) and the client joins again, as a newcomer that offers to everyone.
   */
  rejoin() {
    this.dropAnswerStandby();
    clearTimeout(this.iceRefreshTimer); // 'joined' brings a fresh list and re-arms it
    for (const peerId of [...this.links.keys()]) this.drop(peerId);
    this.resumeToken = null;
    this.lastSeq = 0;
    const old = this.ws;
    this.open(this.joinMessage());
    if (old) old.close();
  }

  send(msg) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  report(entry) {
    this.pendingReports.push(entry);
    clearTimeout(this.reportTimer);
    this.reportTimer = setTimeout(() => this.flushReports(), 200);
  }

  flushReports() {
    while (this.pendingReports.length) {
      this.send({ type: 'report', entries: this.pendingReports.splice(0, 50) });
    }
  }

  error(e) {
    this.dispatchEvent(new CustomEvent('error', { detail: { message: e.message || String(e) } }));
  }

  link(peerId, awaitsOffer = false) {
    return this.links.get(peerId)
      || this.attach(peerId, new PeerLink(this, peerId, this.politeTowards(peerId), awaitsOffer));
  }

  /** Perfect negotiation's role towards a peer: the SFU never rolls back an offer, so this side is polite to it. */
  politeTowards(peerId) {
    return peerId === SFU || this.peerId > peerId;
  }

  /** Makes {@code link} this client's connection to {@code peerId} and tells the page ('peer'); returns it. */
  attach(peerId, link) {
    this.links.set(peerId, link);
    this.dispatchEvent(new CustomEvent('peer', { detail: { peerId, link } }));
    return link;
  }

  drop(peerId) {
    const link = this.links.get(peerId);
    if (link) {
      link.close();
      this.links.delete(peerId);
    }
    this.dispatchEvent(new CustomEvent('peer-left', { detail: { peerId } }));
  }

  /**
   * Whether a relayed message was handled already. With earlyRelay, a peer's offer, answer or candidate comes first
   * straight from signaling when both sockets are on one instance (no seq), then again from the room log with its
   * seq and the same rid; a resume may replay it once more. The first copy is handled, later ones only count.
   */
  seenRelay(rid) {
    if (!rid) return false;
    if (this.seenRelays.has(rid)) return true;
    this.seenRelays.add(rid);
    if (this.seenRelays.size > SEEN_RELAYS_KEPT) this.seenRelays.delete(this.seenRelays.values().next().value);
    return false;
  }

  async onMessage(m) {
    // When each kind of message first reached the page (before any handling): the signaling hop ends here.
    this.mark(`message-${m.type}`);
    if (m.seq) this.lastSeq = Math.max(this.lastSeq, m.seq);
    if (this.seenRelay(m.rid)) return;
    switch (m.type) {
      case 'joined':
        this.mark('joined');
        this.peerId = m.peerId;
        // The peer signaling gave the join's offer to (docs/signaling-protocol.md, "Offer with the join"), if any.
        this.offeredTo = m.offeredTo || null;
        this.mode = m.mode;
        this.sessionId = m.sessionId;
        this.resumeToken = m.resumeToken;
        this.iceServers = this.iceServersOverride || m.iceServers;
        this.refreshIceServersIn(m.iceServersTtl);
        this.dispatchEvent(new CustomEvent('joined', { detail: m }));
        if (this.onJoined) this.onJoined(m);
        // The newcomer offers: to everyone already there (p2p), or once to the SFU, which then renegotiates on its
        // own as others publish. Adding tracks triggers the offer.
        this.peersAtJoin = m.peers.length;
        if (m.mode === 'sfu') {
          // The SFU answers the offer the join carried (offeredTo): the standby that made it is the SFU connection.
          if (!(m.offeredTo === SFU && this.adoptStandby(SFU, true))) {
            this.dropStandby();
            this.link(SFU);
          }
        } else {
          // The first peer gets the standby connection made by prepare(), if any: its offer is ready to go.
          if (m.peers.length) this.adoptStandby(m.peers[0].peerId, m.offeredTo === m.peers[0].peerId);
          else this.dropStandby();
          for (const p of m.peers) this.link(p.peerId);
          this.makeAnswerStandbySoon();
        }
        break;
      case 'sfu-moved':
        // The room moved to another media node (the old one drains or is gone): a new connection to the SFU, which
        // offers as at join, with receive sections for the peers already there.
        this.peersAtJoin = m.peers || 0;
        this.drop(SFU);
        this.link(SFU);
        this.dispatchEvent(new CustomEvent('sfu-moved', { detail: { reason: m.reason } }));
        break;
      case 'sfu-ended':
        this.drop(SFU);
        this.error(new Error(`the SFU ended this connection: ${m.reason}`));
        break;
      case 'resumed':
      case 'ice-servers':
        if (m.type === 'resumed') {
          this.resumedOnce = true;
          // A connection to a peer no longer in the room goes: one that left meanwhile (its peer-left, replayed
          // next, finds nothing more to close), or a newcomer whose offer came ahead of its join while the room
          // refused that join as this socket dropped (the peer-left 'refused' went to the old socket).
          if (this.mode === 'p2p' && Array.isArray(m.peers)) {
            const present = new Set(m.peers.map((p) => p.peerId));
            for (const id of [...this.links.keys()]) if (!present.has(id)) this.drop(id);
          }
        }
        this.iceServers = this.iceServersOverride || m.iceServers;
        this.refreshIceServersIn(m.iceServersTtl);
        // The answer standby was made with the old list: made again with this one.
        if (this.answerStandby) {
          this.dropAnswerStandby();
          this.makeAnswerStandbySoon();
        }
        break;
      case 'peer-joined':
        // The newcomer offers to everyone already there; this side answers when its offer arrives, on a connection
        // made now (PeerLink's awaitsOffer). (Perfect negotiation still resolves glare from later renegotiations and
        // ICE restarts.)
        this.dispatchEvent(new CustomEvent('peer-joined', { detail: { peerId: m.peerId, user: m.user } }));
        if (this.mode === 'p2p') this.linkNewcomer(m.peerId);
        break;
      case 'peer-left':
        // Also (reason 'refused', no seq) for a newcomer whose offer came ahead of its join and the room did not
        // take: the connection made for that offer goes.
        this.drop(m.peerId);
        break;
      case 'offer':
      case 'answer':
        // A newcomer's offer may come ahead of its peer-joined (docs/signaling-protocol.md, "Offer with the join"):
        // it is answered on the answer standby, as after peer-joined.
        if (m.type === 'offer' && this.mode === 'p2p' && !this.links.has(m.from)) this.linkNewcomer(m.from);
        try {
          await this.link(m.from).onDescription({ type: m.type, sdp: m.sdp });
        } catch (e) {
          this.error(e);
        }
        break;
      case 'candidate':
        await this.link(m.from).onCandidate(m.candidate);
        break;
      case 'error':
        if (this.onJoinFailed && !this.peerId) this.onJoinFailed(new Error(`${m.code}: ${m.message}`));
        if (m.code === 'bad-resume') this.rejoin();
        // This instance cannot reach room state now (a resume, or a message while serving): resume on the next one.
        if (m.code === 'unavailable' && this.resumeToken && this.ws) this.ws.close();
        this.error(new Error(`${m.code}: ${m.message}`));
        break;
      default:
        break;
    }
  }

  /**
   * Asks signaling for a fresh list (new TURN credentials) at half the lifetime of the one just received, so that
   * connections made later (for a newcomer) and ICE restarts never gather with expired credentials. Connections
   * already up keep theirs: turn-service keeps an allocation alive with the credential that made it.
   * @param {number} ttlSeconds the list's iceServersTtl
   */
  refreshIceServersIn(ttlSeconds) {
    clearTimeout(this.iceRefreshTimer);
    if (this.iceServersOverride || this.closed) return;
    const ttlMs = (ttlSeconds > 0 ? ttlSeconds : 600) * 1000;
    // Asked again until a list comes (its reply re-arms this for the new list).
    const ask = () => {
      this.send({ type: 'ice-servers' });
      this.iceRefreshTimer = setTimeout(ask, ICE_REFRESH_RETRY_MS);
    };
    this.iceRefreshTimer = setTimeout(ask, ttlMs / 2);
  }

  /**
   * SFU rooms: asks the SFU for a simulcast layer of what this client receives; it is served as asked.
   * A refusal arrives later as an 'error' event (media-error).
   * @param {string} quality 'low', 'medium' or 'high' (the publisher's lowest, middle or highest layer), or 'auto'
   *   (no request: the client's bandwidth estimate decides, the default)
   * @param {string} [trackId] the MediaStreamTrack.id of one received track; all received tracks when omitted
   * @throws {Error} before joining, in a P2P room, or for a quality or trackId signaling would refuse
   */
  setQuality(quality, trackId) {
    if (!this.mode) throw new Error('setQuality: join a room first');
    if (this.mode !== 'sfu') throw new Error(`setQuality: only SFU rooms forward layers; this room is ${this.mode}`);
    if (!QUALITIES.includes(quality)) throw new Error(`setQuality: quality must be one of ${QUALITIES.join(', ')}`);
    const msg = { type: 'set-quality', to: SFU, quality };
    if (trackId !== undefined && trackId !== null) {
      if (typeof trackId !== 'string' || !trackId.trim() || trackId.length > 128) {
        throw new Error('setQuality: trackId must be a non-blank string of at most 128 characters');
      }
      msg.trackId = trackId;
    }
    this.send(msg);
  }

  /** Leaves the room and closes every connection. */
  leave() {
    this.closed = true;
    this.flushReports();
    this.send({ type: 'leave' });
    clearTimeout(this.iceRefreshTimer);
    this.dropStandby();
    this.dropAnswerStandby();
    for (const id of [...this.links.keys()]) this.drop(id);
    if (this.ws) this.ws.close();
    this.dispatchEvent(new Event('closed'));
  }
}
