package io.icemesh.media.sdp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.icemesh.media.rtp.AbsSendTime;
import org.junit.jupiter.api.Test;

class ExtensionMapTest {

    private static SessionDescription sdp(String videoAttributes) throws SdpException {
        return SessionDescription.parse("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
                + "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\n"
                + "a=extmap:2 " + AbsSendTime.URI + "\r\n"
                + "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\n" + videoAttributes);
    }

    @Test
    void findsTheIdTheAnswerKeptForAbsSendTimeInVideo() throws SdpException {
        assertEquals(5, ExtensionMap.absSendTimeId(sdp("a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
                + "a=extmap:5/recvonly " + AbsSendTime.URI + "\r\n").media()));
    }

    @Test
    void noneWhenVideoDoesNotMapItOrTheIdIsNotOneByte() throws SdpException {
        assertEquals(0, ExtensionMap.absSendTimeId(sdp("a=recvonly\r\n").media()), "audio's mapping does not count");
        assertEquals(0, ExtensionMap.absSendTimeId(sdp("a=extmap:15 " + AbsSendTime.URI + "\r\n").media()));
        assertEquals(0, ExtensionMap.absSendTimeId(sdp("a=extmap:x " + AbsSendTime.URI + "\r\n").media()));
        assertEquals(0, ExtensionMap.absSendTimeId(sdp("a=extmap:\r\n").media()));
    }
}
