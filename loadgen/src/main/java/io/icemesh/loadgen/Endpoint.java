package io.icemesh.loadgen;

import io.icemesh.stun.MessageIntegrity;
import io.icemesh.stun.StunAttributeType;
import io.icemesh.stun.StunMessage;
import io.icemesh.stun.StunMessageBuilder;
import io.icemesh.stun.StunMessageDecoder;
import io.icemesh.stun.StunMessageType;
import io.icemesh.stun.XorAddress;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One WebRTC peer connection of the tool: a UDP socket on loopback, ICE (RFC 8445: host candidate, aggressive
 * nomination when controlling, answers to the server's checks, consent keep-alives), DTLS-SRTP on its own thread, and
 * then either a publisher's paced VP8 clip (answering NACK with retransmissions and PLI/FIR with a keyframe) or a
 * subscriber's counting of what arrives (SRTP authenticated and decrypted, sequence gaps NACKed once, a PLI when no
 * keyframe came, receiver reports every second). Everything but the DTLS handshake runs on its {@link Reactor}'s
 * thread; other threads hand work over with {@link Reactor#execute}.
 */
final class Endpoint {

    enum Role { PUBLISHER, SUBSCRIBER }

    /** What a subscriber counts per received SSRC. */
    static final class Stream {
        final int ssrc;
        long packets;
        long bytes;
        long frames;
        long keyframes;
        /** Sequence numbers skipped when a newer packet arrived (each counted once, when skipped). */
        volatile long gaps;
        /** Skipped sequence numbers that arrived later, as a late original or an RTX repair (each once). */
        volatile long recovered;
        /** Packets whose sequence number had already arrived (a second repair, a repeat of the original). */
        volatile long duplicates;
        /** Late packets too far behind the newest to tell a recovery from a duplicate ({@link #WINDOW}). */
        volatile long tooLate;
        int highest; // extended
        /** Extended sequence numbers below this are not tracked (a jump restarted the window). */
        int floor;
        /** The extended sequence number last received in each slot (ext mod WINDOW), or -1. */
        final int[] seen = new int[WINDOW];
        long firstAt;
        volatile long firstFrameAt;
        long firstKeyframeAt;
        long lastPliAt;
        /** Packets of the current frame so far (from its S bit), or -1 when one went missing. */
        int indexInFrame = -1;

        Stream(int ssrc) {
            this.ssrc = ssrc;
            java.util.Arrays.fill(seen, -1);
        }

        /** {@link #arrive}: a packet that was missing and came late. */
        static final int RECOVERED = -1;
        /** {@link #arrive}: a duplicate, or a packet too late to tell. */
        static final int NOT_MEDIA = -2;
        /** {@link #arrive}: the sequence restarted (a jump), no gap counted. */
        static final int RESTARTED = -3;
        /**
         * Jumps of this many sequence numbers or more restart the window instead of counting as gaps (RFC 3550
         * appendix A.1's MAX_DROPOUT): a sender that restarted, not thousands of packets lost.
         */
        static final int JUMP = 3000;
        /** A packet {@link #JUMP} or more behind, which restarts the stream if the next one follows it, or -1. */
        private int behindCandidate = -1;

        /** The stream's first packet. */
        void first(int seq) {
            highest = seq;
            floor = seq;
            seen[seq & (WINDOW - 1)] = seq;
        }

        /**
         * Accounts for the arrival of RTP sequence number {@code seq} after the stream's first packet: the number of
         * sequence numbers it skipped (0 for the next one in order; counted in {@link #gaps}), {@link #RECOVERED} or
         * {@link #NOT_MEDIA}. Only this endpoint's reactor thread writes a stream.
         */
        int arrive(int seq) {
            int ext = extend(highest, seq);
            int delta = ext - highest;
            if (delta <= -JUMP) {
                // Far behind the window: a sender that restarted lower, once two such packets come in order (RFC
                // 3550 appendix A.1's probation); until then, too late to tell. (No repair comes this late.)
                boolean follows = behindCandidate >= 0 && seq == ((behindCandidate + 1) & 0xFFFF);
                behindCandidate = seq;
                if (!follows) {
                    tooLate++;
                    return NOT_MEDIA;
                }
                behindCandidate = -1;
                restart(ext);
                return RESTARTED;
            }
            behindCandidate = -1;
            if (delta <= 0) {
                return arrivedLate(ext) ? RECOVERED : NOT_MEDIA;
            }
            if (delta >= JUMP) {
                restart(ext);
                return RESTARTED;
            }
            int skipped = delta - 1;
            gaps += skipped;
            highest = ext;
            seen[ext & (WINDOW - 1)] = ext;
            return skipped;
        }

        private void restart(int ext) {
            highest = ext;
            floor = ext;
            seen[ext & (WINDOW - 1)] = ext;
        }

        /**
         * Accounts for one arrival of extended sequence number {@code ext} at or below the newest: a recovery of a
         * gap (true), a duplicate, or too late to tell.
         */
        boolean arrivedLate(int ext) {
            if (ext < floor || highest - ext >= WINDOW) {
                tooLate++;
                return false;
            }
            if (seen[ext & (WINDOW - 1)] == ext) {
                duplicates++;
                return false;
            }
            seen[ext & (WINDOW - 1)] = ext;
            recovered++;
            return true;
        }
    }

    /** Sequence numbers a subscriber's stream remembers behind its newest, to tell recoveries from duplicates. */
    static final int WINDOW = 2048;

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int CHECK_INTERVAL_NANOS = 50_000_000;
    private static final int MAX_CHECK_ROUNDS = 200;
    private static final long KEEPALIVE_NANOS = 2_500_000_000L;
    private static final long REPORT_NANOS = 1_000_000_000L;
    private static final long PLI_NANOS = 500_000_000L;
    private static final int HISTORY = 1024;
    /** A gap is NACKed for its newest this many packets at most (a publisher keeps about a thousand). */
    private static final int MAX_NACKED = 256;
    /** How long a DTLS server's thread answers a client's retransmitted last flight (as media-service's does). */
    private static final long DTLS_LINGER_MILLIS = 15_000;
    /** A publisher resends one packet at most once in this interval, however many NACKs ask for it. */
    static final long RESEND_INTERVAL_NANOS = 10_000_000L;
    private static final int MAX_PAYLOAD = 1150;
    private static final int SPARE = 64;
    private static final int LATENCY_FRAMES = 256;
    private static final int LATENCY_PACKETS = 128;

    final String name;
    final Role role;
    final Reactor reactor;
    final DatagramChannel channel;
    final InetSocketAddress local;
    final Sdp.Local localDescription;
    final long sessionId = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
    final Stats stats;

    private final Dtls.Identity identity;
    private final Dtls dtls;
    private final long tieBreaker = RANDOM.nextLong();
    private final byte[] localPwd;
    /** Checks in flight by transaction: where each went and the role it claimed (for a 487 answer). */
    private final Map<String, Check> checks = new HashMap<>();

    private static final class Check {
        final InetSocketAddress target;
        final boolean controlling;

        Check(InetSocketAddress target, boolean controlling) {
            this.target = target;
            this.controlling = controlling;
        }
    }

    private final List<InetSocketAddress> remoteCandidates = new ArrayList<>();
    private final ByteBuffer out = ByteBuffer.allocate(2048);
    private final byte[] scratch = new byte[2048];
    private final int ownSsrc = ThreadLocalRandom.current().nextInt() | 1;
    private final int rtxSsrc = ThreadLocalRandom.current().nextInt() & ~1;

    private String remoteUfrag;
    private byte[] remotePwd;
    private Sdp remote;
    private boolean controlling;
    private boolean dtlsClient;
    private boolean dtlsStarted;
    private volatile InetSocketAddress selected;
    private volatile InetSocketAddress dtlsSource;
    private long nextCheckAt;
    private int checkRounds;
    private long nextKeepaliveAt;
    private Srtp srtp;
    private volatile String failure;

    // publisher
    private final Clip clip;
    private int frame;
    private long nextFrameAt;
    private int sequence = ThreadLocalRandom.current().nextInt(0x10000);
    private long timestamp = ThreadLocalRandom.current().nextInt() & 0xFFFFFFFFL;
    private int pictureId = ThreadLocalRandom.current().nextInt(0x8000);
    private boolean keyframeWanted;
    private final byte[][] history = new byte[HISTORY][];
    private final byte[][] plainHistory = new byte[HISTORY][];
    private final int[] historyLength = new int[HISTORY];
    private final int[] historySequence = new int[HISTORY];
    /** When each history slot was last resent (System.nanoTime), or 0. */
    private final long[] historyResentAt = new long[HISTORY];
    private int rtxSequence = ThreadLocalRandom.current().nextInt(0x10000);
    /** The RTX payload type the server's answer accepted, or -1: then retransmissions repeat the packet as sent. */
    private int rtxPayloadType = -1;
    /** Subscriber: RTX payload types of the server's description, and its repair SSRCs to the SSRCs they repair. */
    private final java.util.Set<Integer> remoteRtx = new java.util.HashSet<>();
    private final Map<Integer, Integer> repairs = new HashMap<>();

    /** Publisher: when each packet left, by (PictureID mod 256, index in its frame mod 128), for latency. */
    final long[] sentAt;
    /** Subscriber: the publisher it receives from (its sentAt), or null. */
    private Endpoint source;

    // subscriber
    private final Map<Integer, Stream> streams = new java.util.concurrent.ConcurrentHashMap<>();
    private long nextReportAt;

    // timeline (System.nanoTime), 0 = not yet
    final long createdAt = System.nanoTime();
    volatile long remoteAt;
    volatile long iceAt;
    volatile long dtlsAt;
    volatile long firstMediaAt;

    Endpoint(String name, Role role, Reactor reactor, Dtls.Identity identity, Clip clip, Stats stats)
            throws IOException {
        this.name = name;
        this.role = role;
        this.reactor = reactor;
        this.identity = identity;
        this.clip = clip;
        this.stats = stats;
        this.sentAt = role == Role.PUBLISHER ? new long[LATENCY_FRAMES * LATENCY_PACKETS] : null;
        this.channel = DatagramChannel.open();
        channel.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
        channel.setOption(StandardSocketOptions.SO_SNDBUF, 1 << 20);
        channel.bind(new InetSocketAddress("127.0.0.1", 0));
        channel.configureBlocking(false);
        this.local = (InetSocketAddress) channel.getLocalAddress();
        String ufrag = token(8);
        String pwd = token(24);
        this.localPwd = pwd.getBytes(StandardCharsets.UTF_8);
        this.localDescription = new Sdp.Local(ufrag, pwd, identity.fingerprint, local);
        this.dtls = new Dtls(this::sendDtls);
        reactor.register(this);
    }

    /** The tool's offer for this endpoint (publisher: sendonly with its SSRC; subscriber: one recvonly section). */
    String offer() {
        boolean pub = role == Role.PUBLISHER;
        // the offerer controls (RFC 8445 section 6.1.1), from before the server can send its first check, which may
        // come before its answer reaches us
        reactor.execute(() -> controlling = true);
        return Sdp.offer(localDescription, sessionId, pub ? ownSsrc & 0xFFFFFFFFL : 0, pub ? rtxSsrc & 0xFFFFFFFFL : 0,
                "lg-" + name);
    }

    /** The tool's answer to a server offer (also applies the offer). */
    String answer(Sdp offer) {
        reactor.execute(() -> applyRemote(offer, false));
        return Sdp.answer(localDescription, offer, sessionId);
    }

    /** The server's answer to this endpoint's offer. */
    void answered(Sdp answer) {
        reactor.execute(() -> applyRemote(answer, true));
    }

    /** A subscriber's publisher, whose send times give the forwarding latency of each packet. */
    void receivesFrom(Endpoint publisher) {
        this.source = publisher;
    }

    String failure() {
        return failure;
    }

    boolean connected() {
        return dtlsAt != 0;
    }

    void fail(String why) {
        if (failure == null) {
            failure = why;
        }
    }

    private void applyRemote(Sdp sdp, boolean weOffered) {
        if (remote == null) {
            remoteAt = System.nanoTime();
        }
        boolean restart = remoteUfrag != null && !remoteUfrag.equals(sdp.iceUfrag);
        remote = sdp;
        if (sdp.iceUfrag == null || sdp.icePwd == null || sdp.fingerprint == null) {
            fail("remote description without ICE credentials or fingerprint");
            return;
        }
        if (remoteUfrag == null || restart) {
            remoteUfrag = sdp.iceUfrag;
            remotePwd = sdp.icePwd.getBytes(StandardCharsets.UTF_8);
            controlling = sdp.iceLite || weOffered;
            checkRounds = 0;
            nextCheckAt = 0;
            if (restart) {
                selected = null;
            }
        }
        for (InetSocketAddress c : sdp.candidates) {
            addCandidate(c);
        }
        for (Sdp.Media m : sdp.media) {
            if (m.rtx() >= 0) {
                remoteRtx.add(m.rtx());
                if (weOffered && m.vp8 >= 0) {
                    rtxPayloadType = m.rtx();
                }
            }
            for (Map.Entry<Long, Long> r : m.repairs.entrySet()) {
                repairs.put(r.getKey().intValue(), r.getValue().intValue());
            }
        }
        if (!dtlsStarted) {
            String setup = sdp.setup == null ? "actpass" : sdp.setup;
            // we answer active; when we offered, the server's answer says its role
            dtlsClient = !weOffered || "passive".equals(setup);
            if (!dtlsClient || selected != null) {
                startDtls(); // a DTLS server waits for the ClientHello; a client starts once ICE selected a pair
            }
        }
    }

    /** A candidate the server trickled (Janus can send them after its SDP). */
    void trickled(InetSocketAddress candidate) {
        reactor.execute(() -> addCandidate(candidate));
    }

    private void addCandidate(InetSocketAddress c) {
        // The tool sends only to loopback: any other candidate a server lists is ignored.
        if (c.getAddress().isLoopbackAddress() && !remoteCandidates.contains(c)) {
            remoteCandidates.add(c);
        }
    }

    private void startDtls() {
        if (dtlsStarted) {
            return;
        }
        dtlsStarted = true;
        boolean client = dtlsClient;
        String algorithm = remote.fingerprintAlgorithm;
        String fingerprint = remote.fingerprint;
        Thread t = new Thread(() -> {
            try {
                Dtls.Keys keys = dtls.handshake(client, identity, algorithm, fingerprint, 30_000);
                reactor.execute(() -> dtlsDone(keys));
                if (!client) {
                    dtls.answerRetransmissions(DTLS_LINGER_MILLIS);
                }
            } catch (IOException | RuntimeException e) {
                fail("DTLS: " + e);
            }
        }, "dtls-" + name);
        t.setDaemon(true);
        t.start();
    }

    private void dtlsDone(Dtls.Keys keys) {
        srtp = new Srtp(keys);
        dtlsAt = System.nanoTime();
        long now = dtlsAt;
        // publishers start at random points of a frame interval, as independent senders would: publishers that joined
        // together would otherwise send every frame in the same instant, a burst no real room makes
        nextFrameAt = now + ThreadLocalRandom.current().nextLong(Clip.FRAME_NANOS);
        nextReportAt = now + REPORT_NANOS;
        keyframeWanted = true;
    }

    // ---- receive ----------------------------------------------------------------------------------------------

    /** One datagram from {@code from}: STUN, DTLS or SRTP/SRTCP (RFC 7983). */
    void onDatagram(byte[] b, int len, SocketAddress from, long now) {
        int first = b[0] & 0xFF;
        if (first < 4) {
            onStun(b, len, (InetSocketAddress) from, now);
        } else if (first >= 20 && first <= 63) {
            if (selected == null) {
                dtlsSource = (InetSocketAddress) from;
            }
            if (!dtls.offer(b, 0, len)) {
                stats.dropped.increment();
            }
        } else if (Rtp.isRtpOrRtcp(first) && len >= Rtp.HEADER) {
            if (srtp == null) {
                stats.early.increment();
            } else if (Rtp.isRtcp(b, 0)) {
                onRtcp(b, len, now);
            } else {
                onRtp(b, len, now);
            }
        } else {
            stats.dropped.increment();
        }
    }

    private void onStun(byte[] b, int len, InetSocketAddress from, long now) {
        StunMessage m = StunMessageDecoder.decode(b, 0, len);
        if (m == null || m.method() != StunMessageType.METHOD_BINDING) {
            stats.dropped.increment();
            return;
        }
        int cls = m.messageClass();
        if (cls == StunMessageType.CLASS_REQUEST) {
            onCheck(m, from, now);
        } else if (cls == StunMessageType.CLASS_SUCCESS || cls == StunMessageType.CLASS_ERROR) {
            String tx = txKey(m.transactionId());
            Check check = checks.remove(tx);
            if (check == null || remotePwd == null || !MessageIntegrity.verifySha1(m, remotePwd)) {
                return; // a late answer to an earlier round, or not from the peer
            }
            if (cls == StunMessageType.CLASS_ERROR) {
                byte[] code = m.value(StunAttributeType.ERROR_CODE);
                if (code != null && code.length >= 4 && (code[2] & 7) * 100 + (code[3] & 0xFF) == 487) {
                    controlling = !check.controlling; // role conflict: the other role (RFC 8445 section 7.2.5.1)
                    nextCheckAt = now;
                }
                return;
            }
            if (selected == null) {
                select(check.target, now);
            }
        }
    }

    private void onCheck(StunMessage m, InetSocketAddress from, long now) {
        String user = m.stringValue(StunAttributeType.USERNAME);
        if (user == null || !user.startsWith(localDescription.ufrag + ":")
                || !MessageIntegrity.verifySha1(m, localPwd)) {
            reply(StunMessageBuilder.responseTo(m, false).addErrorCode(401, "Unauthorized").addFingerprint()
                    .build(), from);
            return;
        }
        boolean theyControl = m.has(StunAttributeType.ICE_CONTROLLING);
        boolean theyAreControlled = m.has(StunAttributeType.ICE_CONTROLLED);
        if ((theyControl && controlling) || (theyAreControlled && !controlling)) {
            byte[] theirs = m.value(theyControl ? StunAttributeType.ICE_CONTROLLING : StunAttributeType.ICE_CONTROLLED);
            long their = theirs != null && theirs.length == 8 ? ByteBuffer.wrap(theirs).getLong() : 0;
            boolean weWin = Long.compareUnsigned(tieBreaker, their) >= 0;
            if (controlling == weWin) {
                reply(StunMessageBuilder.responseTo(m, false).addErrorCode(487, "Role Conflict")
                        .addMessageIntegrity(localPwd).addFingerprint().build(), from);
                return;
            }
            controlling = !controlling;
        }
        reply(StunMessageBuilder.responseTo(m, true).addXorAddress(StunAttributeType.XOR_MAPPED_ADDRESS, from)
                .addMessageIntegrity(localPwd).addFingerprint().build(), from);
        if (!from.getAddress().isLoopbackAddress()) {
            return;
        }
        addCandidate(from); // peer reflexive, or already known
        if (m.has(StunAttributeType.USE_CANDIDATE) && !controlling) {
            if (selected == null || !selected.equals(from)) {
                select(from, now);
            }
        }
    }

    private void select(InetSocketAddress to, long now) {
        boolean first = selected == null && iceAt == 0;
        selected = to;
        if (first) {
            iceAt = now;
            nextKeepaliveAt = now + KEEPALIVE_NANOS;
        }
        if (dtlsClient && remote != null) {
            startDtls();
        }
    }

    private void sendCheck(InetSocketAddress to, boolean nominate) {
        byte[] tx = new byte[StunMessage.TRANSACTION_ID_LENGTH];
        ThreadLocalRandom.current().nextBytes(tx);
        StunMessageBuilder b = StunMessageBuilder.of(StunMessageType.BINDING_REQUEST, tx)
                .addString(StunAttributeType.USERNAME, remoteUfrag + ":" + localDescription.ufrag)
                .addUint32(StunAttributeType.PRIORITY, 1853817087L);
        byte[] tie = ByteBuffer.allocate(8).putLong(tieBreaker).array();
        b.add(controlling ? StunAttributeType.ICE_CONTROLLING : StunAttributeType.ICE_CONTROLLED, tie);
        if (nominate && controlling) {
            b.add(StunAttributeType.USE_CANDIDATE, new byte[0]);
        }
        checks.put(txKey(tx), new Check(to, controlling));
        if (checks.size() > 256) {
            Iterator<String> it = checks.keySet().iterator();
            it.next();
            it.remove();
        }
        reply(b.addMessageIntegrity(remotePwd).addFingerprint().build(), to);
    }

    private void onRtp(byte[] b, int len, long now) {
        if (role != Role.SUBSCRIBER) {
            return;
        }
        int wire = len;
        int n = srtp.unprotectRtp(b, 0, len);
        if (n < 0) {
            stats.authFailures.increment();
            return;
        }
        dtls.peerFinished();
        int ssrc = Rtp.ssrc(b, 0);
        if (remoteRtx.contains(Rtp.payloadType(b, 0))) {
            repaired(b, n, ssrc, wire, now);
            return;
        }
        Stream s = streams.get(ssrc);
        int seq = Rtp.sequence(b, 0);
        stats.bytes.add(wire); // every authenticated packet is traffic the server sent, duplicates included
        boolean inOrder = true;
        if (s == null) {
            s = new Stream(ssrc);
            s.first(seq);
            s.firstAt = now;
            streams.put(ssrc, s);
            if (firstMediaAt == 0) {
                firstMediaAt = now;
            }
        } else {
            int skipped = s.arrive(seq);
            if (skipped != 0) {
                s.indexInFrame = -1; // a gap, a late packet or a restart: the place in the frame is lost
            }
            if (skipped == Stream.NOT_MEDIA) {
                s.bytes += wire;
                return; // a duplicate, or too late to tell: counted as such, not as media received
            }
            inOrder = skipped != Stream.RECOVERED;
            if (skipped > 0) {
                int count = Math.min(skipped, MAX_NACKED);
                sendRtcp(Rtp.nack(scratch, 0, ownSsrc, ssrc, s.highest - count, count));
            }
        }
        int p = Rtp.payloadOffset(b, 0, n);
        delivered(s, b, p, n, Rtp.marker(b, 0), inOrder, wire, now);
        if (s.firstKeyframeAt == 0 && s.lastPliAt == 0) {
            // joined mid-stream: ask for a keyframe at once, as a browser does when it cannot decode
            s.lastPliAt = now;
            sendRtcp(Rtp.pli(scratch, 0, ownSsrc, ssrc));
        }
    }

    /**
     * A media packet delivered (in order, or a recovery by a late original or an RTX repair) whose VP8 payload is at
     * {@code b[p..n)}: counts it, its keyframe start and, at its marker, a whole frame. Only a packet in order gives
     * a latency sample: a recovery's timing is its repair's.
     */
    private void delivered(Stream s, byte[] b, int p, int n, boolean marker, boolean inOrder, int wire, long now) {
        s.packets++;
        s.bytes += wire;
        stats.packets.increment();
        if (p > 0 && p < n) {
            if (inOrder) {
                latency(s, b, p, n);
            }
            int vp8 = Vp8.headerOffset(b, p, n - p);
            if (vp8 >= 0 && Vp8.isKeyframeStart(b, p, vp8, n)) {
                s.keyframes++;
                if (s.firstKeyframeAt == 0) {
                    s.firstKeyframeAt = now;
                }
            }
        }
        if (marker) {
            s.frames++;
            stats.frames.increment();
            if (s.firstFrameAt == 0 && s.firstKeyframeAt != 0) {
                s.firstFrameAt = now;
                stats.firstFrame(now - createdAt);
            }
        }
    }

    /**
     * The forwarding latency of this packet: from its publisher's send to its arrival here, matched by the VP8
     * PictureID and the packet's place in its frame (both servers forward VP8 descriptors unchanged). A frame with a
     * packet missing or out of order gives no samples after the gap.
     */
    private void latency(Stream s, byte[] b, int p, int n) {
        if ((b[p] & 0x10) != 0 && (b[p] & 0x07) == 0) {
            s.indexInFrame = 0;
        } else if (s.indexInFrame >= 0) {
            s.indexInFrame++;
        }
        Endpoint from = source;
        int pid = Vp8.pictureId(b, p, n - p);
        if (from == null || s.indexInFrame < 0 || pid < 0) {
            return;
        }
        long sent = from.sentAt[(pid & (LATENCY_FRAMES - 1)) * LATENCY_PACKETS
                + (s.indexInFrame & (LATENCY_PACKETS - 1))];
        long nanos = System.nanoTime() - sent;
        if (sent == 0 || nanos < 0 || nanos > 1_000_000_000L) {
            stats.latencyUnmatched.increment();
            return;
        }
        stats.latency(nanos);
    }

    /** An RTX packet (RFC 4588 section 4): its payload starts with the sequence number it repairs. */
    private void repaired(byte[] b, int n, int rtx, int wire, long now) {
        stats.repairs.increment();
        stats.bytes.add(wire);
        int p = Rtp.payloadOffset(b, 0, n);
        Integer main = repairs.get(rtx);
        Stream s = main == null ? null : streams.get(main);
        if (p < 0 || p + 2 > n || s == null) {
            return;
        }
        int osn = ((b[p] & 0xFF) << 8) | (b[p + 1] & 0xFF);
        int ext = extend(s.highest, osn);
        // a repair of a packet the stream has not reached yet is not a recovery (and cannot happen in order)
        if (ext <= s.highest && s.arrivedLate(ext)) {
            // the original payload follows the original sequence number; its bytes are counted above
            delivered(s, b, p + 2, n, Rtp.marker(b, 0), false, 0, now);
        }
    }

    static int extend(int highest, int seq) {
        int cycles = highest & 0xFFFF0000;
        int last = highest & 0xFFFF;
        int d = seq - last;
        if (d < -0x8000) {
            cycles += 0x10000;
        } else if (d > 0x8000) {
            cycles -= 0x10000;
        }
        return cycles | seq;
    }

    private void onRtcp(byte[] b, int len, long now) {
        int n = srtp.unprotectRtcp(b, 0, len);
        if (n < 0) {
            stats.authFailures.increment();
            return;
        }
        stats.rtcpIn.increment();
        dtls.peerFinished();
        if (role != Role.PUBLISHER) {
            return;
        }
        int at = 0;
        while (at + 4 <= n) {
            int fmt = b[at] & 0x1F;
            int pt = b[at + 1] & 0xFF;
            int words = ((b[at + 2] & 0xFF) << 8) | (b[at + 3] & 0xFF);
            int end = at + 4 * (words + 1);
            if (end > n) {
                break;
            }
            if (pt == Rtp.PT_PSFB && (fmt == Rtp.FMT_PLI || fmt == Rtp.FMT_FIR)) {
                keyframeWanted = true;
                stats.keyframeRequests.increment();
            } else if (pt == Rtp.PT_RTPFB && fmt == Rtp.FMT_NACK) {
                for (int f = at + 12; f + 4 <= end; f += 4) {
                    int pid = ((b[f] & 0xFF) << 8) | (b[f + 1] & 0xFF);
                    int blp = ((b[f + 2] & 0xFF) << 8) | (b[f + 3] & 0xFF);
                    resend(pid, now);
                    for (int i = 0; i < 16; i++) {
                        if ((blp & (1 << i)) != 0) {
                            resend((pid + i + 1) & 0xFFFF, now);
                        }
                    }
                }
            }
            at = end;
        }
    }

    private void resend(int seq, long now) {
        int slot = seq & (HISTORY - 1);
        if (history[slot] == null || historySequence[slot] != seq) {
            return;
        }
        if (historyResentAt[slot] != 0 && now - historyResentAt[slot] < RESEND_INTERVAL_NANOS) {
            // asked again within the interval (several NACKs for one loss): one repair is already on its way, as
            // libwebrtc's packet history refuses a second retransmission within a round trip
            stats.nackThrottled.increment();
            return;
        }
        historyResentAt[slot] = now;
        stats.retransmitted.increment();
        if (rtxPayloadType < 0) {
            send(history[slot], historyLength[slot]);
            return;
        }
        // RFC 4588: a packet of the repair stream carrying the original sequence number, then the original payload
        byte[] plain = plainHistory[slot];
        byte[] pkt = new byte[plain.length + 2 + SPARE];
        Rtp.writeHeader(pkt, 0, Rtp.marker(plain, 0), rtxPayloadType, rtxSequence, Rtp.readInt(plain, 4) & 0xFFFFFFFFL,
                rtxSsrc);
        rtxSequence = (rtxSequence + 1) & 0xFFFF;
        Rtp.writeShort(pkt, Rtp.HEADER, seq);
        System.arraycopy(plain, Rtp.HEADER, pkt, Rtp.HEADER + 2, plain.length - Rtp.HEADER);
        int n = srtp.protectRtp(pkt, 0, plain.length + 2);
        if (n > 0) {
            send(pkt, n);
        }
    }

    // ---- timers -----------------------------------------------------------------------------------------------

    /** Called by the reactor every few milliseconds. */
    void tick(long now) {
        if (remoteUfrag != null && selected == null && now >= nextCheckAt && failure == null) {
            if (checkRounds++ >= MAX_CHECK_ROUNDS) {
                fail("ICE: no answer to " + MAX_CHECK_ROUNDS + " rounds of checks");
                return;
            }
            nextCheckAt = now + CHECK_INTERVAL_NANOS;
            for (InetSocketAddress c : remoteCandidates) {
                sendCheck(c, true);
            }
        }
        InetSocketAddress to = selected;
        if (to != null && now >= nextKeepaliveAt) {
            nextKeepaliveAt = now + KEEPALIVE_NANOS;
            sendCheck(to, false);
        }
        if (srtp == null || to == null) {
            return;
        }
        if (role == Role.PUBLISHER) {
            int sent = 0;
            while (now >= nextFrameAt && sent++ < 3) {
                sendFrame();
                nextFrameAt += Clip.FRAME_NANOS;
            }
            if (now - nextFrameAt > 1_000_000_000L) {
                nextFrameAt = now; // the reactor fell far behind: carry on from now
            }
        } else {
            if (now >= nextReportAt) {
                nextReportAt = now + REPORT_NANOS;
                sendReport();
            }
            for (Stream s : streams.values()) {
                if (s.firstKeyframeAt == 0 && now - s.firstAt > PLI_NANOS && now - s.lastPliAt > PLI_NANOS) {
                    s.lastPliAt = now;
                    sendRtcp(Rtp.pli(scratch, 0, ownSsrc, s.ssrc));
                }
            }
        }
    }

    private void sendFrame() {
        if (keyframeWanted) {
            frame = clip.nextKeyframe(frame);
            keyframeWanted = false;
        }
        byte[] data = clip.frame(frame);
        frame = (frame + 1) % clip.size();
        pictureId = (pictureId + 1) & 0x7FFF;
        int off = 0;
        boolean firstPacket = true;
        int packetInFrame = 0;
        while (off < data.length) {
            int chunk = Math.min(MAX_PAYLOAD, data.length - off);
            boolean last = off + chunk == data.length;
            byte[] pkt = new byte[Rtp.HEADER + Vp8.DESCRIPTOR + chunk + SPARE];
            Rtp.writeHeader(pkt, 0, last, remoteVp8(), sequence, timestamp, ownSsrc);
            Vp8.writeDescriptor(pkt, Rtp.HEADER, firstPacket, pictureId);
            int latencySlot = (pictureId & (LATENCY_FRAMES - 1)) * LATENCY_PACKETS
                    + (packetInFrame++ & (LATENCY_PACKETS - 1));
            System.arraycopy(data, off, pkt, Rtp.HEADER + Vp8.DESCRIPTOR, chunk);
            int plainLength = Rtp.HEADER + Vp8.DESCRIPTOR + chunk;
            byte[] plain = java.util.Arrays.copyOf(pkt, plainLength);
            int n = srtp.protectRtp(pkt, 0, plainLength);
            if (n > 0) {
                int slot = sequence & (HISTORY - 1);
                history[slot] = pkt;
                plainHistory[slot] = plain;
                sentAt[latencySlot] = System.nanoTime();
                historyLength[slot] = n;
                historySequence[slot] = sequence;
                historyResentAt[slot] = 0;
                send(pkt, n);
                stats.sentPackets.increment();
                stats.sentBytes.add(n);
            }
            sequence = (sequence + 1) & 0xFFFF;
            off += chunk;
            firstPacket = false;
        }
        stats.sentFrames.increment();
        timestamp = (timestamp + Clip.TIMESTAMP_STEP) & 0xFFFFFFFFL;
    }

    private int remoteVp8() {
        if (remote != null) {
            for (Sdp.Media m : remote.media) {
                if (m.vp8 >= 0) {
                    return m.vp8;
                }
            }
        }
        return 96;
    }

    private void sendReport() {
        int n = streams.size();
        int[] sources = new int[n];
        int[] highest = new int[n];
        int[] lost = new int[n];
        int i = 0;
        for (Stream s : streams.values()) {
            sources[i] = s.ssrc;
            highest[i] = s.highest;
            lost[i] = (int) Math.max(0, Math.min(s.gaps - s.recovered, Integer.MAX_VALUE));
            i++;
        }
        int at = 0;
        byte[] b = new byte[64 + 24 * n + 64];
        at += Rtp.receiverReport(b, at, ownSsrc, sources, highest, lost);
        at += Rtp.sdes(b, at, ownSsrc, "lg-" + name);
        int len = srtp.protectRtcp(b, 0, at);
        if (len > 0) {
            send(b, len);
        }
    }

    /** Sends the RTCP feedback packet written at the start of scratch, after an empty receiver report. */
    private void sendRtcp(int length) {
        byte[] b = new byte[8 + length + 32];
        int at = Rtp.receiverReport(b, 0, ownSsrc, new int[0], new int[0], new int[0]);
        System.arraycopy(scratch, 0, b, at, length);
        int len = srtp.protectRtcp(b, 0, at + length);
        if (len > 0) {
            stats.rtcpOut.increment();
            send(b, len);
        }
    }

    // ---- send -------------------------------------------------------------------------------------------------

    private void sendDtls(byte[] buf, int off, int len) throws IOException {
        InetSocketAddress to = selected != null ? selected : dtlsSource;
        if (to == null) {
            return; // bctls retransmits
        }
        synchronized (out) {
            out.clear();
            out.put(buf, off, len).flip();
            channel.send(out, to);
        }
    }

    private void send(byte[] b, int len) {
        InetSocketAddress to = selected;
        if (to != null) {
            reply(b, len, to);
        }
    }

    private void reply(byte[] b, InetSocketAddress to) {
        reply(b, b.length, to);
    }

    private void reply(byte[] b, int len, InetSocketAddress to) {
        try {
            synchronized (out) {
                out.clear();
                out.put(b, 0, len).flip();
                if (channel.send(out, to) == 0) {
                    stats.sendDropped.increment();
                }
            }
        } catch (IOException e) {
            stats.sendDropped.increment();
        }
    }

    Map<Integer, Stream> streams() {
        return streams;
    }

    void close() {
        dtls.close();
        reactor.execute(() -> {
            reactor.unregister(this);
            try {
                channel.close();
            } catch (IOException e) {
                // closing anyway
            }
            if (srtp != null) {
                srtp.close();
            }
        });
    }

    private static String txKey(byte[] tx) {
        StringBuilder sb = new StringBuilder(24);
        for (byte x : tx) {
            sb.append((char) ('a' + ((x >> 4) & 0xF))).append((char) ('a' + (x & 0xF)));
        }
        return sb.toString();
    }

    private static String token(int length) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            sb.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return sb.toString();
    }
}
