package dev.coffre.cli;

import dev.coffre.cache.SegmentCache;
import dev.coffre.io.PendingLog;
import dev.coffre.io.StagingArea;
import dev.coffre.io.WriteBack;
import dev.coffre.remote.mega.MegaClient;
import dev.coffre.remote.mega.MegaError;
import dev.coffre.remote.mega.MegaException;
import dev.coffre.remote.mega.MegaRemote;
import dev.coffre.remote.mega.MountRoot;
import dev.coffre.remote.mega.PublicLink;
import dev.coffre.vfs.Vfs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * {@code coffre mount} of MEGA, through the same filesystem core as a vault ({@link MegaRemote} under {@link Vfs}
 * and its write-back) and the same {@link MountSession}:
 * <ul>
 * <li>{@code mega:} the account's Cloud Drive, {@code mega:/A/B} a folder in it as the root. The account is
 * reached the way {@code coffre ls mega:} reaches it (the saved session of {@code coffre login mega:}, else
 * {@code MEGA_EMAIL}/{@code MEGA_PASSWORD}, which the background half inherits);</li>
 * <li>a public folder link ({@code https://mega.nz/folder/PH#KEY}, {@code #F!PH!KEY}, optionally with
 * {@code /folder/H} for a folder inside it), read-only and without an account. The link's key is a secret:
 * the background half gets it through a pipe, and messages, the state file and argv show the link without it.</li>
 * </ul>
 */
final class MegaMount {
    private final MountCommand command;
    private final MountSession session;
    private final String remote;
    private final Path mountPoint;

    MegaMount(MountCommand command, MountSession session, String remote, Path mountPoint) {
        this.command = command;
        this.session = session;
        this.remote = remote;
        this.mountPoint = mountPoint;
    }

    int run() throws Exception {
        if (remote.startsWith("mega:")) {
            return runAccount(MegaAccess.folderOf(remote, "mount"));
        }
        if (command.daemonChild) {
            // The argument is the link without its key; the whole link comes through the pipe.
            return session.serveAsChild(true, secret -> openLink(parseLink(new String(secret, StandardCharsets.UTF_8))));
        }
        PublicLink link = parseLink(remote);
        FuseOptions.check(command.options);
        Mounts.checkMountPoint(mountPoint, command.options);
        byte[] secret = remote.trim().getBytes(StandardCharsets.UTF_8);
        if (command.foreground) {
            return session.serveInForeground(ignored -> openLink(link), null);
        }
        String shown = shown(link);
        return session.startChild(shown, List.of("--mega-api", command.mega.apiUrl(),
                "--mega-verify", command.megaVerify.optionValue()), shown, secret);
    }

    private int runAccount(String folder) throws Exception {
        MountRoot root = folder.equals("/") ? MountRoot.top() : MountRoot.folder(folder);
        String shown = root.isTop() ? "mega:" : "mega:" + folder;
        MountSession.Opener opener = ignored -> openAccount(root, shown);
        if (command.daemonChild) {
            return session.serveAsChild(false, opener);
        }
        FuseOptions.check(command.options);
        Mounts.checkMountPoint(mountPoint, command.options);
        if (command.foreground) {
            return session.serveInForeground(opener, null);
        }
        MegaAccess.open(command.mega).close(); // credentials and session checked here, where a terminal can be asked
        List<String> flags = new ArrayList<>(List.of("--mega-api", command.mega.apiUrl(),
                "--mega-verify", command.megaVerify.optionValue()));
        if (command.megaHardDelete) {
            flags.add("--mega-hard-delete");
        }
        return session.startChild(shown, flags, shown, null);
    }

    // ---- opening ----

    private MountSession.Opened openAccount(MountRoot root, String shown) throws CliException, IOException {
        MegaClient client = MegaAccess.open(command.mega);
        String id = digest(command.mega.apiUrl(), client.session().userHandle(), root.isTop() ? null : root.describe());
        return open(client, root, false, shown, shown, "mega-" + id, "this MEGA " + (root.isTop() ? "Cloud Drive" : "folder"));
    }

    private MountSession.Opened openLink(PublicLink link) throws CliException, IOException {
        MegaClient client = MegaClient.openFolderLink(command.mega.config(), link);
        MountRoot root = link.childHandle() == null ? MountRoot.top() : MountRoot.node(link.childHandle());
        String id = digest(command.mega.apiUrl(), link.handle(), link.childHandle());
        return open(client, root, true, shown(link), "mega-link:" + link.handle(), "mega-link-" + id, "this MEGA folder link");
    }

    private MountSession.Opened open(MegaClient client, MountRoot root, boolean readOnly, String shown, String fsName,
                                     String workName, String what) throws CliException, IOException {
        Path work = command.cacheDirectory().resolve("staging").resolve(workName);
        java.nio.channels.FileChannel lock = MountSession.lockStaging(work, what);
        int uid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        int gid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:gid");
        MegaRemote mega = new MegaRemote(client, root, readOnly, work.resolve("content"), command.megaHardDelete, uid, gid);
        mega.verifyReads(command.megaVerify, work.resolve("chunk-macs"));
        StagingArea staging = new StagingArea(work.resolve("blocks"));
        WriteBack writeBack = new WriteBack(mega, staging, new PendingLog(work), command.writeBackDelay.toMillis(),
                command.uploadThreads(true), command.stagingSize, command.pollInterval.toMillis(), 0);
        SegmentCache segments = new SegmentCache(command.cacheSize);
        Vfs vfs = new Vfs(mega, segments, staging, writeBack, Clock.systemUTC());
        try {
            vfs.load();
        } catch (IOException e) {
            mega.close();
            lock.close();
            throw translateLoad(e, shown, client.isFolderLink());
        }
        return new MountSession.Opened(shown, fsName, readOnly, vfs, segments, null, staging, () -> 0, () -> 0,
                () -> { }, () -> {
                    mega.close();
                    lock.close();
                });
    }

    /**
     * Why the tree could not be loaded, as other commands say it: no such folder (or a file) exits 2 like
     * {@code coffre ls}; a link's key that does not decrypt its folder exits 6 and an unknown link 7, like
     * {@code coffre get}.
     */
    private static CliException translateLoad(IOException e, String shown, boolean link) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof MountRoot.Missing missing) {
                if (missing.undecryptable()) {
                    return new CliException(ExitCodes.INTEGRITY, "the key of " + shown + " does not decrypt the"
                            + " linked folder (a wrong key, or altered by the server)");
                }
                return new CliException(ExitCodes.USAGE, "cannot mount " + shown + ": " + missing.getMessage()
                        + (link ? " in the linked folder" : " in the Cloud Drive"));
            }
            if (link && t instanceof MegaException mega && mega.code() == MegaError.ENOENT.code) {
                return new CliException(ExitCodes.STORAGE, "MEGA does not know the folder link " + shown
                        + " (removed, or mistyped)");
            }
        }
        return MegaAccess.translate(e);
    }

    private static PublicLink parseLink(String text) throws CliException {
        PublicLink link;
        try {
            link = PublicLink.parse(text);
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCodes.USAGE, "not a MEGA folder link with its key"
                    + " (https://mega.nz/folder/HANDLE#KEY): " + e.getMessage());
        }
        if (link.kind() != PublicLink.Kind.FOLDER) {
            throw new CliException(ExitCodes.USAGE, "a file link cannot be mounted; download it with: coffre get LINK");
        }
        return link;
    }

    /** The link as it may be shown: without its key. */
    private static String shown(PublicLink link) {
        return "https://mega.nz/folder/" + link.handle()
                + (link.childHandle() == null ? "" : "/folder/" + link.childHandle());
    }

    /** One staging folder per API and account or link (and folder): a digest, so no e-mail or key appears in a path. */
    private static String digest(String apiUrl, String owner, String folder) {
        try {
            String text = apiUrl + "\n" + owner + (folder == null ? "" : "\n" + folder);
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
