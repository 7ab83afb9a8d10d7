"""Makes aiortc 1.4 receivers count instead of decode, so the load tool spends its CPU on ICE/DTLS/SRTP only.

install() patches aiortc process-wide: every RTCRtpReceiver counts the RTP packets and bytes it gets (after SRTP,
header plus payload) and the frames its jitter buffer completes, and drops the frames instead of decoding them.
"""
import threading

from aiortc import rtcrtpreceiver
from aiortc.rtcdtlstransport import RTCDtlsTransport
from aiortc.rtcrtpreceiver import RTCRtpReceiver

_lock = threading.Lock()
totals = {"packets": 0, "bytes": 0, "frames": 0}


def _discarding_worker(loop, input_q, output_q):
    while True:
        task = input_q.get()
        if task is None:
            return
        with _lock:
            totals["frames"] += 1


def install():
    original_packet = RTCRtpReceiver._handle_rtp_packet
    original_data = RTCDtlsTransport._handle_rtp_data

    async def count_packet(self, packet, arrival_time_ms):
        self._bench_packets = getattr(self, "_bench_packets", 0) + 1
        await original_packet(self, packet, arrival_time_ms)

    async def count_data(self, data, arrival_time_ms):
        totals["packets"] += 1
        totals["bytes"] += len(data)
        await original_data(self, data, arrival_time_ms)

    RTCRtpReceiver._handle_rtp_packet = count_packet
    RTCDtlsTransport._handle_rtp_data = count_data
    rtcrtpreceiver.decoder_worker = _discarding_worker


def packets_of(receiver):
    return getattr(receiver, "_bench_packets", 0)


def snapshot():
    with _lock:
        return dict(totals)
