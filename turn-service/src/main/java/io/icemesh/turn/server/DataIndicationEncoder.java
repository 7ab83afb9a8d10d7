package io.icemesh.turn.server;

import io.icemesh.stun.StunAttributeType;
import io.icemesh.stun.StunMessage;
import io.icemesh.stun.StunMessageDecoder;
import io.icemesh.stun.StunMessageType;
import io.icemesh.stun.XorAddress;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.net.InetSocketAddress;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes a Data indication (RFC 8656 Section 11.3) straight into a pooled buffer: header, XOR-PEER-ADDRESS and
 * DATA, with a random transaction id. No intermediate message object is built.
 */
final class DataIndicationEncoder {

    private static final int COOKIE_HIGH = StunMessage.MAGIC_COOKIE >>> 16;

    private DataIndicationEncoder() {
    }

    /** Encodes {@code length} bytes of {@code data} from {@code peer}; the caller owns the result. */
    static ByteBuf encode(ByteBufAllocator alloc, InetSocketAddress peer, ByteBuf data, int length) {
        byte[] ip = peer.getAddress().getAddress();
        int addressLength = ip.length == 4 ? XorAddress.IPV4_VALUE_LENGTH : XorAddress.IPV6_VALUE_LENGTH;
        int padded = StunMessageDecoder.padded(length);
        int body = 4 + addressLength + 4 + padded;
        ByteBuf out = alloc.directBuffer(StunMessage.HEADER_LENGTH + body);
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long txHigh = random.nextLong();
        int txLow = random.nextInt();
        out.writeShort(StunMessageType.DATA_INDICATION);
        out.writeShort(body);
        out.writeInt(StunMessage.MAGIC_COOKIE);
        out.writeLong(txHigh);
        out.writeInt(txLow);
        out.writeShort(StunAttributeType.XOR_PEER_ADDRESS);
        out.writeShort(addressLength);
        out.writeByte(0);
        out.writeByte(ip.length == 4 ? XorAddress.FAMILY_IPV4 : XorAddress.FAMILY_IPV6);
        out.writeShort(peer.getPort() ^ COOKIE_HIGH);
        out.writeInt(readInt(ip, 0) ^ StunMessage.MAGIC_COOKIE);
        if (ip.length == 16) {
            out.writeLong(readLong(ip, 4) ^ txHigh);
            out.writeInt(readInt(ip, 12) ^ txLow);
        }
        out.writeShort(StunAttributeType.DATA);
        out.writeShort(length);
        out.writeBytes(data, data.readerIndex(), length);
        out.writeZero(padded - length);
        return out;
    }

    private static int readInt(byte[] b, int o) {
        return ((b[o] & 0xFF) << 24) | ((b[o + 1] & 0xFF) << 16) | ((b[o + 2] & 0xFF) << 8) | (b[o + 3] & 0xFF);
    }

    private static long readLong(byte[] b, int o) {
        return ((long) readInt(b, o) << 32) | (readInt(b, o + 4) & 0xFFFFFFFFL);
    }
}
