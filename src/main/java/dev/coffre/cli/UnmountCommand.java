package dev.coffre.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "unmount", aliases = "umount", description = {"Unmount a drive.",
        "Waits until everything written is uploaded and the mount process has exited, showing what is left.",
        "With --force it unmounts at once; what was not uploaded stays queued and is uploaded by the next mount."},
        footer = ExitCodes.HELP, mixinStandardHelpOptions = true)
final class UnmountCommand implements Callable<Integer> {
    private static final long WAIT_MINUTES = 60;

    @Parameters(paramLabel = "MOUNTPOINT", description = "The mount point, or the NAME of a mounted remote.")
    String mountPoint;

    @Option(names = "--force", description = "Unmount now, even if busy; keep the upload queue for the next mount.")
    boolean force;

    @Override
    public Integer call() throws Exception {
        Path target = MountTargets.resolve(mountPoint);
        Optional<MountState> state = MountState.read(target);
        if (!Mounts.isMountPoint(target)) {
            state.filter(s -> !s.processAlive()).ifPresent(s -> MountState.remove(target));
            throw new CliException(ExitCodes.ERROR, target + " is not mounted");
        }
        if (!Files.exists(target) || state.filter(s -> !s.processAlive()).isPresent()) {
            // The mount process died ("Transport endpoint is not connected"): detach what it left. Its
            // queue is on local disk and the next mount uploads it.
            String problem = fusermount("-uz", target);
            if (problem != null) {
                throw new CliException(ExitCodes.ERROR, "could not clean up the dead mount " + target + ": " + problem);
            }
            MountState.remove(target);
            System.out.println("cleaned up " + target + " (its mount process had died; mount again to resume its uploads)");
            return ExitCodes.OK;
        }
        if (force && state.filter(MountState::processAlive).isPresent()) {
            ControlSocket.request(target, "force");
        }
        // Before the unmount: the live figures, from which the progress of the final uploads is counted.
        Optional<MountState> before = force ? Optional.empty() : MountState.query(target);
        String problem = fusermount("-u", target);
        if (problem != null && force) {
            problem = fusermount("-uz", target); // busy: detach now, the kernel finishes when the last user leaves
        }
        if (problem != null) {
            throw new CliException(ExitCodes.ERROR, "could not unmount " + target + ": " + problem);
        }
        if (state.isPresent()) {
            waitForExit(target, state.get(), before);
        }
        System.out.println("unmounted " + target + (force ? " (queued changes will be uploaded by the next mount)" : ""));
        return ExitCodes.OK;
    }

    /** Runs fusermount; returns null on success, else what it said. */
    private static String fusermount(String flag, Path target) throws Exception {
        Process process = new ProcessBuilder(List.of("fusermount", flag, target.toString())).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        return process.waitFor() == 0 ? null : output;
    }

    /** Waits for the mount process to finish its uploads and exit, showing their progress meanwhile. */
    private static void waitForExit(Path target, MountState initial, Optional<MountState> before) throws Exception {
        Optional<ProcessHandle> process = ProcessHandle.of(initial.pid());
        long deadline = System.currentTimeMillis() + WAIT_MINUTES * 60_000;
        UploadProgress progress = new UploadProgress(Progress.onStderr("uploading before unmount"));
        before.ifPresent(progress::update);
        while (process.isPresent() && Processes.isRunning(process.get())) {
            if (System.currentTimeMillis() > deadline) {
                progress.finish();
                throw new CliException(ExitCodes.ERROR, "the mount process " + initial.pid() + " is still uploading after "
                        + WAIT_MINUTES + " minutes; see " + initial.logFile());
            }
            // Once unmounted, the process answers through its state file, rewritten every second until it exits.
            MountState.query(target).ifPresent(progress::update);
            Thread.sleep(100);
        }
        progress.finishDrained();
    }
}
