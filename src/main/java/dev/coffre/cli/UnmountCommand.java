package dev.coffre.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

@Command(name = "unmount", aliases = "umount", description = {"Unmount a drive.",
        "Waits until the mount process has stored everything and exited."},
        footer = ExitCodes.HELP, mixinStandardHelpOptions = true)
final class UnmountCommand implements Callable<Integer> {
    private static final long WAIT_MINUTES = 30;

    @Parameters(paramLabel = "MOUNTPOINT")
    Path mountPoint;

    @Override
    public Integer call() throws Exception {
        Path target = mountPoint.toAbsolutePath().normalize();
        Optional<MountState> state = MountState.read(target);
        if (!Mounts.isMountPoint(target)) {
            state.filter(s -> !s.processAlive()).ifPresent(s -> MountState.remove(target));
            throw new CliException(ExitCodes.ERROR, target + " is not mounted");
        }
        Process fusermount = new ProcessBuilder("fusermount", "-u", target.toString())
                .redirectErrorStream(true).start();
        String output = new String(fusermount.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (fusermount.waitFor() != 0) {
            throw new CliException(ExitCodes.ERROR, "could not unmount " + target + ": " + output);
        }
        if (state.isPresent()) {
            waitForExit(state.get());
        }
        System.out.println("unmounted " + target);
        return ExitCodes.OK;
    }

    private static void waitForExit(MountState state) throws CliException, InterruptedException, IOException {
        Optional<ProcessHandle> process = ProcessHandle.of(state.pid());
        if (process.isEmpty()) {
            return;
        }
        try {
            process.get().onExit().get(5, TimeUnit.SECONDS);
            return;
        } catch (java.util.concurrent.TimeoutException e) {
            System.err.println("waiting for the mount process (pid " + state.pid() + ") to finish storing data...");
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException(e);
        }
        try {
            process.get().onExit().get(WAIT_MINUTES, TimeUnit.MINUTES);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new CliException(ExitCodes.ERROR, "the mount process " + state.pid() + " is still running after "
                    + WAIT_MINUTES + " minutes; see " + state.logFile());
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException(e);
        }
    }
}
