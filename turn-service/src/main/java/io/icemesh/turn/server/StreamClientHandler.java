package io.icemesh.turn.server;

import io.icemesh.turn.allocation.Allocation;
import io.icemesh.turn.allocation.AllocationManager;
import io.icemesh.turn.metrics.TurnMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One TCP or TLS client connection. Frames go to the {@link ClientPacketHandler}, or, on a data connection bound to a
 * TCP relay's peer (RFC 6062), the bytes go to the peer as they are; when the connection closes its allocation is
 * deleted (RFC 8656 Section 3.1) and its connection slot is given back. A connection with no
 * allocation (or bound data connection) within the auth timeout is closed, and so is one idle without an allocation.
 */
final class StreamClientHandler extends ChannelInboundHandlerAdapter {

    private final ClientPacketHandler packets;
    private final AllocationManager allocations;
    private final TurnMetrics metrics;
    private final StreamClientConnection connection;
    private final StreamConnectionLimits limits;
    private final long authTimeoutNanos;
    private ScheduledFuture<?> authDeadline;

    StreamClientHandler(ClientPacketHandler packets, AllocationManager allocations, TurnMetrics metrics,
            StreamClientConnection connection, StreamConnectionLimits limits, long authTimeoutNanos) {
        this.packets = packets;
        this.allocations = allocations;
        this.metrics = metrics;
        this.connection = connection;
        this.limits = limits;
        this.authTimeoutNanos = authTimeoutNanos;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        authDeadline = ctx.executor().schedule(() -> {
            if (!connection.isSettled() && ctx.channel().isActive()) {
                metrics.streamClosed(TurnMetrics.StreamClose.AUTH_TIMEOUT);
                ctx.close();
            }
        }, authTimeoutNanos, TimeUnit.NANOSECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf bytes)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        PeerConnection pipe = connection.pipe();
        if (pipe != null) {
            pipe.fromClient(bytes, ctx.channel());
        } else {
            packets.onPacket(bytes, connection);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        PeerConnection pipe = connection.pipe();
        if (pipe != null) {
            pipe.clientWritabilityChanged(ctx.channel());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent && connection.allocation() == null) {
            metrics.streamClosed(TurnMetrics.StreamClose.IDLE);
            ctx.close();
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (authDeadline != null) {
            authDeadline.cancel(false);
        }
        limits.release(connection);
        Allocation allocation = connection.allocation();
        if (allocation != null) {
            allocations.remove(allocation, AllocationManager.EndReason.DELETED);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // bad TLS records are malformed input; resets and other I/O errors are just the client going away
        if (cause instanceof io.netty.handler.codec.DecoderException) {
            metrics.malformed(connection.transportLabel());
        }
        ctx.close();
    }
}
