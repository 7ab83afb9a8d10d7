package io.icemesh.signaling.room;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.icemesh.signaling.auth.RoomMode;
import io.icemesh.signaling.auth.RoomTokens;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Every room's snapshot fits one Kafka record under the limits RoomLog accepts, so every snapshot pass moves each
 * partition's checkpoint on (a room too large to snapshot would hold it back until retention deleted what a new
 * instance needs). The largest room is built here: the most SFU peers, each with the longest subject a room token
 * can carry, replay buffers at the room's budget full of characters a snapshot escapes, and every SFU reference kept.
 */
class RoomSnapshotSizeTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The defaults of SignalingConfig (rooms.max-peers, max-sfu-peers, protocol.resume-backlog, ...). */
    private static final RoomStateMachine.Limits DEFAULTS = new RoomStateMachine.Limits(8, 50, 64, 200, 524_288);

    @Test
    void theLargestRoomUnderTheDefaultLimitsFitsOneRecord() throws Exception {
        RoomStateMachine state = new RoomStateMachine(DEFAULTS);
        // A room token is at most MAX_TOKEN_CHARS of base64url: its claims hold at most 3/4 of that in bytes.
        String subject = "ü\"".repeat(RoomTokens.MAX_TOKEN_CHARS * 3 / 4 / 4); // 4 bytes each, escaped
        String room = "r".repeat(64);
        for (int i = 0; i < DEFAULTS.maxSfuPeers(); i++) {
            String session = "00000000-0000-0000-0000-" + String.format("%012d", i);
            state.apply(new RoomCommand.Join(room, "signaling-instance-with-a-long-id-" + i, "req-" + i,
                    "connection-00000000-0000-0000-0000-" + i, session, "peer-" + session, subject, RoomMode.SFU,
                    "resume-token-0123456789abcdef0123456789abcdef", "media-node-with-a-long-name", null,
                    Long.MAX_VALUE, DEFAULTS));
            state.apply(new RoomCommand.Admit(room, "signaling-instance-with-a-long-id-" + i, "adm-" + i, session));
        }
        String sdp = "a=\"x\"\\\\ é ".repeat(3000);
        long refs = 0;
        for (int round = 0; round < 4; round++) {
            for (int i = 0; i < DEFAULTS.maxSfuPeers(); i++) {
                String session = "00000000-0000-0000-0000-" + String.format("%012d", i);
                ObjectNode offer = JsonNodeFactory.instance.objectNode().put("type", "offer").put("from", "sfu")
                        .put("sdp", sdp + round);
                state.apply(new RoomCommand.SfuMessage(room, "i", session,
                        "answer:00000000-0000-0000-0000-" + String.format("%012d", refs++), offer));
            }
        }
        while (refs < RoomStateMachine.SFU_REFS_KEPT + 10) {
            ObjectNode end = JsonNodeFactory.instance.objectNode().put("type", "sfu-ended").put("reason", "x");
            state.apply(new RoomCommand.SfuMessage(room, "i", "00000000-0000-0000-0000-000000000000",
                    "answer:00000000-0000-0000-0000-" + String.format("%012d", refs++), end));
        }
        int bytes = JSON.writeValueAsString(JSON.createObjectNode().put("partition", 2).put("offset", Long.MAX_VALUE)
                .set("room", state.snapshot(room))).getBytes(StandardCharsets.UTF_8).length;
        long bound = RoomStateMachine.snapshotBound(DEFAULTS);
        assertTrue(bytes <= bound, "the largest room's snapshot takes " + bytes + " bytes, over its bound " + bound);
        assertTrue(bytes > bound / 2, "the room built is near the bound (" + bytes + " of " + bound + ")");
        assertTrue(bound <= RoomSnapshots.MAX_SNAPSHOT_BYTES);
        RoomLog.checkSnapshotBound(DEFAULTS);
    }

    @Test
    void limitsUnderWhichARoomMightNotFitAreRefusedWithWhatToChange() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RoomLog.checkSnapshotBound(new RoomStateMachine.Limits(8, 200, 64, 200, 524_288)));
        assertTrue(e.getMessage().contains("lower room-replay-bytes"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> RoomLog.checkSnapshotBound(new RoomStateMachine.Limits(8, 50, 64, 200, 600_000)));
        RoomLog.checkSnapshotBound(new RoomStateMachine.Limits(8, 100, 64, 200, 200_000));
    }
}
