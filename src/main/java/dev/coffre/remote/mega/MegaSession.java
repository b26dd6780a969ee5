package dev.coffre.remote.mega;

/**
 * A logged-in session: the session id sent with every request, the master key that unwraps every node
 * key, and the user's own handle (which marks key entries encrypted with the master key). With these a
 * session can be resumed without the password. Secret: never printed.
 */
public final class MegaSession {
    private final String sid;
    private final byte[] masterKey;
    private final String userHandle;

    public MegaSession(String sid, byte[] masterKey, String userHandle) {
        if (masterKey.length != 16) {
            throw new IllegalArgumentException("a MEGA master key is 16 bytes");
        }
        this.sid = sid;
        this.masterKey = masterKey.clone();
        this.userHandle = userHandle;
    }

    public String sid() {
        return sid;
    }

    public byte[] masterKey() {
        return masterKey.clone();
    }

    /** The user's handle (11 characters), or null until {@code ug} told it. */
    public String userHandle() {
        return userHandle;
    }

    public MegaSession withUserHandle(String handle) {
        return new MegaSession(sid, masterKey, handle);
    }

    public MegaSession withSid(String newSid) {
        return new MegaSession(newSid, masterKey, userHandle);
    }

    @Override
    public String toString() {
        return "MegaSession[user " + userHandle + ", sid and key redacted]";
    }
}
