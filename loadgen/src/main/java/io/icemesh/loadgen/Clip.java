package io.icemesh.loadgen;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A pre-encoded VP8 clip at 30 frames per second, as bench/sfu/vp8clip.py writes it (libvpx through PyAV): per frame
 * a 4-byte big-endian length, a keyframe flag byte, then the frame. The first frame is a keyframe, so the clip loops.
 */
final class Clip {

    static final int FPS = 30;
    static final long FRAME_NANOS = 1_000_000_000L / FPS;
    /** 90 kHz RTP clock (RFC 7741) per frame. */
    static final int TIMESTAMP_STEP = 90_000 / FPS;

    private final List<byte[]> frames;
    private final boolean[] keyframes;

    Clip(List<byte[]> frames, boolean[] keyframes) {
        if (frames.isEmpty() || !keyframes[0]) {
            throw new IllegalArgumentException("a clip starts with a keyframe");
        }
        this.frames = frames;
        this.keyframes = keyframes;
    }

    static Clip load(Path path) throws IOException {
        List<byte[]> frames = new ArrayList<>();
        List<Boolean> keys = new ArrayList<>();
        try (DataInputStream in = new DataInputStream(Files.newInputStream(path))) {
            while (true) {
                int n;
                try {
                    n = in.readInt();
                } catch (EOFException end) {
                    break;
                }
                if (n < 0 || n > 4 << 20) {
                    throw new IOException(path + ": frame of " + n + " bytes");
                }
                keys.add(in.readUnsignedByte() != 0);
                byte[] f = new byte[n];
                in.readFully(f);
                frames.add(f);
            }
        }
        boolean[] k = new boolean[keys.size()];
        for (int i = 0; i < k.length; i++) {
            k[i] = keys.get(i);
        }
        return new Clip(frames, k);
    }

    int size() {
        return frames.size();
    }

    byte[] frame(int i) {
        return frames.get(i);
    }

    /** The first keyframe at or after {@code from}, wrapping to the first frame. */
    int nextKeyframe(int from) {
        for (int i = from; i < keyframes.length; i++) {
            if (keyframes[i]) {
                return i;
            }
        }
        return 0;
    }

    /** The clip's bit rate in bit/s at 30 frames per second. */
    long bitrate() {
        long bytes = 0;
        for (byte[] f : frames) {
            bytes += f.length;
        }
        return bytes * 8 * FPS / frames.size();
    }
}
