package dev.coffre.cli;

import dev.coffre.remote.IntegrityException;
import dev.coffre.remote.mega.FileMac;
import dev.coffre.remote.mega.MegaError;
import dev.coffre.remote.mega.MegaException;
import dev.coffre.remote.mega.PublicFile;
import dev.coffre.remote.mega.PublicLink;
import dev.coffre.remote.mega.WholeFileRead;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.Callable;

@Command(name = "get", description = {"Download one file shared by a MEGA public link, decrypt it and verify its MAC.",
        "The file is written to a temporary file beside OUTPUT and renamed only once the whole file's MAC is verified:",
        "a download that fails verification (exit 6) or stops half-way leaves nothing behind. Needs no account."},
        footer = "%nExit codes: 0 ok, 1 error, 2 bad link or usage (OUTPUT exists without --force), 6 integrity failure"
                + " (MAC mismatch, refused key), 7 MEGA refused or could not be reached (no such link, network).",
        mixinStandardHelpOptions = true)
final class GetCommand implements Callable<Integer> {
    @Mixin
    MegaOptions mega = new MegaOptions();

    @Parameters(index = "0", paramLabel = "LINK",
            description = "https://mega.nz/file/HANDLE#KEY, or the legacy https://mega.nz/#!HANDLE!KEY (quote it in the shell).")
    String link;

    @Parameters(index = "1", arity = "0..1", paramLabel = "OUTPUT",
            description = "File to write, or a folder to write into (default: the file's own name, in the current folder).")
    Path output;

    @Option(names = "--force", description = "Replace OUTPUT if it exists.")
    boolean force;

    @Override
    public Integer call() throws CliException {
        PublicLink parsed;
        try {
            parsed = PublicLink.parse(link);
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCodes.USAGE, "not a MEGA file link with its key (https://mega.nz/file/HANDLE#KEY"
                    + " or https://mega.nz/#!HANDLE!KEY): " + e.getMessage());
        }
        if (parsed.kind() != PublicLink.Kind.FILE) {
            throw new CliException(ExitCodes.USAGE, "this is a folder link; coffre get downloads file links only");
        }
        try (PublicFile file = PublicFile.open(mega.config(), parsed)) {
            if (file.problem() != null) {
                throw new CliException(ExitCodes.INTEGRITY, "the linked file is refused: " + file.problem());
            }
            Path target = target(file.name());
            download(file, target);
        } catch (IOException e) {
            throw translate(e);
        }
        return ExitCodes.OK;
    }

    private Path target(String name) throws CliException {
        Path chosen = output;
        if (chosen == null || Files.isDirectory(chosen)) {
            if (name == null || name.isEmpty() || name.contains("/") || name.contains("\0") || name.equals(".") || name.equals("..")) {
                throw new CliException(ExitCodes.USAGE, "the linked file's name cannot be used as a file name here;"
                        + " give OUTPUT");
            }
            chosen = chosen == null ? Path.of(name) : chosen.resolve(name);
        }
        Path target = chosen.toAbsolutePath().normalize();
        if (Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS) && !force) {
            throw new CliException(ExitCodes.USAGE, target + " exists; pass --force to replace it");
        }
        if (Files.isDirectory(target)) {
            throw new CliException(ExitCodes.USAGE, target + " is a folder");
        }
        return target;
    }

    private void download(PublicFile file, Path target) throws IOException, CliException {
        Path dir = target.getParent();
        Path temp;
        try {
            temp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".coffre-part");
        } catch (IOException e) {
            throw new CliException(ExitCodes.ERROR, "cannot write in " + dir + ": " + e.getMessage());
        }
        boolean done = false;
        try {
            WholeFileRead read;
            TransferProgress progress;
            try (OutputStream out = Files.newOutputStream(temp)) {
                progress = new TransferProgress(new BufferedOutputStream(out, 1 << 20), target.getFileName().toString(),
                        file.size(), System.err, System.console() != null);
                read = file.readWhole(progress);
                progress.flush();
                progress.end();
            } catch (UncheckedIOException e) {
                throw new CliException(ExitCodes.ERROR, "cannot write " + temp + ": " + e.getCause().getMessage());
            }
            if (file.mtimeSeconds() > 0) {
                Files.setLastModifiedTime(temp, FileTime.fromMillis(file.mtimeSeconds() * 1000));
            }
            if (!force && Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                throw new CliException(ExitCodes.USAGE, target + " appeared meanwhile; pass --force to replace it");
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            done = true;
            System.err.println("wrote " + target + " (" + Progress.bytes(file.size()) + "), "
                    + (file.size() == 0 ? "empty: nothing to verify" : "MAC verified")
                    + (read.verdict() == FileMac.Verdict.VERIFIED_MEGAJS_BOUNDARY_VARIANT ? " (megajs variant)" : ""));
        } finally {
            if (!done) {
                Files.deleteIfExists(temp);
            }
        }
    }

    private static CliException translate(IOException e) {
        if (e instanceof IntegrityException) {
            return new CliException(ExitCodes.INTEGRITY, "integrity failure, nothing written: " + e.getMessage());
        }
        if (e instanceof MegaException mega && mega.command().equals("g") && mega.code() == MegaError.ENOENT.code) {
            return new CliException(ExitCodes.STORAGE, "MEGA has no file behind this link (removed, or the handle is mistyped)");
        }
        return MegaAccess.translate(e);
    }
}
