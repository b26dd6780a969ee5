package dev.coffre.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

@Command(name = "sync", description = {"Upload everything written to a drive so far.",
        "Returns once all of it is committed to the remote (like fsync for the whole drive), showing the progress."},
        footer = ExitCodes.HELP, mixinStandardHelpOptions = true)
final class SyncCommand implements Callable<Integer> {
    private static final long POLL_MILLIS = 200;

    @Parameters(paramLabel = "MOUNTPOINT", description = "The mount point, or the NAME of a mounted remote.")
    String mountPoint;

    @Override
    public Integer call() throws Exception {
        Path target = MountTargets.resolve(mountPoint);
        UploadProgress progress = new UploadProgress(Progress.onStderr("uploading"));
        MountState.query(target).ifPresent(progress::update); // the queue before the sync starts it
        // The sync request answers when everything is committed; status requests meanwhile show how far it got.
        CompletableFuture<String> answer = CompletableFuture.supplyAsync(() -> {
            try {
                return ControlSocket.request(target, "sync");
            } catch (CliException e) {
                throw new CompletionException(e);
            }
        });
        String result = null;
        while (result == null) {
            try {
                result = answer.get(POLL_MILLIS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                MountState.query(target).ifPresent(progress::update);
            } catch (java.util.concurrent.ExecutionException e) {
                progress.finish();
                throw e.getCause() instanceof CliException cli ? cli : e;
            }
        }
        if (!result.equals("ok")) {
            progress.finish();
            throw new CliException(ExitCodes.ERROR, "sync of " + target + " failed: " + result);
        }
        progress.finishDrained();
        System.out.println("everything written to " + target + " is stored in the remote");
        return ExitCodes.OK;
    }
}
