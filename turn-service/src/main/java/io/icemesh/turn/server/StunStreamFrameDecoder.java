package io.icemesh.turn.server;

import io.icemesh.turn.metrics.TurnMetrics;
import io.icemesh.stun.ChannelData;
import io.icemesh.stun.StunMessage;
import io.icemesh.stun.StunMessageDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Splits a TCP/TLS byte stream into STUN messages and ChannelData frames (RFC 8656 Section 12.5: over streams,
 * ChannelData is padded to 4 bytes, and the length fields frame both). A stream that starts anything else is
 * out of sync for good: it is counted and closed.
 */
final class StunStreamFrameDecoder extends ByteToMessageDecoder {

    private final TurnMetrics metrics;
    private final String transport;

    StunStreamFrameDecoder(TurnMetrics metrics, String transport) {
        this.metrics = metrics;
        this.transport = transport;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
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
                return;
            }
            out.add(in.readRetainedSlice(frame));
        }
    }
}
