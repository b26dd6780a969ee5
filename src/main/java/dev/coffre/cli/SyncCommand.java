package dev.coffre.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "sync", description = {"Upload everything written to a drive so far.",
        "Returns once all of it is committed to the remote (like fsync for the whole drive)."},
        footer = ExitCodes.HELP, mixinStandardHelpOptions = true)
final class SyncCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MOUNTPOINT", description = "The mount point, or the NAME of a mounted remote.")
    String mountPoint;

    @Override
    public Integer call() throws Exception {
        Path target = MountTargets.resolve(mountPoint);
        String answer = ControlSocket.request(target, "sync");
        if (!answer.equals("ok")) {
            throw new CliException(ExitCodes.ERROR, "sync of " + target + " failed: " + answer);
        }
        System.out.println("everything written to " + target + " is stored in the remote");
        return ExitCodes.OK;
    }
}
