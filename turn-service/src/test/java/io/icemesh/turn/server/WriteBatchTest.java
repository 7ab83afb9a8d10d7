package io.icemesh.turn.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.local.LocalChannel;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Writes on an event loop wait for the end of the loop's batch, except when the channel's queue is full. */
class WriteBatchTest {

    private final DefaultEventLoop loop = new DefaultEventLoop();

    @AfterEach
    void stop() throws InterruptedException {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    @Test
    void writesOnTheLoopLeaveTogetherWhenTheBatchEnds() throws Exception {
        List<String> a = new CopyOnWriteArrayList<>();
        List<String> b = new CopyOnWriteArrayList<>();
        Channel ca = channel(a);
        Channel cb = channel(b);

        List<String> seenDuringBatch = loop.submit(() -> {
            WriteBatch.write(ca, datagram(1));
            WriteBatch.write(cb, datagram(2));
            WriteBatch.write(ca, datagram(3));
            return List.copyOf(a);
        }).get(5, TimeUnit.SECONDS);
        loop.submit(() -> { }).get(5, TimeUnit.SECONDS);

        assertEquals(List.of("write 1", "write 3"), seenDuringBatch, "written, not flushed, while the batch runs");
        assertEquals(List.of("write 1", "write 3", "flush"), a, "one flush after the batch, writes in order");
        assertEquals(List.of("write 2", "flush"), b, "the same flush task covers every channel of the batch");
    }

    @Test
    void aChannelPastItsHighWaterMarkIsFlushedAtOnce() throws Exception {
        List<String> a = new CopyOnWriteArrayList<>();
        Channel ca = channel(a);
        ca.config().setOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(8, 16));

        List<String> seenDuringBatch = loop.submit(() -> {
            WriteBatch.write(ca, Unpooled.wrappedBuffer(new byte[32]));
            return List.copyOf(a);
        }).get(5, TimeUnit.SECONDS);

        assertEquals(List.of("write 0", "flush"), seenDuringBatch, "a full queue is flushed now, never dropped");
    }

    @Test
    void aWriteFromAnotherThreadIsFlushedAtOnce() throws Exception {
        List<String> a = new CopyOnWriteArrayList<>();
        Channel ca = channel(a);
        WriteBatch.write(ca, datagram(5));
        loop.submit(() -> { }).get(5, TimeUnit.SECONDS);
        assertEquals(List.of("write 5", "flush"), a);
    }

    /** A channel on the test loop that records its outbound events (it is not connected, so nothing is sent). */
    private Channel channel(List<String> events) throws InterruptedException {
        LocalChannel channel = new LocalChannel();
        channel.pipeline().addLast(new ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                events.add("write " + ((ByteBuf) msg).getByte(0));
                // on to the channel's outbound buffer, which counts the bytes against the water marks
                ctx.write(msg, promise);
            }

            @Override
            public void flush(ChannelHandlerContext ctx) {
                events.add("flush");
                // the channel is not connected: the flush fails and releases what was written
                ctx.flush();
            }
        });
        loop.register(channel).sync();
        return channel;
    }

    private static ByteBuf datagram(int value) {
        return Unpooled.buffer(1).writeByte(value);
    }
}
