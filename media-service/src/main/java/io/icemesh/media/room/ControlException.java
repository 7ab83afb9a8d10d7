package io.icemesh.media.room;

/** A command that cannot be carried out; the message becomes the ERROR reply's reason. */
public class ControlException extends Exception {
    public ControlException(String message) {
        super(message);
    }
}
