package dev.coffre.remote.mega;

import java.util.Map;

/**
 * One node of the account's tree, decrypted: a file, a folder or one of the three roots. {@code key} is
 * the decrypted node key (32 bytes for a file, 16 for a folder) and {@code attributes} the decrypted
 * attributes; both are null when they could not be decrypted or were refused, and {@code problem} then
 * says why. Keys are secret: toString leaves them out.
 */
public record MegaNode(String handle, String parent, Type type, String owner, long size, long createdSeconds,
                       byte[] key, Map<String, Object> attributes, String problem) {

    public enum Type {
        FILE(0), FOLDER(1), ROOT(2), INBOX(3), RUBBISH(4), OTHER(-1);

        public final int code;

        Type(int code) {
            this.code = code;
        }

        public static Type of(int code) {
            for (Type t : values()) {
                if (t.code == code) {
                    return t;
                }
            }
            return OTHER;
        }
    }

    public boolean isFile() {
        return type == Type.FILE;
    }

    /** Folders and the three roots hold children. */
    public boolean isContainer() {
        return type == Type.FOLDER || type == Type.ROOT || type == Type.INBOX || type == Type.RUBBISH;
    }

    /** True when content and attributes can be used: key and attributes decrypted and accepted. */
    public boolean readable() {
        return problem == null;
    }

    /** The name from the attributes; for roots a fixed one; null if undecryptable. */
    public String name() {
        switch (type) {
            case ROOT:
                return "Cloud Drive";
            case INBOX:
                return "Inbox";
            case RUBBISH:
                return "Rubbish Bin";
            default:
                Object n = attributes == null ? null : attributes.get("n");
                return n == null ? null : n.toString();
        }
    }

    /** Modification time in seconds from the fingerprint attribute {@code c}, or -1 when there is none. */
    public long mtimeSeconds() {
        Object c = attributes == null ? null : attributes.get("c");
        if (c == null) {
            return -1;
        }
        try {
            return Fingerprint.parse(c.toString()).mtime();
        } catch (IllegalArgumentException e) {
            return -1;
        }
    }

    public FileKey fileKey() {
        if (type != Type.FILE || key == null || key.length != FileKey.PACKED_BYTES) {
            throw new IllegalStateException("node " + handle + " has no usable file key" + (problem == null ? "" : ": " + problem));
        }
        return FileKey.unpack(key);
    }

    /** The AES key that encrypts the attributes: the folder key, or a file's AES key. */
    byte[] attributeKey() {
        if (key == null) {
            throw new IllegalStateException("node " + handle + " has no key" + (problem == null ? "" : ": " + problem));
        }
        return key.length == FileKey.PACKED_BYTES ? FileKey.unpack(key).aesKey() : key.clone();
    }

    public MegaNode withAttributes(Map<String, Object> newAttributes) {
        return new MegaNode(handle, parent, type, owner, size, createdSeconds, key, newAttributes, problem);
    }

    public MegaNode withParent(String newParent) {
        return new MegaNode(handle, newParent, type, owner, size, createdSeconds, key, attributes, problem);
    }

    @Override
    public String toString() {
        return "MegaNode[" + type + " " + handle + " in " + parent + ", " + size + " bytes"
                + (problem == null ? "" : ", " + problem) + "]";
    }
}
