package dev.coffre.remote.mega;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A public link to a file or a folder, in the current form ({@code https://mega.nz/file/PH#KEY},
 * {@code /folder/PH#KEY}, optionally followed by {@code /file/H} or {@code /folder/H} for an item inside
 * a folder) or the legacy one ({@code https://mega.nz/#!PH!KEY}, {@code #F!PH!KEY}), on mega.nz or
 * mega.co.nz (mega-protocol.md §6.1, §8.8). A link without a key is refused: nothing could be read.
 */
public final class PublicLink {
    public enum Kind { FILE, FOLDER }

    private static final String HOST = "https?://(?:www\\.)?mega\\.(?:nz|co\\.nz)/";
    private static final String B64 = "[A-Za-z0-9_\\-+/]";
    /** In the current form a {@code /} ends the key: links use the URL-safe alphabet. */
    private static final String KEY = "[A-Za-z0-9_\\-+]";
    private static final Pattern CURRENT = Pattern.compile(
            HOST + "(file|folder)/(" + KEY + "{8})#(" + KEY + "+)(?:/(file|folder)/(" + KEY + "{8}))?/?");
    private static final Pattern LEGACY = Pattern.compile(HOST + "#(F?)!(" + B64 + "{8})!(" + B64 + "+)");

    private final Kind kind;
    private final String handle;
    private final byte[] key;
    private final String childHandle;

    private PublicLink(Kind kind, String handle, byte[] key, String childHandle) {
        this.kind = kind;
        this.handle = handle;
        this.key = key;
        this.childHandle = childHandle;
    }

    public static PublicLink parse(String link) {
        String text = link.trim();
        Matcher current = CURRENT.matcher(text);
        if (current.matches()) {
            Kind kind = current.group(1).equals("file") ? Kind.FILE : Kind.FOLDER;
            return new PublicLink(kind, current.group(2), decodeKey(kind, current.group(3)), current.group(5));
        }
        Matcher legacy = LEGACY.matcher(text);
        if (legacy.matches()) {
            Kind kind = legacy.group(1).isEmpty() ? Kind.FILE : Kind.FOLDER;
            return new PublicLink(kind, legacy.group(2), decodeKey(kind, legacy.group(3)), null);
        }
        throw new IllegalArgumentException("not a MEGA file or folder link with a key");
    }

    private static byte[] decodeKey(Kind kind, String text) {
        byte[] key = Base64Url.decode(text);
        int expected = kind == Kind.FILE ? FileKey.PACKED_BYTES : 16;
        if (key.length != expected) {
            throw new IllegalArgumentException("a " + kind.name().toLowerCase() + " link key is " + expected
                    + " bytes, this one is " + key.length);
        }
        return key;
    }

    public Kind kind() {
        return kind;
    }

    /** The public handle (not the node handle). */
    public String handle() {
        return handle;
    }

    /** The file key (32 bytes) for a file link, the folder key (16 bytes) for a folder link. */
    public byte[] key() {
        return key.clone();
    }

    public FileKey fileKey() {
        if (kind != Kind.FILE) {
            throw new IllegalStateException("a folder link has no file key");
        }
        return FileKey.unpack(key);
    }

    /** Node handle of an item inside a linked folder, or null. */
    public String childHandle() {
        return childHandle;
    }

    @Override
    public String toString() {
        return "PublicLink[" + kind + " " + handle + (childHandle == null ? "" : " item " + childHandle) + ", key redacted]";
    }
}
