"""A pre-encoded VP8 clip, sent as-is by aiortc (no encoding in the load tool).

The clip is encoded once with PyAV's libvpx (a moving test pattern) and kept as length-prefixed frames; ClipTrack
returns each frame as an av.Packet, which aiortc 1.4's RTCRtpSender packetizes without encoding
(Vp8Encoder.pack). It loops at the clip's first frame, a keyframe, so a receiver could decode it.
"""
import asyncio
import fractions
import os
import struct
import time

import av
from aiortc import MediaStreamTrack

FPS = 30
VIDEO_CLOCK = 90000
"""RTP clock rate of video (RFC 7741)."""
_HEADER = struct.Struct("!IB")  # frame length, keyframe flag


def generate(path, seconds=10, width=640, height=360, bitrate=1_000_000, keyframe_interval_s=2):
    """Encodes a moving test pattern to VP8 and writes it to path (done once, kept between runs)."""
    ctx = _encoder(width, height, bitrate, keyframe_interval_s)
    frames = []
    for i in range(seconds * FPS):
        img = bytearray(width * height * 3 // 2)
        # luma: diagonal bands that move, chroma: slowly changing tint (enough texture for a realistic bitrate)
        for y in range(height):
            row = y * width
            shift = (i * 4 + y) & 0xFF
            img[row:row + width] = bytes(((x + shift) * 3) & 0xFF for x in range(width))
        chroma = width * height
        img[chroma:] = bytes([(i * 2) & 0xFF]) * (width * height // 2)
        frame = av.VideoFrame(width, height, "yuv420p")
        for plane, (start, size) in zip(frame.planes, ((0, chroma), (chroma, chroma // 4),
                                                       (chroma + chroma // 4, chroma // 4))):
            plane.update(bytes(img[start:start + size]))
        frame.pts = i
        frames.extend(ctx.encode(frame))
    frames.extend(ctx.encode(None))
    _write(path, frames)


def _encoder(width, height, bitrate, keyframe_interval_s, extra_options=None):
    """libvpx in real-time mode, no look-ahead: frames as a WebRTC sender would make them."""
    ctx = av.CodecContext.create("libvpx", "w")
    ctx.width, ctx.height, ctx.pix_fmt = width, height, "yuv420p"
    ctx.time_base = fractions.Fraction(1, FPS)
    ctx.framerate = fractions.Fraction(FPS, 1)
    ctx.bit_rate = bitrate
    ctx.gop_size = FPS * keyframe_interval_s
    ctx.options = dict({"deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0"}, **(extra_options or {}))
    return ctx


def _write(path, packets):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        for p in packets:
            data = bytes(p)
            f.write(_HEADER.pack(len(data), 1 if p.is_keyframe else 0))
            f.write(data)
    os.replace(tmp, path)


def load(path):
    """The clip's frames: a list of (bytes, is_keyframe)."""
    out = []
    with open(path, "rb") as f:
        while True:
            head = f.read(_HEADER.size)
            if not head:
                return out
            n, key = _HEADER.unpack(head)
            out.append((f.read(n), bool(key)))


def bitrate(frames):
    return sum(len(d) for d, _ in frames) * 8 * FPS / len(frames)


class ClipTrack(MediaStreamTrack):
    """A video track that replays pre-encoded VP8 frames at FPS, paced like aiortc's VideoStreamTrack."""

    kind = "video"

    def __init__(self, frames):
        super().__init__()
        self._frames = frames
        self._index = 0
        self.sent = 0
        self._start = None
        self._pts = 0

    async def recv(self):
        if self._start is None:
            self._start = time.monotonic()
        else:
            self._pts += VIDEO_CLOCK // FPS
            wait = self._start + self._pts / VIDEO_CLOCK - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
        data, _ = self._frames[self._index]
        self._index = (self._index + 1) % len(self._frames)
        self.sent += 1
        packet = av.Packet(data)
        packet.pts = self._pts
        packet.time_base = fractions.Fraction(1, VIDEO_CLOCK)
        return packet


def generate_textured(path, seconds=10, width=1280, height=720, bitrate=2_500_000, keyframe_interval_s=2, seed=1):
    """Like generate(), with moving noise blocks so that libvpx's rate control reaches the target bit rate (a plain
    test pattern encodes to far less); for the Java load generator's 720p and 360p clips (loadgen/README.md)."""
    import numpy as np
    rng = np.random.default_rng(seed)
    ctx = _encoder(width, height, bitrate, keyframe_interval_s, {"end-usage": "cbr"})
    xs = np.arange(width, dtype=np.int32)
    ys = np.arange(height, dtype=np.int32)[:, None]
    block = 16
    noise = rng.integers(0, 256, size=(height // block + 1, width // block + 1), dtype=np.uint8)
    frames = []
    for i in range(seconds * FPS):
        luma = (((xs + ys + i * 4) * 3) & 0xFF).astype(np.uint8)
        # a quarter of the blocks change every frame: texture that motion search cannot predict
        change = rng.random(noise.shape) < 0.25
        noise[change] = rng.integers(0, 256, size=int(change.sum()), dtype=np.uint8)
        tiles = np.kron(noise, np.ones((block, block), dtype=np.uint8))[:height, :width]
        luma = ((luma.astype(np.uint16) + tiles) >> 1).astype(np.uint8)
        chroma = np.full((height // 2, width // 2), (i * 2) & 0xFF, dtype=np.uint8)
        frame = av.VideoFrame(width, height, "yuv420p")
        frame.planes[0].update(np.ascontiguousarray(_pad(luma, frame.planes[0].line_size)).tobytes())
        frame.planes[1].update(np.ascontiguousarray(_pad(chroma, frame.planes[1].line_size)).tobytes())
        frame.planes[2].update(np.ascontiguousarray(_pad(chroma, frame.planes[2].line_size)).tobytes())
        frame.pts = i
        frames.extend(ctx.encode(frame))
    frames.extend(ctx.encode(None))
    _write(path, frames)


def _pad(plane, line_size):
    import numpy as np
    if plane.shape[1] == line_size:
        return plane
    out = np.zeros((plane.shape[0], line_size), dtype=np.uint8)
    out[:, :plane.shape[1]] = plane
    return out


if __name__ == "__main__":
    import argparse
    parser = argparse.ArgumentParser(description="Writes a VP8 clip (libvpx) for the load tools.")
    parser.add_argument("path")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=720)
    parser.add_argument("--kbps", type=int, default=2500)
    args = parser.parse_args()
    generate_textured(args.path, args.seconds, args.width, args.height, args.kbps * 1000)
    clip = load(args.path)
    print("%s: %d frames, %d kbit/s, %d keyframes" % (args.path, len(clip), bitrate(clip) / 1000,
                                                     sum(1 for _, k in clip if k)))
