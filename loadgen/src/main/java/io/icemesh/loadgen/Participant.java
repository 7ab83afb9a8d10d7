package io.icemesh.loadgen;

/** A publisher or subscriber: one endpoint and its signaling, on icemesh or on Janus. */
interface Participant {

    Endpoint endpoint();

    /** Joins (publisher: publishes; subscriber: subscribes to the room's publisher). Returns when signaled. */
    void join() throws Exception;

    void leave();
}
