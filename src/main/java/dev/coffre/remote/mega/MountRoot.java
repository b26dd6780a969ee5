package dev.coffre.remote.mega;

import java.io.IOException;

/**
 * Which folder of a tree a mount shows as its root: the Cloud Drive, a folder in it by path
 * ({@code mega:/A/B}), the folder a public link shares, or a folder inside that one by node handle
 * ({@code /folder/PH#KEY/folder/H}). Found again at each load, so a folder moved by another client is
 * followed as long as its path (or handle) still leads to it.
 */
public final class MountRoot {
    private final String path;
    private final String handle;

    private MountRoot(String path, String handle) {
        this.path = path;
        this.handle = handle;
    }

    /** The whole Cloud Drive of an account, or the whole folder of a link. */
    public static MountRoot top() {
        return new MountRoot("/", null);
    }

    /** A folder by its path below the top, {@code /A/B}. */
    public static MountRoot folder(String path) {
        return new MountRoot(path.startsWith("/") ? path : "/" + path, null);
    }

    /** A folder below the top by its node handle (the {@code /folder/H} of a link). */
    public static MountRoot node(String handle) {
        return new MountRoot(null, handle);
    }

    public boolean isTop() {
        return handle == null && path.replace("/", "").isEmpty();
    }

    /** How the root is named in messages: its path, or the handle of a folder inside a link. */
    public String describe() {
        return handle != null ? "folder " + handle : path;
    }

    /** The root's node in {@code tree}; a {@link Missing} exception when there is no such folder. */
    MegaNode find(MegaTree tree) throws Missing {
        MegaNode top = tree.root();
        if (top == null) {
            throw new Missing("the tree has no top folder", false);
        }
        if (!top.readable()) {
            throw new Missing("the top folder cannot be decrypted: " + top.problem(), true);
        }
        MegaNode found = handle != null ? below(tree, top, tree.get(handle)) : tree.resolve(path);
        if (found == null) {
            throw new Missing("no folder " + describe(), false);
        }
        if (!found.isContainer()) {
            throw new Missing(describe() + " is a file, not a folder", false);
        }
        return found;
    }

    /** {@code node} if it sits at or below {@code top}: a link's handle must not reach outside the link. */
    private static MegaNode below(MegaTree tree, MegaNode top, MegaNode node) {
        for (MegaNode at = node; at != null; at = tree.get(at.parent())) {
            if (at.handle().equals(top.handle())) {
                return node;
            }
        }
        return null;
    }

    /** The root folder is not there, is a file, or cannot be decrypted (a wrong link key). */
    public static final class Missing extends IOException {
        private final boolean undecryptable;

        Missing(String message, boolean undecryptable) {
            super(message);
            this.undecryptable = undecryptable;
        }

        /** True when the folder is there but its key does not decrypt it. */
        public boolean undecryptable() {
            return undecryptable;
        }
    }
}
