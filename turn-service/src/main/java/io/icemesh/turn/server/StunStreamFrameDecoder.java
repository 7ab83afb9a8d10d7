package io.icemesh.turn.server;

import io.icemesh.turn.metrics.TurnMetrics;
import io.icemesh.stun.ChannelData;
import io.icemesh.stun.StunMessage;
import io.icemesh.stun.StunMessageDecoder;
import io.icemesh.stun.StunMessageType;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Splits a TCP/TLS byte stream into STUN messages and ChannelData frames (RFC 8656 Section 12.5: over streams,
 * ChannelData is padded to 4 bytes, and the length fields frame both). A stream that starts anything else is
 * out of sync for good: it is counted and closed. A frame must arrive in full within the frame timeout of its first
 * byte, so a peer that drips bytes cannot hold a connection (and its descriptor) open. Framing stops after a
 * ConnectionBind request: if it succeeds this decoder leaves the pipeline and the bytes it still holds pass on as they
 * are, in order (RFC 6062 Section 5.4).
 */
final class StunStreamFrameDecoder extends ByteToMessageDecoder {

    /** The message type of a ConnectionBind request (RFC 6062 Section 6.1). */
    private static final int CONNECTION_BIND_REQUEST = StunMessageType.of(StunMessageType.METHOD_CONNECTION_BIND,
            StunMessageType.CLASS_REQUEST);

    private final TurnMetrics metrics;
    private final String transport;
    private final long frameTimeoutNanos;
    /** When the frame now waiting for more bytes began to arrive; 0 when none is. */
    private long partialSince;
    private ScheduledFuture<?> deadline;

    StunStreamFrameDecoder(TurnMetrics metrics, String transport, long frameTimeoutNanos) {
        this.metrics = metrics;
        this.transport = transport;
        this.frameTimeoutNanos = frameTimeoutNanos;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        boolean framed = false;
        while (in.readableBytes() >= ChannelData.HEADER_LENGTH) {
            int start = in.readerIndex();
            int first = in.getUnsignedByte(start);
            int declared = in.getUnsignedShort(start + 2);
            int frame;
            if (StunMessageDecoder.looksLikeStun(first) && (declared & 3) == 0) {
                frame = StunMessage.HEADER_LENGTH + declared;
            } else if (ChannelData.looksLikeChannelData(first)) {
                frame = ChannelData.streamFrameLength(declared);
            } else {
                metrics.malformed(transport);
                in.skipBytes(in.readableBytes());
                ctx.close();
                return;
            }
            if (in.readableBytes() < frame) {
                break;
            }
            out.add(in.readRetainedSlice(frame));
            framed = true;
            if (in.getUnsignedShort(start) == CONNECTION_BIND_REQUEST) {
                // what follows a ConnectionBind may be the peer's stream, not frames (clients need not wait for the
                // answer): leave it here, so that it passes on whole and in order if the bind succeeds
                break;
            }
        }
        if (!in.isReadable()) {
            partialSince = 0;
        } else if (framed || partialSince == 0) {
            partialSince = System.nanoTime();
            if (deadline == null) {
                deadline = ctx.executor().schedule(() -> checkDeadline(ctx), frameTimeoutNanos, TimeUnit.NANOSECONDS);
            }
        }
    }

    /** Runs on the channel's event loop: closes the connection if the waiting frame is past its time. */
    private void checkDeadline(ChannelHandlerContext ctx) {
        deadline = null;
        if (partialSince == 0 || !ctx.channel().isActive()) {
            return;
        }
        long left = partialSince + frameTimeoutNanos - System.nanoTime();
        if (left > 0) {
            deadline = ctx.executor().schedule(() -> checkDeadline(ctx), left, TimeUnit.NANOSECONDS);
            return;
        }
        metrics.streamClosed(TurnMetrics.StreamClose.FRAME_TIMEOUT);
        ctx.close();
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }
}
