package io.icemesh.events.v1;

/** Kinds of node that announce themselves on {@link Topics#NODES}. */
public enum NodeKind {
    TURN,
    MEDIA
}
