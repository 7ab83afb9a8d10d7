package io.icemesh.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.icemesh.events.v1.MediaCommandType;
import io.icemesh.events.v1.MediaReply;
import io.icemesh.events.v1.MediaReplyType;
import io.icemesh.testkit.Browser;
import java.time.Duration;
import java.util.Map;

/** What the SFU Chromium tests do with sfu-test.html pages: join one through Kafka, answer the SFU's offers. */
final class SfuTestPages {

    private SfuTestPages() {
    }

    /**
     * The page publishes with {@code options} (a JS object literal for {@code sfu.publish}), the endpoint is
     * allocated, the page's offer answered; returns the SFU's answer (which the page has taken).
     */
    static MediaReply join(KafkaSignaling signaling, String ep, Browser b, String options) {
        String offer = (String) b.async("sfu.publish(" + options + ").then(arguments[0], e => arguments[0]('ERR ' + e))");
        assertTrue(offer.startsWith("v=0"), ep + " made no offer: " + offer);
        signaling.send(MediaCommandType.ALLOCATE, ep, null);
        signaling.take(ep, MediaReplyType.ALLOCATED, Duration.ofSeconds(30));
        signaling.send(MediaCommandType.OFFER, ep, offer);
        MediaReply answer = signaling.take(ep, MediaReplyType.ANSWER, Duration.ofSeconds(30));
        Object state = b.async("sfu.acceptAnswer(arguments[0]).then(arguments[1], e => arguments[1]('ERR ' + e))",
                answer.sdp());
        assertEquals("stable", state, ep + " took the SFU's answer");
        return answer;
    }

    /** Answers every SFU offer waiting, in order, in its page, and sends the answers back. */
    static void relayOffers(KafkaSignaling signaling, Map<String, Browser> pages) {
        for (MediaReply offer : signaling.takeOffers()) {
            String answer = (String) pages.get(offer.endpointId()).async(
                    "sfu.answerOffer(arguments[0]).then(arguments[1], e => arguments[1]('ERR ' + e))", offer.sdp());
            assertTrue(answer.startsWith("v=0"), offer.endpointId() + " could not answer: " + answer);
            signaling.send(MediaCommandType.ANSWER, offer.endpointId(), answer);
        }
    }
}
